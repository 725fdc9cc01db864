// Record batches built by hand, byte by byte, for tests that need bytes no well-behaved producer would send
// (a gzip flag over garbage, codec 7, a record count that disagrees with lastOffsetDelta, broken varints…).
// Independent of src/records' encoders: varints come from the BigInt reference, the CRC from @node-rs/crc32.
import { crc32c } from '@node-rs/crc32';
import { referenceVarlong } from '../records/reference-varint.js';

export interface RawRecord {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: Array<[string, Buffer | null]>;
  /** Replaces the whole encoded body (after the length varint): for broken records. */
  body?: Buffer;
}

const varint = (n: number) => referenceVarlong(BigInt(n));

function nullable(bytes: Buffer | null | undefined): Buffer {
  return bytes === null || bytes === undefined ? varint(-1) : Buffer.concat([varint(bytes.length), bytes]);
}

/** One record: length varint, then attributes, timestampDelta, offsetDelta, key, value, headers. */
export function rawRecord(record: RawRecord, index = 0): Buffer {
  const body =
    record.body ??
    Buffer.concat([
      Buffer.from([0]),
      varint(record.timestampDelta ?? 0),
      varint(record.offsetDelta ?? index),
      nullable(record.key),
      nullable(record.value === undefined ? Buffer.from(`v${index}`) : record.value),
      varint(record.headers?.length ?? 0),
      ...(record.headers ?? []).flatMap(([k, v]) => [nullable(Buffer.from(k)), nullable(v)]),
    ]);
  return Buffer.concat([varint(body.length), body]);
}

export interface RawBatch {
  /** The records section as sent (already compressed when `attributes` says so). Default: `records` encoded. */
  section?: Buffer;
  records?: RawRecord[];
  attributes?: number;
  lastOffsetDelta?: number;
  recordCount?: number;
  baseTimestamp?: number;
  maxTimestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  /** Leave the CRC field as this value instead of the correct CRC-32C. */
  crc?: number;
}

function int64(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(value));
  return b;
}

/** A RecordBatch v2 with a correct CRC (unless `crc` is given); defaults describe the records given. */
export function rawBatch(batch: RawBatch): Buffer {
  const records = batch.records ?? [{}];
  const section = batch.section ?? Buffer.concat(records.map((r, i) => rawRecord(r, i)));
  const ts = batch.baseTimestamp ?? Date.now();
  const out = Buffer.alloc(61 + section.length);
  out.writeBigInt64BE(0n, 0);
  out.writeInt32BE(out.length - 12, 8);
  out.writeInt32BE(-1, 12);
  out.writeInt8(2, 16);
  out.writeInt16BE(batch.attributes ?? 0, 21);
  out.writeInt32BE(batch.lastOffsetDelta ?? records.length - 1, 23);
  int64(ts).copy(out, 27);
  int64(batch.maxTimestamp ?? ts + Math.max(0, ...records.map((r) => r.timestampDelta ?? 0))).copy(out, 35);
  int64(batch.producerId ?? -1).copy(out, 43);
  out.writeInt16BE(batch.producerEpoch ?? -1, 51);
  out.writeInt32BE(batch.baseSequence ?? -1, 53);
  out.writeInt32BE(batch.recordCount ?? records.length, 57);
  section.copy(out, 61);
  return withCrc(out, batch.crc);
}

/** Writes the batch's CRC-32C (bytes 21..end) in place, or `crc` when given; returns the batch. */
export function withCrc(batch: Buffer, crc?: number): Buffer {
  batch.writeUInt32BE(crc ?? crc32c(batch.subarray(21)) >>> 0, 17);
  return batch;
}
