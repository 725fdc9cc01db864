// Log cleaner throughput against the disk, and its effect on append latency, in one run:
//   1. fills a compacted partition with keyed records (many values per key) in sealed segments;
//   2. raw disk: reads every sealed segment file and writes the same bytes to a new file, fsynced (what a
//      cleaner that kept everything would cost at least);
//   3. the cleaner compacts the same segments (MiB/s of log read);
//   4. p50/p99 of 1 KiB appends to another partition, idle and while a cleaning of a fresh copy runs.
// Usage: node --import tsx bench/compaction.ts [--mib 64] [--keys 10000]
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRecordBatchSync } from '../src/records/batch.js';
import { compress, decompress } from '../src/records/compression.js';
import { LogCleaner, PartitionLog, noopLogger, nodeFs, systemClock } from '../storage/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const MIB = 1024 * 1024;
const TOTAL = arg('mib', 64) * MIB;
const KEYS = arg('keys', 10_000);
const codecs = { compress, decompress: (c: number, d: Buffer) => decompress(c, d) };

async function fill(dir: string): Promise<PartitionLog> {
  const log = await PartitionLog.open({
    dir,
    topic: 'bench',
    partition: 0,
    config: {
      segmentBytes: 16 * MIB,
      segmentMs: 1e12,
      retentionMs: -1,
      retentionBytes: -1,
      indexIntervalBytes: 4096,
      flush: { kind: 'os' },
      cleanupPolicy: 'compact',
    },
  });
  const value = Buffer.alloc(1000, 7);
  let n = 0;
  while (log.sizeInBytes < TOTAL) {
    const records = Array.from({ length: 16 }, () => ({
      key: Buffer.from(`key-${n++ % KEYS}`),
      value,
      timestamp: Date.now(),
    }));
    await log.append(buildRecordBatchSync(records));
  }
  await log.append(
    buildRecordBatchSync([{ key: Buffer.from('roll'), value: Buffer.alloc(17 * MIB), timestamp: Date.now() }]),
  );
  await log.flush();
  return log;
}

async function rawCopy(dir: string, out: string): Promise<{ bytes: number; ms: number }> {
  const names = (await readdir(dir))
    .filter((n) => n.endsWith('.log'))
    .sort()
    .slice(0, -1);
  const started = performance.now();
  const dst = await open(out, 'w');
  const buf = Buffer.allocUnsafe(MIB);
  let bytes = 0;
  for (const name of names) {
    const src = await open(join(dir, name), 'r');
    for (;;) {
      const { bytesRead } = await src.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      await dst.write(buf, 0, bytesRead);
      bytes += bytesRead;
    }
    await src.close();
  }
  await dst.sync();
  await dst.close();
  return { bytes, ms: performance.now() - started };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function appendLatencies(log: PartitionLog, until: () => boolean, max: number): Promise<number[]> {
  const batch = buildRecordBatchSync([{ key: Buffer.from('p'), value: Buffer.alloc(1024, 1), timestamp: Date.now() }]);
  const out: number[] = [];
  while (!until() && out.length < max) {
    const t = performance.now();
    await log.append(Buffer.from(batch));
    out.push(performance.now() - t);
    if (out.length % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  return out;
}

const root = await mkdtemp(join(tmpdir(), 'sluice-bench-compaction-'));
try {
  const a = await fill(join(root, 'a-0'));
  const raw = await rawCopy(a.dir, join(root, 'raw-copy'));
  const cleaner = new LogCleaner({ fs: nodeFs, clock: systemClock, logger: noopLogger, codecs }, () => [a]);
  const result = (await cleaner.clean(a))!;
  const rawMiBs = raw.bytes / MIB / (raw.ms / 1000);
  const cleanMiBs = result.bytesRead / MIB / (result.durationMs / 1000);

  const probe = await PartitionLog.open({
    dir: join(root, 'probe-0'),
    topic: 'probe',
    partition: 0,
    config: {
      segmentBytes: 64 * MIB,
      segmentMs: 1e12,
      retentionMs: -1,
      retentionBytes: -1,
      indexIntervalBytes: 4096,
      flush: { kind: 'os' },
    },
  });
  const idle = await appendLatencies(probe, () => false, 20_000);
  const b = await fill(join(root, 'b-0'));
  const cleanerB = new LogCleaner({ fs: nodeFs, clock: systemClock, logger: noopLogger, codecs }, () => [b]);
  let done = false;
  const running = cleanerB.clean(b).finally(() => {
    done = true;
  });
  const busy = await appendLatencies(probe, () => done, 1_000_000);
  await running;
  console.log(
    JSON.stringify(
      {
        logMiB: +(result.bytesRead / MIB).toFixed(1),
        keptMiB: +(result.bytesWritten / MIB).toFixed(1),
        rawReadWriteMiBs: +rawMiBs.toFixed(1),
        cleanerMiBs: +cleanMiBs.toFixed(1),
        ratio: +(cleanMiBs / rawMiBs).toFixed(2),
        appendIdle: {
          n: idle.length,
          p50ms: +percentile(idle, 50).toFixed(3),
          p99ms: +percentile(idle, 99).toFixed(3),
        },
        appendWhileCleaning: {
          n: busy.length,
          p50ms: +percentile(busy, 50).toFixed(3),
          p99ms: +percentile(busy, 99).toFixed(3),
        },
      },
      null,
      1,
    ),
  );
  await Promise.all([a.close(), b.close(), probe.close()]);
} finally {
  await rm(root, { recursive: true, force: true });
}
