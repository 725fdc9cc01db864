// CPU and wall time of one share-group state write: ShareStateStore.append through the state topic's
// PartitionLog (record batch built, log append, positional write), with nothing else in the process.
//   node --import tsx bench/queues/state-write.ts [--writes N] [--per-write N] [--flush always|interval]
//     [--tail-cache-bytes N]
// --per-write N: appends made in one turn (they share one batch, as the requests read in one turn do).
// --tail-cache-bytes: the state log's tail cache bound (the broker's share service uses 0); default 0.
// Prints CPU (user, system) and wall µs per write over N writes, after N untimed ones.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, LogManager, resolvePartitionConfig } from '../../storage/index.js';
import { ShareStateStore } from '../../src/broker/share/state-store.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const writes = Number(flag('writes', '20000'));
const perWrite = Number(flag('per-write', '1'));
const flush =
  flag('flush', 'interval') === 'always' ? { kind: 'always' as const } : { kind: 'interval' as const, ms: 120_000 };
const tailCacheBytes = Number(flag('tail-cache-bytes', '0'));

const dir = mkdtempSync(join(tmpdir(), 'sluice-state-write-'));
const config = resolvePartitionConfig({ retentionMs: -1, retentionBytes: -1, segmentBytes: 8 << 20, flush });
const quiet = () => undefined;
const logger = { debug: quiet, info: quiet, warn: quiet, error: quiet } as unknown as Logger;
const clock = { now: () => Date.now() };
const manager = await LogManager.open({ dataDir: dir, configFor: () => config, clock, logger, tailCacheBytes });
const log = await manager.create('__share_group_state', 0, config);
const store = new ShareStateStore(log, () => Date.now(), 1 << 30);
// About the size of one request's changes record (a run of settlements and one of acquisitions).
const key = Buffer.alloc(40, 1);
const value = Buffer.alloc(90, 2);

async function round(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const stored: Promise<void>[] = [];
    for (let j = 0; j < perWrite; j++) stored.push(store.append([{ key, value }]));
    await Promise.all(stored);
  }
}

try {
  await round(writes);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await round(writes);
  const used = process.cpuUsage(cpu);
  const wallUs = (performance.now() - started) * 1000;
  const per = (us: number) => (us / writes).toFixed(1);
  process.stdout.write(
    `${writes} writes of ${perWrite} append(s), flush=${flush.kind}, tail cache ${tailCacheBytes} B: ` +
      `CPU ${per(used.user + used.system)} µs/write (user ${per(used.user)}, system ${per(used.system)}), wall ${per(wallUs)} µs/write\n`,
  );
} finally {
  await manager.close();
  rmSync(dir, { recursive: true, force: true });
}
