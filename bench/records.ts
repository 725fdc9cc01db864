// Record codec throughput: build and parse RecordBatch v2 batches of 1,000 records with 100-byte values
// (8-byte keys, no headers), one batch at a time, median of 5 runs after a warm-up.
// Run: `node --import tsx bench/records.ts [--write]` (--write updates the "Record codec" section of
// bench/RESULTS.md). The memcpy row (Buffer.copy of the same bytes) is the physical ceiling to compare with.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  buildRecordBatch,
  CompressionCodec,
  decodeRecordBatches,
  isCodecAvailable,
  type RecordInput,
} from '../src/records/index.js';

const RECORDS_PER_BATCH = 1_000;
const BATCHES_PER_RUN = 100;
const RUNS = 5;
const VALUE_SIZE = 100;

/** JSON-ish values: compressible like real payloads, different per record. */
function makeRecords(): RecordInput[] {
  const now = Date.now();
  return Array.from({ length: RECORDS_PER_BATCH }, (_, i) => {
    const text = `{"id":${i},"user":"u${(i * 7919) % 10_000}","event":"page_view","path":"/p/${i % 97}","ok":true}`;
    return {
      key: Buffer.from(`key-${String(i % 1000).padStart(4, '0')}`),
      value: Buffer.from(text.padEnd(VALUE_SIZE, ' ')),
      timestamp: now + i,
    };
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Seconds for one run of `BATCHES_PER_RUN` calls of `fn`, median over RUNS after one warm-up. */
async function timeRuns(fn: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < BATCHES_PER_RUN; i++) await fn();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (run > 0) times.push(seconds);
  }
  return median(times);
}

interface Row {
  name: string;
  batchBytes: number;
  encode: number;
  decode: number;
}

async function measure(name: string, codec: CompressionCodec, records: RecordInput[]): Promise<Row> {
  const batch = await buildRecordBatch(records, { compression: codec });
  const encode = await timeRuns(() => buildRecordBatch(records, { compression: codec }));
  let decoded = 0;
  const decode = await timeRuns(async () => {
    decoded += (await decodeRecordBatches(batch))[0]!.records.length;
  });
  if (decoded !== RECORDS_PER_BATCH * BATCHES_PER_RUN * (RUNS + 1)) throw new Error('decode lost records');
  return { name, batchBytes: batch.length, encode, decode };
}

async function memcpyRow(bytes: number): Promise<Row> {
  const src = Buffer.alloc(bytes, 1);
  const dst = Buffer.allocUnsafe(bytes);
  const copy = await timeRuns(() => src.copy(dst));
  return { name: 'memcpy (ceiling)', batchBytes: bytes, encode: copy, decode: copy };
}

function format(rows: Row[], plainBytes: number): string {
  const perSec = (s: number) => (RECORDS_PER_BATCH * BATCHES_PER_RUN) / s;
  const mb = (bytes: number, s: number) => (bytes * BATCHES_PER_RUN) / s / 2 ** 20;
  const lines = [
    '| codec | batch bytes | encode records/s | encode MiB/s | decode records/s | decode MiB/s |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    // MiB/s counts uncompressed batch bytes, so codecs compare on the same work.
    lines.push(
      `| ${r.name} | ${r.batchBytes.toLocaleString('en')} | ${(perSec(r.encode) / 1e6).toFixed(2)} M | ${mb(plainBytes, r.encode).toFixed(0)} | ${(perSec(r.decode) / 1e6).toFixed(2)} M | ${mb(plainBytes, r.decode).toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}

function writeSection(body: string): void {
  const file = join(import.meta.dirname, 'RESULTS.md');
  const heading = '## Record codec\n';
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const section = `${heading}\n${body.trim()}\n\n`;
  const start = text.indexOf(heading);
  if (start < 0) {
    writeFileSync(file, `${text.trimEnd()}\n\n${section}`);
    return;
  }
  const next = text.indexOf('\n## ', start + heading.length);
  writeFileSync(file, text.slice(0, start) + section + (next < 0 ? '' : text.slice(next + 1)));
}

async function main(): Promise<void> {
  const records = makeRecords();
  const rows: Row[] = [await measure('none', CompressionCodec.None, records)];
  const plainBytes = rows[0]!.batchBytes;
  rows.push(await measure('gzip', CompressionCodec.Gzip, records));
  for (const [name, codec] of [
    ['snappy', CompressionCodec.Snappy],
    ['lz4', CompressionCodec.Lz4],
    ['zstd', CompressionCodec.Zstd],
  ] as const) {
    if (await isCodecAvailable(codec)) rows.push(await measure(name, codec, records));
  }
  rows.push(await memcpyRow(plainBytes));
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const body = [
    `${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, 1-min load average ${loadavg()[0]!.toFixed(1)} at the end (others' work on the machine adds noise).`,
    `Command: \`node --import tsx bench/records.ts --write\`. ${RECORDS_PER_BATCH.toLocaleString('en')} records per batch (8-byte key, ${VALUE_SIZE}-byte JSON-ish value, no headers),`,
    `one batch at a time (each compressed call awaited before the next), ${BATCHES_PER_RUN} batches per run, median of ${RUNS} runs after a warm-up.`,
    'MiB/s counts uncompressed batch bytes; decode includes CRC-32C verification and decompression.',
    'snappy, lz4 and zstd rows appear only when their optional packages (snappy, lz4-napi, @mongodb-js/zstd) are installed.',
    '',
    format(rows, plainBytes),
  ].join('\n');
  process.stdout.write(`${body}\n`);
  if (process.argv.includes('--write')) writeSection(body);
}

await main();
