// In-process micro-benchmark of produce-time batch validation (src/records/batch-validation.ts): CPU ns per
// record for batches as the SDK builds them, beside the CRC-32C storage computes over the same bytes, and
// the broker's produce work without the network — storage's append (flush os) with and without validation
// before it, alternated run by run in one process.
//   node --import tsx bench/validate.ts [--size 100] [--records 2000000] [--codec none|gzip|lz4|zstd|snappy] [--runs 5]
// Prints the median and minimum of runs (on a loaded machine the minimum is the steadier).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRecordBatch, type CompressionCodec } from '../src/records/index.js';
import { validateProducedBatches, type BatchPolicy } from '../src/records/batch-validation.js';
import { computeBatchCrc } from '../storage/format/record-batch.js';
import { PartitionLog } from '../storage/index.js';
import { median } from './lib/stats.js';
import { textOptions } from './lib/args.js';

const args = process.argv.slice(2);
const opt = textOptions(args);
const size = Number(opt('size', '100'));
const records = Number(opt('records', '2000000'));
const runs = Number(opt('runs', '5'));
const codecName = opt('codec', 'none');
const codec = ['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(codecName) as CompressionCodec;
if (codec < 0) throw new Error(`unknown codec ${codecName}`);

// A producer's batch: as many records as fit in the SDK's default batchSize of 256 KiB.
const perBatch = Math.max(1, Math.floor((256 * 1024) / (size + 10)));
const now = Date.now();
const batch = await buildRecordBatch(
  Array.from({ length: perBatch }, (_, i) => ({
    key: null,
    value: Buffer.alloc(size, 0x61 + (i % 26)),
    timestamp: now,
  })),
  { compression: codec },
);
const policy: BatchPolicy = {
  maxBatchBytes: 1024 * 1024 + 12,
  maxDecompressedBytes: 16 * (1024 * 1024 + 12),
  timestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
  timestampAfterMaxMs: Number.MAX_SAFE_INTEGER,
};
const batches = Math.ceil(records / perBatch);

async function timed(work: () => unknown): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < batches; i++) {
    const pending = work();
    if (pending instanceof Promise) await pending;
  }
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1000) / (batches * perBatch);
}

const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-validate-'));
const log = await PartitionLog.open({
  dir,
  topic: 'bench',
  partition: 0,
  // 64 MiB segments: rolls happen, as they do under load, without filling the disk.
  config: {
    segmentBytes: 64 * 1024 * 1024,
    segmentMs: 7 * 86_400_000,
    retentionMs: -1,
    retentionBytes: 256 * 1024 * 1024,
    indexIntervalBytes: 4096,
    flush: { kind: 'os' },
  },
});
/** One append per batch, as the produce handler does; each gets its own copy (the log keeps the buffer). */
async function appendAll(validating: boolean): Promise<number> {
  const copies = Array.from({ length: batches }, () => Buffer.from(batch));
  const started = process.cpuUsage();
  for (const copy of copies) {
    if (validating) {
      const pending = validateProducedBatches(copy, policy, now);
      if (pending) await pending;
    }
    await log.append(copy, { maxBatchBytes: policy.maxBatchBytes });
  }
  const used = process.cpuUsage(started);
  await log.enforceRetention();
  return ((used.user + used.system) * 1000) / (batches * perBatch);
}

const validate: number[] = [];
const crc: number[] = [];
const append: number[] = [];
const validateAndAppend: number[] = [];
for (let run = 0; run < runs; run++) {
  validate.push(await timed(() => validateProducedBatches(batch, policy, now)));
  crc.push(await timed(() => computeBatchCrc(batch, 0, batch.length)));
  append.push(await appendAll(false));
  validateAndAppend.push(await appendAll(true));
}
await log.close();
await rm(dir, { recursive: true, force: true });
const show = (xs: number[]) => `median ${median(xs).toFixed(1)}, min ${Math.min(...xs).toFixed(1)} ns/record`;
console.log(`${size} B records, ${perBatch} per batch (${batch.length} bytes, ${codecName}), ${batches} batches a run`);
console.log(`validation: ${show(validate)}`);
console.log(`CRC-32C of the same batch (storage): ${show(crc)}`);
console.log(`storage append alone: ${show(append)}`);
console.log(`validation + storage append: ${show(validateAndAppend)}`);
