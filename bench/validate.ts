// In-process micro-benchmark of produce-time batch validation (src/records/batch-validation.ts) beside the
// CRC-32C storage computes over the same bytes: CPU ns per record for batches as the SDK builds them.
//   node --import tsx bench/validate.ts [--size 100] [--records 2000000] [--codec none|gzip|lz4|zstd|snappy] [--runs 5]
// Prints the median and minimum of runs (on a loaded machine the minimum is the steadier).
import { buildRecordBatch, type CompressionCodec } from '../src/records/index.js';
import { validateProducedBatches, type BatchPolicy } from '../src/records/batch-validation.js';
import { computeBatchCrc } from '../storage/format/record-batch.js';
import { median } from './lib/stats.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
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

const validate: number[] = [];
const crc: number[] = [];
for (let run = 0; run < runs; run++) {
  validate.push(await timed(() => validateProducedBatches(batch, policy, now)));
  crc.push(await timed(() => computeBatchCrc(batch, 0, batch.length)));
}
const show = (xs: number[]) => `median ${median(xs).toFixed(1)}, min ${Math.min(...xs).toFixed(1)} ns/record`;
console.log(`${size} B records, ${perBatch} per batch (${batch.length} bytes, ${codecName}), ${batches} batches a run`);
console.log(`validation: ${show(validate)}`);
console.log(`CRC-32C of the same batch (storage): ${show(crc)}`);
