// What the open-file budget costs reads: `node --import tsx bench/file-budget.ts [--short]`.
// One partition of SEGMENTS segments (1 MiB each, 1 KiB batches, tail cache off) read through a LogManager
// with an unlimited budget (every file stays open: the behaviour before the budget) and with a budget of 2
// (almost every segment change reopens its file), in the same run, alternating, medians of RUNS:
//   - sequential catch-up reads, maxBytes 1 MiB (a replay): one reopen per segment, i.e. per ~1 MiB read;
//   - random single-batch lookups across the segments: one reopen per lookup in the worst case.
// Then the cost of the PooledFile wrapper itself on the hot path (no reopen): 4 KiB positional reads of one
// open file through a raw handle and through a PooledFile of a bounded pool, alternating.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PARTITION_CONFIG, LogManager, nodeFs, type PartitionConfig } from '../storage/index.js';
import { FilePool } from '../storage/file-pool.js';
import { makeBatch } from '../test/storage/helpers.js';
import { median } from './lib/stats.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';

const SHORT = process.argv.includes('--short');
const RUNS = SHORT ? 3 : 9;
const SEGMENTS = SHORT ? 16 : 64;
const MiB = 1024 * 1024;
const LOOKUPS = SHORT ? 2_000 : 10_000;
const cfg: PartitionConfig = { ...DEFAULT_PARTITION_CONFIG, retentionMs: -1, segmentBytes: MiB };

const dataDir = await mkdtemp(join(tmpdir(), 'sluice-bench-files-'));
const fill = await LogManager.open({ dataDir, configFor: () => cfg, maintenanceIntervalMs: 0 });
const log = await fill.create('t', 0, cfg);
const batch = makeBatch({ payloadBytes: 1024 - 61 });
while (log.segmentCount <= SEGMENTS) await log.append(Buffer.from(batch));
const end = log.logEndOffset;
await fill.close();

async function measure(budget: number | undefined) {
  const manager = await LogManager.open({
    dataDir,
    configFor: () => cfg,
    maintenanceIntervalMs: 0,
    tailCacheBytes: 0,
    ...(budget === undefined ? {} : { maxOpenSegmentFiles: budget }),
  });
  const p = manager.get('t', 0)!;
  const cpuUs = (since: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since);
    return u.user + u.system;
  };
  let bytes = 0;
  let started = process.hrtime.bigint();
  let cpu = process.cpuUsage();
  for (let offset = 0; offset < end; ) {
    const r = await p.read(offset, { maxBytes: MiB });
    bytes += r.bytes;
    offset = r.nextOffset;
  }
  const seqSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const seqCpuPerMiB = cpuUs(cpu) / (bytes / MiB);
  let x = 12345;
  started = process.hrtime.bigint();
  cpu = process.cpuUsage();
  for (let i = 0; i < LOOKUPS; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    await p.read(x % end, { maxBytes: 1 });
  }
  const lookupUs = (Number(process.hrtime.bigint() - started) / 1e3 / LOOKUPS) as number;
  const lookupCpuUs = cpuUs(cpu) / LOOKUPS;
  const stats = manager.fileStats;
  await manager.close();
  return { mibps: bytes / MiB / seqSeconds, seqCpuPerMiB, lookupUs, lookupCpuUs, reopened: stats.reopened };
}

async function wrapperCost(): Promise<{ raw: number; pooled: number }> {
  const path = join(dataDir, 't-0', '00000000000000000000.log');
  const raw = await nodeFs.open(path, 'r+');
  const pooled = await new FilePool(1000).open(nodeFs, path, 'r+');
  const buf = Buffer.allocUnsafe(4096);
  const time = async (read: (position: number) => Promise<number>) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < 20_000; i++) await read((i * 4096) % (MiB - 4096));
    return Number(process.hrtime.bigint() - started) / 1e3 / 20_000;
  };
  const result = {
    raw: await time((pos) => raw.read(buf, 0, 4096, pos)),
    pooled: await time((pos) => pooled.read(buf, 0, 4096, pos)),
  };
  await raw.close();
  await pooled.close();
  return result;
}

const rows = {
  unlimited: [] as Awaited<ReturnType<typeof measure>>[],
  two: [] as Awaited<ReturnType<typeof measure>>[],
};
await measure(undefined); // warm-up (page cache)
for (let run = 0; run < RUNS; run++) {
  rows.unlimited.push(await measure(undefined));
  rows.two.push(await measure(2));
}
const wrapper: Array<{ raw: number; pooled: number }> = [];
for (let run = 0; run < RUNS; run++) wrapper.push(await wrapperCost());
await rm(dataDir, { recursive: true, force: true });

type Key = 'mibps' | 'seqCpuPerMiB' | 'lookupUs' | 'lookupCpuUs' | 'reopened';
const m = (list: Awaited<ReturnType<typeof measure>>[], key: Key) => median(list.map((r) => r[key]));
console.log(`${today()}, commit ${describeCommit()}, ${describeMachine()}`);
console.log(
  `${SEGMENTS} segments of 1 MiB, 1 KiB batches; medians of ${RUNS} alternating runs; ${LOOKUPS} lookups per run`,
);
console.log(
  '| budget | sequential read MiB/s | CPU µs per MiB | random lookup µs | CPU µs per lookup | files reopened per run |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [name, list] of [
  ['unlimited (files stay open)', rows.unlimited],
  ['2 (reopen on nearly every segment change)', rows.two],
] as const) {
  console.log(
    `| ${name} | ${m(list, 'mibps').toFixed(0)} | ${m(list, 'seqCpuPerMiB').toFixed(0)} | ${m(list, 'lookupUs').toFixed(1)} | ${m(list, 'lookupCpuUs').toFixed(1)} | ${m(list, 'reopened').toFixed(0)} |`,
  );
}
const ratio = (key: Key) => (m(rows.two, key) / m(rows.unlimited, key)).toFixed(2);
console.log(
  `ratio budget 2 / unlimited: sequential MiB/s ${ratio('mibps')}, CPU per MiB ${ratio('seqCpuPerMiB')}; lookup time ${ratio('lookupUs')}, CPU per lookup ${ratio('lookupCpuUs')}`,
);
const rawUs = median(wrapper.map((w) => w.raw));
const pooledUs = median(wrapper.map((w) => w.pooled));
console.log(
  `4 KiB read of an open file: raw handle ${rawUs.toFixed(2)} µs, PooledFile ${pooledUs.toFixed(2)} µs (+${(pooledUs - rawUs).toFixed(2)} µs, ratio ${(pooledUs / rawUs).toFixed(2)})`,
);
