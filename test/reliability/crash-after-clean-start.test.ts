// SIGKILL of a real `sluice serve` some time after a clean start: the partitions written since are listed
// in the change journal (storage/change-journal.ts) before they changed, so the restart recovers those from
// their logs, starts every other partition dormant from the clean base, and serves every acknowledged
// record of both kinds.
import { afterAll, describe, expect, it } from 'vitest';
import { createTopic } from '../helpers/broker.js';
import { startSluice } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';
import { checkServed, TOPIC } from './lib/crash.js';
import { type ProducerRun, startLoad } from './lib/load.js';
import { rng } from './lib/rng.js';

afterAll(removeTempDirs);

const PARTITIONS = 24;
const WRITTEN_AFTER_START = 3;

const recoveredOfTopic = (lines: Array<Record<string, unknown>>) =>
  lines
    .filter((l) => l.msg === 'partition opened' && l.recovered === true && String(l.partition).startsWith(`${TOPIC}-`))
    .map((l) => String(l.partition))
    .sort();

async function produce(port: number, partitions: number, prefix: string, random: ReturnType<typeof rng>) {
  const load = startLoad({
    port,
    topic: TOPIC,
    partitions,
    producers: partitions,
    prefix,
    acks: -1,
    pipeline: 2,
    rng: random,
  });
  await waitFor(() => load.runs.every((r) => r.acked.length >= 3), {
    timeoutMs: 20_000,
    message: `${prefix}: three acknowledged records in each of ${partitions} partitions`,
  });
  await load.stop();
  return load.runs;
}

describe('SIGKILL after a clean start', () => {
  it('recovers only the partitions written since, and serves every acknowledged record', async () => {
    const random = rng();
    const dataDir = await tempDir('sluice-crash-after-clean-start-');
    const args = ['--data-dir', dataDir, '--port', '0', '--flush', 'os'];
    const runs: ProducerRun[] = [];

    const first = await startSluice(args);
    const admin = await WireClient.connect(first.port);
    await createTopic(admin, TOPIC, PARTITIONS);
    admin.destroy();
    runs.push(...(await produce(first.port, PARTITIONS, 'before', random)));
    expect(await first.kill('SIGTERM')).toBe(0);

    const started = await startSluice(args);
    expect(recoveredOfTopic(started.lines)).toEqual([]);
    // Partitions 0..WRITTEN_AFTER_START-1 only (producer i writes partition i).
    runs.push(...(await produce(started.port, WRITTEN_AFTER_START, 'after', random)));
    expect(await started.kill('SIGKILL')).toBe('SIGKILL');

    const restarted = await startSluice(args);
    const context = `seed ${random.seed} (replay with SLUICE_SEED=${random.seed})`;
    expect(recoveredOfTopic(restarted.lines), context).toEqual(
      Array.from({ length: WRITTEN_AFTER_START }, (_, p) => `${TOPIC}-${p}`).sort(),
    );
    const opened = restarted.lines.find((l) => l.msg === 'log manager opened' && l.dataDir === dataDir);
    expect(opened?.dormant as number, context).toBeGreaterThanOrEqual(PARTITIONS - WRITTEN_AFTER_START);
    expect(await checkServed(restarted, PARTITIONS, runs), context).toEqual([]);
    expect(await restarted.kill('SIGTERM')).toBe(0);
  }, 60_000);
});
