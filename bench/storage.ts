// Storage engine benchmark: PartitionLog against raw node:fs on the same disk, in the same run.
// Run: `node --import tsx bench/storage.ts [--short] [--write]`
//   --short  smaller volumes (about 1 min instead of several)
//   --write  replace the "Storage engine" section of bench/RESULTS.md with the figures
// Every figure is the median of RUNS runs. Raw baselines use one FileHandle and awaited positional
// writes/reads of the same sizes, like the engine's appender; files live in os.tmpdir() (same disk as /work).
import { execSync } from 'node:child_process';
import { crc32c } from '@node-rs/crc32';
import { open, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultyFs, PartitionLog, DEFAULT_PARTITION_CONFIG, CHECKPOINT_FILE } from '../storage/index.js';
import type { PartitionConfig } from '../storage/index.js';
import { makeBatch } from '../test/storage/helpers.js';
import { median, summarizeLatencies } from './lib/stats.js';
import { table, writeResultsSection } from './lib/results.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';

const SHORT = process.argv.includes('--short');
const WRITE = process.argv.includes('--write');
const RUNS = SHORT ? 3 : 5;
const MiB = 1024 * 1024;
const WRITE_BYTES = (SHORT ? 32 : 128) * MiB;
/** Bytes appended per write-throughput run: enough for tens of milliseconds at least, capped for 1 KiB batches. */
const writeBytesFor = (size: number) => Math.min(size * (SHORT ? 8192 : 65536), (SHORT ? 64 : 512) * MiB);
/** Passes over the read partition per timed run (a single pass over page cache takes only tens of ms). */
const READ_PASSES = SHORT ? 2 : 4;
const OPEN_BYTES = (SHORT ? 256 : 1024) * MiB;
const GROUP_SECONDS = SHORT ? 1.5 : 3;
const LOOKUPS = SHORT ? 2_000 : 10_000;
const SIZES = [1024, 16 * 1024, 256 * 1024];

const cfg = (overrides: Partial<PartitionConfig> = {}): PartitionConfig => ({
  ...DEFAULT_PARTITION_CONFIG,
  retentionMs: -1,
  ...overrides,
});
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const mbps = (bytes: number, s: number) => bytes / s / MiB;

/** A pool of distinct valid batches of `size` bytes (the log owns appended buffers, so they are not reused while cached). */
function batchPool(size: number, count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => makeBatch({ payloadBytes: size - 61, tag: i }));
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-storage-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function rawWrite(size: number, pool: Buffer[]): Promise<number> {
  return withDir(async (dir) => {
    const fh = await open(join(dir, 'raw.log'), 'w+');
    const bytes = writeBytesFor(size);
    const n = bytes / size;
    const start = process.hrtime.bigint();
    for (let i = 0, pos = 0; i < n; i++, pos += size) await fh.write(pool[i % pool.length]!, 0, size, pos);
    const s = seconds(start);
    await fh.close();
    return mbps(bytes, s);
  });
}

/** Appends writeBytesFor(size) bytes with `inFlight` appends outstanding (1 = each awaited before the next). */
async function appendWrite(size: number, pool: Buffer[], inFlight: number): Promise<number> {
  return withDir(async (dir) => {
    const log = await PartitionLog.open({ dir, topic: 'b', partition: 0, config: cfg() });
    const bytes = writeBytesFor(size);
    const n = bytes / size;
    let next = 0;
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < n) await log.append(pool[next++ % pool.length]!);
      }),
    );
    const s = seconds(start);
    await log.close();
    return mbps(bytes, s);
  });
}

/** CRC-32C speed over `size`-byte buffers: append validates every batch's CRC before writing it. */
function crcRate(size: number): number {
  const buf = Buffer.alloc(size, 7);
  const n = Math.max(64, (64 * MiB) / size);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) crc32c(buf);
  return mbps(n * size, seconds(start));
}

interface WriteFigures {
  size: number;
  raw: number;
  one: number;
  four: number;
  crc: number;
}
const writeFigures: WriteFigures[] = [];

async function writeThroughput(): Promise<string[][]> {
  const rows: string[][] = [];
  for (const size of SIZES) {
    const pool = batchPool(size, Math.max(64, Math.min(1024, (64 * MiB) / size)));
    const raw: number[] = [];
    const one: number[] = [];
    const four: number[] = [];
    const crc: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      // Rotate the order so writeback pressure from one does not always land on the same contender.
      const steps = [
        async () => raw.push(await rawWrite(size, pool)),
        async () => one.push(await appendWrite(size, pool, 1)),
        async () => four.push(await appendWrite(size, pool, 4)),
      ];
      for (let i = 0; i < steps.length; i++) await steps[(i + run) % steps.length]!();
      crc.push(crcRate(size));
    }
    const [r, l1, l4, c] = [median(raw), median(one), median(four), median(crc)];
    writeFigures.push({ size, raw: r, one: l1, four: l4, crc: c });
    const pct = (x: number) => `${((x / r) * 100).toFixed(0)}%`;
    rows.push([
      `${size / 1024} KiB`,
      r.toFixed(0),
      l1.toFixed(0),
      pct(l1),
      l4.toFixed(0),
      pct(l4),
      ((l4 * MiB) / size / 1000).toFixed(1),
      c.toFixed(0),
    ]);
    console.error(
      `append ${size}: raw ${r.toFixed(0)} MiB/s, log x1 ${l1.toFixed(0)}, log x4 ${l4.toFixed(0)}, crc ${c.toFixed(0)}`,
    );
  }
  return rows;
}

/** Raw fsync ceiling: write 1 KiB then fdatasync, in a loop. */
async function rawFsyncRate(): Promise<number> {
  return withDir(async (dir) => {
    const fh = await open(join(dir, 'raw.log'), 'w+');
    const buf = Buffer.alloc(1024, 7);
    let n = 0;
    const start = process.hrtime.bigint();
    while (seconds(start) < GROUP_SECONDS) {
      await fh.write(buf, 0, buf.length, n * 1024);
      await fh.datasync();
      n++;
    }
    const rate = n / seconds(start);
    await fh.close();
    return rate;
  });
}

async function groupCommit(): Promise<{ appends: number; fsyncs: number }> {
  return withDir(async (dir) => {
    const fs = new FaultyFs();
    const log = await PartitionLog.open({
      dir,
      topic: 'b',
      partition: 0,
      config: cfg({ flush: { kind: 'always' } }),
      fs,
    });
    const pool = batchPool(1024, 256);
    const before = fs.counts.sync;
    let appends = 0;
    const start = process.hrtime.bigint();
    const appender = async () => {
      while (seconds(start) < GROUP_SECONDS) await log.append(pool[appends++ % pool.length]!);
    };
    await Promise.all(Array.from({ length: 64 }, appender));
    const s = seconds(start);
    const fsyncs = fs.counts.sync - before;
    await log.close();
    return { appends: appends / s, fsyncs: fsyncs / s };
  });
}

async function groupCommitRows(): Promise<string[][]> {
  const raw: number[] = [];
  const runs: { appends: number; fsyncs: number }[] = [];
  for (let run = 0; run < RUNS; run++) {
    raw.push(await rawFsyncRate());
    runs.push(await groupCommit());
  }
  const appends = median(runs.map((r) => r.appends));
  const fsyncs = median(runs.map((r) => r.fsyncs));
  const perFsync = median(runs.map((r) => r.appends / r.fsyncs));
  console.error(
    `group commit: ${appends.toFixed(0)} appends/s, ${fsyncs.toFixed(0)} fsyncs/s, raw ${median(raw).toFixed(0)}`,
  );
  return [
    [
      median(raw).toFixed(0),
      appends.toFixed(0),
      fsyncs.toFixed(0),
      perFsync.toFixed(1),
      `${((fsyncs / median(raw)) * 100).toFixed(0)}%`,
    ],
  ];
}

/** Fills a partition with `bytes` of `size`-byte batches; returns its directory (inside `dir`). */
async function fill(dir: string, bytes: number, size: number, config: PartitionConfig): Promise<PartitionLog> {
  const log = await PartitionLog.open({ dir, topic: 'b', partition: 0, config, tailCacheBytes: 0 });
  const pool = batchPool(size, 256);
  for (let i = 0; i < bytes / size; i++) await log.append(pool[i % pool.length]!);
  return log;
}

async function readThroughput(): Promise<{ rows: string[][]; lookups: string[][] }> {
  return withDir(async (dir) => {
    const log = await fill(join(dir, 'p'), WRITE_BYTES, 1024, cfg({ segmentBytes: 32 * MiB }));
    const rawPath = join(dir, 'raw.log');
    await writeFile(rawPath, Buffer.alloc(WRITE_BYTES, 3));
    const raw: number[] = [];
    const ours: number[] = [];
    await rawRead(rawPath); // warm-up pass for both (JIT, page cache)
    await logRead(log);
    for (let run = 0; run < RUNS; run++) {
      if (run % 2 === 0) {
        raw.push(await rawRead(rawPath));
        ours.push(await logRead(log));
      } else {
        ours.push(await logRead(log));
        raw.push(await rawRead(rawPath));
      }
    }
    const r = median(raw);
    const l = median(ours);
    console.error(`read: raw ${r.toFixed(0)} MiB/s, log ${l.toFixed(0)} MiB/s`);
    const lookups = await lookupLatency(log);
    await log.close();
    return { rows: [[r.toFixed(0), l.toFixed(0), `${((l / r) * 100).toFixed(0)}%`]], lookups };
  });
}

async function rawRead(path: string): Promise<number> {
  const fh = await open(path, 'r');
  const start = process.hrtime.bigint();
  let total = 0;
  for (let pass = 0; pass < READ_PASSES; pass++) {
    for (let pos = 0; pos < WRITE_BYTES; pos += MiB) {
      const buf = Buffer.allocUnsafe(MiB);
      total += (await fh.read(buf, 0, MiB, pos)).bytesRead;
    }
  }
  const s = seconds(start);
  await fh.close();
  return mbps(total, s);
}

async function logRead(log: PartitionLog): Promise<number> {
  const start = process.hrtime.bigint();
  let total = 0;
  for (let pass = 0; pass < READ_PASSES; pass++) {
    let offset = log.logStartOffset;
    while (offset < log.logEndOffset) {
      const r = await log.read(offset, { maxBytes: MiB });
      total += r.bytes;
      offset = r.nextOffset;
    }
  }
  return mbps(total, seconds(start));
}

async function lookupLatency(log: PartitionLog): Promise<string[][]> {
  const samples: number[] = [];
  for (let i = 0; i < LOOKUPS; i++) {
    const offset = Math.floor(Math.random() * log.logEndOffset);
    const start = process.hrtime.bigint();
    const r = await log.read(offset, { maxBytes: 1 });
    samples.push(seconds(start) * 1e6);
    if (r.bytes === 0) throw new Error(`lookup of ${offset} returned nothing`);
  }
  const s = summarizeLatencies(samples);
  return [[String(log.segmentCount), String(LOOKUPS), s.p50.toFixed(1), s.p99.toFixed(1)]];
}

async function openTimes(): Promise<string[][]> {
  return withDir(async (dir) => {
    const path = join(dir, 'p');
    const log = await fill(path, OPEN_BYTES, 16 * 1024, cfg());
    await log.close();
    const clean: number[] = [];
    const crash: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      clean.push(await timeOpen(path));
      // A crash before any checkpoint: no clean-shutdown flag and recovery point 0, so every batch is verified.
      await writeFile(
        join(path, CHECKPOINT_FILE),
        JSON.stringify({
          version: 1,
          topic: 'b',
          partition: 0,
          logStartOffset: 0,
          recoveryPoint: 0,
          cleanShutdown: false,
        }),
      );
      crash.push(await timeOpen(path));
    }
    console.error(
      `open ${OPEN_BYTES / MiB} MiB: clean ${median(clean).toFixed(3)} s, crash ${median(crash).toFixed(3)} s`,
    );
    return [
      [
        `${OPEN_BYTES / MiB} MiB`,
        (median(clean) * 1000).toFixed(0),
        (median(crash) * 1000).toFixed(0),
        mbps(OPEN_BYTES, median(crash)).toFixed(0),
      ],
    ];
  });
}

async function timeOpen(path: string): Promise<number> {
  const start = process.hrtime.bigint();
  const log = await PartitionLog.open({ dir: path, topic: 'b', partition: 0, config: cfg() });
  const s = seconds(start);
  if (log.sizeInBytes < OPEN_BYTES) throw new Error('partition lost data on open');
  await log.close();
  return s;
}

/** What stands in the way of each missed target, computed from this run's figures. */
function notes(readRatio: number): string {
  const lines: string[] = [];
  for (const f of writeFigures) {
    const us = (mibPerS: number) => (f.size / (mibPerS * MiB)) * 1e6;
    if (f.one < 0.8 * f.raw) {
      lines.push(
        `- ${f.size / 1024} KiB ×1 at ${((f.one / f.raw) * 100).toFixed(0)} % of raw: each append first validates the batch CRC ` +
          `(${us(f.crc).toFixed(1)} µs here) and does ~5 µs of fixed work (queue, header parse, index, cache) on the main thread, ` +
          `serially before its write (${us(f.raw).toFixed(1)} µs raw); nothing overlaps with one append in flight.`,
      );
    }
    if (f.four < 0.8 * f.raw) {
      lines.push(
        `- ${f.size / 1024} KiB ×4 at ${((f.four / f.raw) * 100).toFixed(0)} % of raw: with appends outstanding the CRC of the next batch ` +
          'overlaps the current write, but that needs two free cores (main thread + a libuv thread copying into the page cache); ' +
          'this shared 2-core machine rarely has them (the CRC column shows its speed under the same load).',
      );
    }
  }
  if (readRatio < 0.8) {
    lines.push(
      `- Sequential read at ${(readRatio * 100).toFixed(0)} % of raw: each 1 MiB read is one positional read plus header walks ` +
        'bounded by two index intervals (the sparse index lets it jump over the rest); raw page-cache reads run at memcpy speed, ' +
        'so the per-call work (segment lookup, promise hops, window allocation) and scheduling noise show. Runs of the same code vary ±30 % here.',
    );
  }
  return lines.length
    ? ['### Targets missed in this run, and why', '', ...lines].join('\n')
    : 'All targets met in this run.';
}

function sh(command: string): string {
  try {
    return execSync(command, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  const writes = await writeThroughput();
  const group = await groupCommitRows();
  const reads = await readThroughput();
  const opens = await openTimes();
  const readRatio = Number(reads.rows[0]![2]!.replace('%', '')) / 100;
  const body = [
    `${today()}, commit ${describeCommit()}, ${describeMachine()}.`,
    `\`nproc\` = ${sh('nproc')}; \`free -g\` total/available = ${sh('free -g | awk \'/Mem:/ {print $2"/"$7}\'')} GiB; \`df -h /work\`: ${sh('df -h /work | tail -1 | awk \'{print $1", "$2" size, "$4" free"}\'')} (ext4 on a virtual disk; os.tmpdir() is on the same disk).`,
    "The machine is shared with other engineers' builds and tests running at the same time: expect noise of ±20 %.",
    `Command: \`node --import tsx bench/storage.ts${SHORT ? ' --short' : ''} --write\` (took ${seconds(started).toFixed(0)} s). Medians of ${RUNS} runs.`,
    'Raw baselines use node:fs FileHandle positional writes/reads of the same sizes, awaited one at a time, on the same disk.',
    'Page cache is warm (caches are not dropped on a shared machine), so read and flush-os figures measure the kernel path more than the device.',
    '',
    `### Append throughput, flush \`os\` (${SIZES.map((z) => `${writeBytesFor(z) / MiB} MiB`).join(' / ')} per run for the three sizes; target ≥ 80 % of raw)`,
    '',
    '"×1" awaits each append before the next (like the raw loop); "×4" keeps 4 appends outstanding, as a broker with',
    'several producers does (they are still written one at a time, in order, by the serial queue). Append validates',
    "every batch's CRC-32C on the main thread before writing it; the last column is that CRC's speed on this machine.",
    '',
    table(
      [
        'batch',
        'raw write MiB/s',
        'append ×1 MiB/s',
        '×1 / raw',
        'append ×4 MiB/s',
        '×4 / raw',
        '×4 appends/s (k)',
        'CRC-32C MiB/s',
      ],
      writes,
    ),
    '',
    `### Flush \`always\`: 64 concurrent appenders of 1 KiB batches for ${GROUP_SECONDS} s`,
    '',
    "Raw = write 1 KiB + fdatasync in a loop (the device's fsync ceiling for one writer).",
    '',
    table(['raw fsyncs/s', 'appends/s', 'fsyncs/s', 'appends per fsync', 'fsyncs / raw'], group),
    '',
    `### Sequential read (${WRITE_BYTES / MiB} MiB partition of 1 KiB batches, 32 MiB segments, tail cache off, maxBytes 1 MiB, ${READ_PASSES} passes per run; target ≥ 80 % of raw)`,
    '',
    table(['raw read MiB/s', 'log read MiB/s', 'log / raw'], reads.rows),
    '',
    '### Offset lookup latency (random offset, `read(offset, { maxBytes: 1 })`, from disk via the sparse index)',
    '',
    table(['segments', 'lookups', 'median µs', 'p99 µs'], reads.lookups),
    '',
    '### Open / recovery time (default config: 1 GiB segments, 16 KiB batches; target < 1 s after clean shutdown)',
    '',
    table(['partition', 'clean open ms', 'crash open ms (full CRC scan)', 'crash scan MiB/s'], opens),
    '',
    "Clean open reads the index files and validates only the batches after each segment's last index entry; the crash case",
    'has no clean-shutdown flag and recovery point 0 (no checkpoint was ever written), so every batch is read and CRC-checked.',
    '',
    notes(readRatio),
  ].join('\n');
  process.stdout.write(`${body}\n`);
  if (WRITE) writeResultsSection('Storage engine', body);
}

await main();
