// SIGKILL of a real `sluice serve` in the middle of its clean stop (SIGTERM), with many written partitions:
// the stop fsyncs each partition's log and then writes the data directory's clean-shutdown file, which
// stands for every partition's checkpoint (storage/clean-shutdown.ts). A kill anywhere in between must
// leave a directory whose next start recovers (nothing claims a clean shutdown that did not finish) and
// serves every acknowledged record; a stop that does finish must make the next start a clean one.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLEAN_SHUTDOWN_FILE } from '../../storage/index.js';
import { createTopic } from '../helpers/broker.js';
import { startSluice } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';
import { checkFiles, checkServed, TOPIC } from './lib/crash.js';
import { type ProducerRun, startLoad } from './lib/load.js';
import { rng } from './lib/rng.js';

afterAll(removeTempDirs);

const PARTITIONS = 32;
const ROUNDS = 4;

const closedCount = (lines: Array<Record<string, unknown>>) =>
  lines.filter((l) => l.msg === 'partition closed' && String(l.partition).startsWith(`${TOPIC}-`)).length;

describe('SIGKILL during a clean stop of many written partitions', () => {
  it('recovers every acknowledged record, and a stop that finishes leaves a clean start', async () => {
    const random = rng();
    const dataDir = await tempDir('sluice-stop-crash-');
    const args = ['--data-dir', dataDir, '--port', '0', '--flush', 'os'];
    const runs: ProducerRun[] = [];
    const kills: string[] = [];
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS && problems.length === 0; round++) {
      const proc = await startSluice(args);
      if (round === 0) {
        const admin = await WireClient.connect(proc.port);
        await createTopic(admin, TOPIC, PARTITIONS);
        admin.destroy();
      } else problems.push(...(await checkServed(proc, PARTITIONS, runs)).map((p) => `round ${round}: ${p}`));
      const load = startLoad({
        port: proc.port,
        topic: TOPIC,
        partitions: PARTITIONS,
        producers: PARTITIONS,
        prefix: `r${round}`,
        acks: -1,
        pipeline: 2,
        rng: random,
        padding: random.int(0, 300),
      });
      runs.push(...load.runs);
      await waitFor(() => load.runs.every((r) => r.acked.length >= 3), {
        timeoutMs: 20_000,
        message: `round ${round}: three acknowledged records in every partition`,
      });
      await load.stop();
      // The kill lands after `closes` of the topic's partitions logged their close (0: before any did;
      // PARTITIONS: all closed, while the clean-shutdown file is being written, or just after).
      const closes = random.int(0, PARTITIONS);
      const stopping = proc.kill('SIGTERM');
      await waitFor(() => closedCount(proc.lines) >= closes || proc.child.exitCode !== null, {
        timeoutMs: 30_000,
        intervalMs: 1,
        message: `round ${round}: ${closes} partitions closed`,
      });
      const finished = proc.lines.some((l) => l.msg === 'stopped');
      proc.child.kill('SIGKILL');
      await stopping;
      kills.push(`round ${round}: after ${closedCount(proc.lines)} closes${finished ? ' (stop had finished)' : ''}`);
      problems.push(...(await checkFiles(dataDir, runs, false)).problems.map((p) => `round ${round}: ${p}`));
    }
    const context = `seed ${random.seed} (replay with SLUICE_SEED=${random.seed}); ${kills.join('; ')}`;
    expect(problems, context).toEqual([]);
    expect(
      kills.filter((k) => !k.endsWith('(stop had finished)')).length,
      `${context}: kills inside the stop`,
    ).toBeGreaterThan(0);
    expect(
      runs.reduce((n, r) => n + r.acked.length, 0),
      context,
    ).toBeGreaterThanOrEqual(ROUNDS * PARTITIONS * 3);

    // A stop that finishes: the next start finds the clean-shutdown file, recovers nothing, serves everything.
    const last = await startSluice(args);
    expect(await checkServed(last, PARTITIONS, runs), context).toEqual([]);
    expect(await last.kill('SIGTERM')).toBe(0);
    await access(join(dataDir, CLEAN_SHUTDOWN_FILE));
    expect((await checkFiles(dataDir, runs, true)).problems, context).toEqual([]);
    const clean = await startSluice(args);
    const opened = clean.lines.find((l) => l.msg === 'log manager opened' && l.dataDir === dataDir);
    expect(opened?.dormant, 'every partition starts dormant').toBe(opened?.partitions);
    expect(await checkServed(clean, PARTITIONS, runs), context).toEqual([]);
    expect(clean.lines.filter((l) => l.msg === 'partition opened' && l.recovered === true)).toEqual([]);
    expect(await clean.kill('SIGTERM')).toBe(0);
  }, 120_000);
});
