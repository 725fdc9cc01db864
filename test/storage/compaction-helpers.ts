// Helpers for compaction tests: keyed batches built with the SDK's batch builder, and a reader that
// decodes every record a partition returns, with its offset.
import { buildRecordBatch, decodeRecordBatches } from '../../src/records/batch.js';
import { compress, decompress } from '../../src/records/compression.js';
import type { CompressionCodec, PartitionLog, RecordCodecs } from '../../storage/index.js';

export interface KV {
  key: string | null;
  /** null: a tombstone. */
  value: string | null;
  headers?: Array<[string, Buffer]>;
  timestamp?: number;
}

export interface StoredRecord {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
  headers: Array<[string, string]>;
}

export async function keyedBatch(records: KV[], options: { compression?: CompressionCodec } = {}): Promise<Buffer> {
  return buildRecordBatch(
    records.map((r) => ({
      key: r.key === null ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      headers: r.headers,
      timestamp: r.timestamp ?? 1_700_000_000_000,
    })),
    options,
  );
}

/** Every record from the log start to the end, read as a consumer would (following gaps). */
export async function readRecords(log: PartitionLog, maxBytes = 1 << 20): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, { maxBytes });
    if (r.bytes === 0) break;
    for (const batch of await decodeRecordBatches(Buffer.concat(r.chunks))) {
      for (const rec of batch.records) {
        out.push({
          offset: rec.offset,
          key: rec.key ? rec.key.toString() : null,
          value: rec.value ? rec.value.toString() : null,
          timestamp: rec.timestamp,
          headers: rec.headers.map(([k, v]) => [k, v ? Buffer.from(v).toString() : '']),
        });
      }
      offset = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
    }
  }
  return out;
}

/** The codecs the broker gives its cleaner. */
export const testCodecs: RecordCodecs = {
  compress: (codec, data) => compress(codec, data),
  decompress: (codec, data) => decompress(codec, data),
};
