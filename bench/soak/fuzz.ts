// Long hostile-input soak: `node --import tsx bench/soak/fuzz.ts --seconds 60 [--seed n]`.
// A `sluice serve` child is fed mutated frames of every API (test/reliability/lib/hostile.ts) on many
// connections for the given time while a well-behaved client produces and fetches; its RSS and
// descriptors are sampled. Exits 1 if the broker died, a connection hung, the good client failed, or
// RSS grew by more than 200 MiB. Build first (npm run build).
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../../src/protocol/index.js';
import { batchOf, createTopic, fetchPartition, produce } from '../../test/helpers/broker.js';
import { startSluice } from '../../test/helpers/sluice-process.js';
import { WireClient } from '../../test/helpers/wire-client.js';
import { fdCount, fuzzConnection, rssOf, sendHostile, type Outcome } from '../../test/reliability/lib/hostile.js';
import { rng } from '../../test/reliability/lib/rng.js';
import { soakArgs } from './args.js';

const MiB = 1024 * 1024;
const args = soakArgs({ seconds: 60 });
const random = rng(args.seed);
const dataDir = await mkdtemp(join(tmpdir(), 'sluice-soak-fuzz-'));
const config = `${dataDir}.json`;
await writeFile(config, JSON.stringify({ stallTimeoutMs: 400, maxFrameBytes: 4 * MiB }));
const proc = await startSluice(['--data-dir', dataDir, '--port', '0', '--config', config]);
const pid = proc.child.pid!;
const admin = await WireClient.connect(proc.port);
await createTopic(admin, 'good', 1);
await createTopic(admin, 'fuzzed', 2);
admin.destroy();
console.log(`fuzz soak: ${args.seconds} s, seed ${random.seed}, broker pid ${pid}`);

const rss0 = await rssOf(pid);
const fds0 = await fdCount(pid);
const end = Date.now() + args.seconds * 1000;
let stop = false;
const good = { ok: 0, failures: [] as string[] };
const goodLoop = (async () => {
  const c = await WireClient.connect(proc.port);
  for (let n = 0; !stop; n++) {
    try {
      const p = await produce(c, 'good', 0, batchOf([`g${n}`]));
      const f = await fetchPartition(c, 'good', 0, p.baseOffset);
      if (p.errorCode !== ErrorCode.NONE || f.records.length === 0)
        throw new Error(`produce ${p.errorCode} fetch ${f.errorCode}`);
      good.ok++;
    } catch (error) {
      good.failures.push((error as Error).message);
      if (c.isClosed) break;
    }
  }
  c.destroy();
})();

let id = 1;
let frames = 0;
let peakRss = 0;
const outcomes: Record<Outcome, number> = { answered: 0, closed: 0, parked: 0, hung: 0 };
while (Date.now() < end && proc.child.exitCode === null) {
  const wave = Array.from({ length: 25 }, () => fuzzConnection(random, 6, () => id++));
  for (const o of await Promise.all(wave.map((w) => sendHostile(proc.port, w.frames, 4000)))) outcomes[o]++;
  frames += wave.reduce((n, w) => n + w.frames.length, 0);
  peakRss = Math.max(peakRss, (await rssOf(pid)) - rss0);
}
stop = true;
await goodLoop;
const alive = proc.child.exitCode === null;
const fds = alive ? await fdCount(pid) : -1;
console.log(
  `${frames} frames on ${outcomes.answered + outcomes.closed + outcomes.parked + outcomes.hung} connections: ${JSON.stringify(outcomes)}`,
);
console.log(
  `broker alive: ${alive}; peak RSS growth ${(peakRss / MiB).toFixed(1)} MiB; descriptors ${fds0} → ${fds}; good client ${good.ok} round trips, ${good.failures.length} failures`,
);
const ok = alive && outcomes.hung === 0 && good.failures.length === 0 && peakRss < 200 * MiB;
if (alive) await proc.kill('SIGTERM');
if (ok) await rm(dataDir, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
