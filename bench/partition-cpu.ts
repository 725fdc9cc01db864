// The partition log's own CPU cost per append and per read, without the disk: a PartitionLog on the
// in-memory PowerCutDisk, so the figures move only when the engine's code path does (bench/storage.ts
// measures against a real disk, whose noise on a shared machine hides changes of a few per cent).
// Run: `node --import tsx bench/partition-cpu.ts [--batches N] [--runs R] [--read-passes P]`
// Prints, per run, CPU µs per append (1 KiB batches, 4 outstanding, flush os, 16 MiB segments so it rolls)
// and per batch read (maxBytes 64 KiB, tail cache off, every batch read back from segment files P times, default
// 5), then medians.
import { PartitionLog, PowerCutDisk, DEFAULT_PARTITION_CONFIG } from '../storage/index.js';
import { makeBatch } from '../test/storage/helpers.js';
import { median } from './lib/stats.js';
import { numberOptions } from './lib/args.js';

const args = process.argv.slice(2);
const opt = numberOptions(args);
const BATCHES = opt('batches', 100_000);
const RUNS = opt('runs', 3);
const READ_PASSES = opt('read-passes', 5);
const OUTSTANDING = 4;
const MiB = 1024 * 1024;

const cpuMicros = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

async function run(index: number): Promise<{ append: number; read: number }> {
  const disk = new PowerCutDisk('/bench');
  const log = await PartitionLog.open({
    dir: `/bench/p-${index}`,
    topic: 'p',
    partition: index,
    config: { ...DEFAULT_PARTITION_CONFIG, flush: { kind: 'os' }, segmentBytes: 16 * MiB, retentionMs: -1 },
    fs: disk.mount(),
    tailCacheBytes: 0,
  });
  // The log owns appended buffers: each append gets its own.
  const batches = Array.from({ length: BATCHES }, (_, i) => makeBatch({ payloadBytes: 1024 - 61, tag: i }));
  const appendStart = process.cpuUsage();
  let next = 0;
  const writer = async () => {
    while (next < BATCHES) await log.append(batches[next++]!);
  };
  await Promise.all(Array.from({ length: OUTSTANDING }, writer));
  const append = cpuMicros(appendStart) / BATCHES;
  const readStart = process.cpuUsage();
  for (let pass = 0; pass < READ_PASSES; pass++) {
    for (let offset = 0; offset < log.logEndOffset; ) {
      offset = (await log.read(offset, { maxBytes: 64 * 1024 })).nextOffset;
    }
  }
  const read = cpuMicros(readStart) / (BATCHES * READ_PASSES);
  await log.close();
  return { append, read };
}

const appends: number[] = [];
const reads: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const r = await run(i);
  appends.push(r.append);
  reads.push(r.read);
  process.stdout.write(
    `run ${i + 1}: append ${r.append.toFixed(2)} µs CPU/batch, read ${r.read.toFixed(2)} µs CPU/batch\n`,
  );
}
process.stdout.write(
  `median: append ${median(appends).toFixed(2)} µs CPU/batch, read ${median(reads).toFixed(2)} µs CPU/batch\n`,
);
