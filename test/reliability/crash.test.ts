// SIGKILL of a real `sluice serve` under load, several rounds with the flush policy rotating over
// always / os / interval. A process crash keeps the page cache, so under every policy nothing
// acknowledged may be lost (power loss is what os/interval risk; see RELIABILITY.md). After each kill
// the files are scanned like `sluice dump-log` does; after each restart the broker's answers are checked.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSluice } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { crashRounds, TOPIC } from './lib/crash.js';
import { rng } from './lib/rng.js';

afterAll(removeTempDirs);

describe('crash: SIGKILL of sluice serve under acks=-1 load', () => {
  it('keeps every acknowledged record exactly once, in order, with dense offsets and valid CRCs', async () => {
    const random = rng();
    const dataDir = await tempDir('sluice-crash-');
    const { reports, finalProblems, totalAcked } = await crashRounds({
      dataDir,
      rounds: 5,
      rng: random,
      flush: ['always', 'os', '50', 'always', 'os'],
    });
    const context = `seed ${random.seed} (replay with SLUICE_SEED=${random.seed}); rounds: ${JSON.stringify(reports)}`;
    expect(
      reports.flatMap((r) => r.problems),
      context,
    ).toEqual([]);
    expect(finalProblems, context).toEqual([]);
    expect(reports).toHaveLength(5);
    expect(totalAcked, context).toBeGreaterThan(100);

    // The user's own check: `sluice dump-log` over every segment of a partition finds every CRC valid.
    const dir = join(dataDir, `${TOPIC}-0`);
    const segments = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
    expect(segments.length, 'segments rolled under load').toBeGreaterThan(1);
    const dump = await runSluice(['dump-log', join(dir, segments[segments.length - 1]!)]);
    expect(dump.stderr).toBe('');
    expect(dump.code).toBe(0);
    expect(dump.stdout).toContain('all CRCs valid');
  }, 80_000);
});
