// Test helpers: valid RecordBatch v2 bytes (header via the shared layout, opaque record bytes), temp dirs,
// a fake clock, and a reader that returns every batch of a log.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  MAGIC_V2,
  Offsets,
  iterateBatches,
  writeBatchCrc,
  writeInt64,
} from '../../storage/index.js';
import type {
  Clock,
  PartitionConfig,
  PartitionLog,
  StorageError,
  StorageFileHandle,
  StorageFs,
} from '../../storage/index.js';
import { DEFAULT_PARTITION_CONFIG, nodeFs } from '../../storage/index.js';
import { buildRecordBatchSync } from '../../src/records/batch.js';

export interface BatchSpec {
  /** Records in the batch (recordCount = lastOffsetDelta + 1). Default 1. */
  records?: number;
  /** Opaque record bytes after the header. Default 32. */
  payloadBytes?: number;
  /** Fills the payload (default: a pattern derived from `tag`). */
  tag?: number;
  baseTimestamp?: number;
  maxTimestamp?: number;
}

/** A valid v2 batch with baseOffset 0; the engine never decodes the record bytes. */
export function makeBatch(spec: BatchSpec = {}): Buffer {
  const records = spec.records ?? 1;
  const payload = spec.payloadBytes ?? 32;
  const buf = Buffer.alloc(BATCH_HEADER_SIZE + payload);
  const baseTimestamp = spec.baseTimestamp ?? 1_700_000_000_000;
  writeInt64(buf, Offsets.baseOffset, 0);
  buf.writeInt32BE(buf.length - BATCH_LOG_OVERHEAD, Offsets.batchLength);
  buf.writeInt32BE(-1, Offsets.partitionLeaderEpoch);
  buf.writeInt8(MAGIC_V2, Offsets.magic);
  buf.writeInt16BE(0, Offsets.attributes);
  buf.writeInt32BE(records - 1, Offsets.lastOffsetDelta);
  writeInt64(buf, Offsets.baseTimestamp, baseTimestamp);
  writeInt64(buf, Offsets.maxTimestamp, spec.maxTimestamp ?? baseTimestamp);
  writeInt64(buf, Offsets.producerId, -1);
  buf.writeInt16BE(-1, Offsets.producerEpoch);
  buf.writeInt32BE(-1, Offsets.baseSequence);
  buf.writeInt32BE(records, Offsets.recordCount);
  const tag = spec.tag ?? 0;
  for (let i = 0; i < payload; i++) buf[BATCH_HEADER_SIZE + i] = (tag * 31 + i) & 0xff;
  writeBatchCrc(buf);
  return buf;
}

/**
 * A batch of real records (the SDK's builder), one per timestamp, each with a `valueBytes`-byte value: for
 * lookups by time, which decode the records of the batch they find.
 */
export function timedBatch(timestamps: number[], valueBytes = 24): Buffer {
  return buildRecordBatchSync(
    timestamps.map((timestamp, i) => ({ key: null, value: Buffer.alloc(valueBytes, i), timestamp })),
  );
}

export interface ReadBatch {
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  /** The opaque record bytes. */
  payload: Buffer;
}

export function decodeBatches(bytes: Buffer): ReadBatch[] {
  const out: ReadBatch[] = [];
  for (const { header, position } of iterateBatches(bytes, { validate: true })) {
    out.push({
      baseOffset: header.baseOffset,
      lastOffset: header.baseOffset + header.lastOffsetDelta,
      maxTimestamp: header.maxTimestamp,
      payload: Buffer.from(bytes.subarray(position + BATCH_HEADER_SIZE, position + header.sizeInBytes)),
    });
  }
  return out;
}

/** Every batch from the log start to the log end, read with the given maxBytes per call. */
export async function readAll(log: PartitionLog, maxBytes = 1 << 20): Promise<ReadBatch[]> {
  const out: ReadBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, { maxBytes });
    if (r.bytes === 0) throw new Error(`empty read at ${offset} < ${log.logEndOffset}`);
    const batches = decodeBatches(Buffer.concat(r.chunks));
    out.push(...batches);
    offset = batches[batches.length - 1]!.lastOffset + 1;
    if (r.nextOffset !== offset) throw new Error(`read reported nextOffset ${r.nextOffset}, batches end at ${offset}`);
  }
  return out;
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-storage-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export class FakeClock implements Clock {
  constructor(public time = 1_700_000_000_000) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

export function config(overrides: Partial<PartitionConfig> = {}): PartitionConfig {
  return { ...DEFAULT_PARTITION_CONFIG, retentionMs: -1, ...overrides };
}

/** A real fs whose fsyncs are no-ops: for tests that reopen logs hundreds of times. */
export const noSyncFs: StorageFs = {
  ...nodeFs,
  async open(path, mode) {
    const fh = await nodeFs.open(path, mode);
    const fast: StorageFileHandle = Object.create(fh) as StorageFileHandle;
    return Object.assign(fast, { sync: async () => {} });
  },
  syncDir: async () => {},
};

/** A batch of `records` records stamped by idempotent producer `pid` (epoch, first sequence). */
export function idem(
  pid: number,
  seq: number,
  options: { records?: number; epoch?: number; tag?: number } = {},
): Buffer {
  const records = options.records ?? 1;
  const buf = makeBatch({ records, tag: options.tag ?? seq });
  writeInt64(buf, Offsets.producerId, pid);
  buf.writeInt16BE(options.epoch ?? 0, Offsets.producerEpoch);
  buf.writeInt32BE(seq, Offsets.baseSequence);
  writeBatchCrc(buf);
  return buf;
}

/** The storage error code a promise rejects with, or 'NONE'. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as StorageError).code;
  }
  return 'NONE';
}
