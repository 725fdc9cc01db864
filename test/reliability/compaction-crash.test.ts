// SIGKILL of a real `sluice serve` while its log cleaner compacts a topic under load, at random moments,
// several rounds. A crash may land anywhere in a cleaning — writing the cleaned file, in the swap, between
// swaps — and the restarted broker must serve a valid log: every acknowledged record is there at its offset
// unless a later record of its key is, nothing appears twice or out of order, and no cleaner file is left.
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batchOf, createTopic, produce, readAll } from '../helpers/broker.js';
import { startSluice } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';
import { rng } from './lib/rng.js';

afterAll(removeTempDirs);

const TOPIC = 'changelog';
const KEYS = 40;
/** Records acknowledged in a round before its kill timer starts: several 2 KiB segments' worth. */
const LOAD_BEFORE_KILL = 160;

interface Acked {
  offset: number;
  key: string;
  value: string;
}

/** Producers writing batches of 8 keyed records until stopped; every acknowledged record with its offset. */
function startLoad(port: number, round: number, acked: Acked[]) {
  let stopped = false;
  const workers = [0, 1, 2].map(async (w) => {
    const c = await WireClient.connect(port);
    try {
      for (let seq = 0; !stopped; seq++) {
        const keys = Array.from({ length: 8 }, (_, i) => `k${(seq * 8 + i + w * 13) % KEYS}`);
        const values = keys.map((k) => `r${round}-w${w}-s${seq}-${k}`);
        const res = await produce(c, TOPIC, 0, batchOf(values, { keys })).catch(() => null);
        if (res?.errorCode !== 0) return;
        for (const [i, key] of keys.entries()) acked.push({ offset: res.baseOffset + i, key, value: values[i]! });
      }
    } finally {
      c.destroy();
    }
  });
  return {
    async stop() {
      stopped = true;
      await Promise.allSettled(workers);
    },
  };
}

/** What a restarted broker serves, checked against every acknowledged record so far. */
function check(served: Array<{ offset: number; key: string | null; value: string | null }>, acked: Acked[]): string[] {
  const problems: string[] = [];
  for (let i = 1; i < served.length; i++)
    if (served[i]!.offset <= served[i - 1]!.offset)
      problems.push(`offset ${served[i]!.offset} after ${served[i - 1]!.offset}`);
  const byOffset = new Map(served.map((r) => [r.offset, r]));
  const lastServed = new Map<string, number>();
  for (const r of served) {
    if (r.key === null) problems.push(`record at ${r.offset} lost its key`);
    else if (!r.value?.endsWith(`-${r.key}`))
      problems.push(`record at ${r.offset}: value ${r.value} is not of key ${r.key}`);
    if (r.key !== null) lastServed.set(r.key, r.offset);
  }
  for (const a of acked) {
    const at = byOffset.get(a.offset);
    if (at && (at.key !== a.key || at.value !== a.value))
      problems.push(`offset ${a.offset} holds ${at.key}=${at.value}, acknowledged ${a.key}=${a.value}`);
    // Gone only if a later record of its key is served.
    if (!at && !((lastServed.get(a.key) ?? -1) > a.offset))
      problems.push(
        `acknowledged ${a.key}=${a.value} at ${a.offset} is gone and no later record of ${a.key} is served`,
      );
  }
  return problems;
}

describe('crash: SIGKILL of sluice serve while its log cleaner compacts', () => {
  it('recovers a valid log that loses no key’s latest acknowledged record', async () => {
    const random = rng();
    const dataDir = await tempDir('sluice-compact-crash-');
    const config = join(await tempDir('sluice-compact-crash-config-'), 'sluice.json');
    await writeFile(
      config,
      JSON.stringify({
        topicDefaults: { segmentBytes: 2048 },
        logCleaner: { backoffMs: 5 },
        maintenanceIntervalMs: 100,
      }),
    );
    const args = ['--data-dir', dataDir, '--port', '0', '--no-kafka', '--flush', 'os', '--config', config];
    const acked: Acked[] = [];
    const context: string[] = [`seed ${random.seed} (replay with SLUICE_SEED=${random.seed})`];
    let cleanings = 0;
    let interrupted = 0;
    const ROUNDS = 4;
    for (let round = 0; round <= ROUNDS; round++) {
      const proc = await startSluice(args, 60_000);
      const c = await WireClient.connect(proc.port);
      try {
        if (round === 0) {
          const created = await createTopic(c, TOPIC, 1, {
            'cleanup.policy': 'compact',
            'min.cleanable.dirty.ratio': '0.01',
          });
          expect(created.errorCode).toBe(0);
        } else {
          const served = (await readAll(c, TOPIC, 0)).map((r) => ({
            offset: r.offset,
            key: r.key?.toString() ?? null,
            value: r.value?.toString() ?? null,
          }));
          expect(check(served, acked), `${context.join('; ')}; after round ${round - 1}`).toEqual([]);
          const finished = proc.lines.filter((l) => l.msg === 'finished a cleaner swap interrupted by a crash').length;
          const discarded = proc.lines.filter((l) => l.msg === 'deleted unfinished cleaner output').length;
          interrupted += finished + discarded;
          context.push(
            `round ${round - 1}: ${served.length} served of ${acked.length} acknowledged; recovery finished ${finished} swap(s), discarded ${discarded} cleaning(s)`,
          );
        }
      } finally {
        c.destroy();
      }
      if (round === ROUNDS) {
        // A clean stop abandons a cleaning in progress and leaves none of its files.
        await proc.kill('SIGTERM');
        const left = (await readdir(join(dataDir, `${TOPIC}-0`))).filter((n) => /\.(cleaned|swap)$/.test(n));
        expect(left, 'cleaner files left after a clean stop').toEqual([]);
        break;
      }
      const ackedBefore = acked.length;
      const load = startLoad(proc.port, round, acked);
      // The kill lands during the load, not before it started: a busy machine may take seconds to connect.
      await waitFor(() => acked.length >= ackedBefore + LOAD_BEFORE_KILL, { timeoutMs: 60_000 });
      const killAfterMs = random.int(400, 1500);
      await new Promise((r) => setTimeout(r, killAfterMs));
      cleanings += proc.lines.filter((l) => l.msg === 'log cleaned').length;
      await proc.kill('SIGKILL');
      await load.stop();
      context.push(`killed after ${killAfterMs} ms`);
    }
    // The cleaner did run between the kills, and compaction shows.
    context.push(`${cleanings} cleanings logged before the kills, ${interrupted} cleaning(s) cut by a kill`);
    expect(cleanings, context.join('; ')).toBeGreaterThan(0);
  }, 240_000);
});
