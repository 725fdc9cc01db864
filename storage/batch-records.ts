// The records inside a batch, as the cleaner and the time lookup need them: each record's offset, timestamp,
// key and whether it is a tombstone, and rewriting a batch with a subset of its records. The rest of storage
// never decodes records.
//
// Record layout (Kafka RecordBatch v2, after the 61-byte batch header, compressed as a whole when the
// batch's attributes say so): length varint, attributes int8, timestampDelta varlong, offsetDelta varint,
// keyLength varint (-1: null), key, valueLength varint (-1: null = tombstone), value, header count varint,
// headers. Varints are zigzag-encoded. A record's timestamp is baseTimestamp + timestampDelta, except in a
// LogAppendTime batch (attributes bit 3), where every record's is the batch's maxTimestamp. A rewritten batch keeps its header — baseOffset, lastOffsetDelta
// (Kafka keeps the original last offset so the producer's last sequence survives), timestamps, producer
// fields, attributes — and its kept records byte for byte (their offset and timestamp deltas are relative to
// that unchanged header); only batchLength, recordCount and the CRC change.
import {
  ATTR_COMPRESSION_MASK,
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  CompressionCodec,
  Offsets,
  readInt64,
  writeBatchCrc,
} from './format/record-batch.js';

/** Compression for the cleaner, given by the embedder (storage knows no codec): the broker passes its own. */
export interface RecordCodecs {
  compress(codec: CompressionCodec, data: Buffer): Promise<Buffer>;
  decompress(codec: CompressionCodec, data: Buffer): Promise<Buffer>;
}

export interface RecordView {
  offset: number;
  timestamp: number;
  /** null: a record without a key. */
  key: Buffer | null;
  /** The value is null. */
  tombstone: boolean;
  /** The record's bytes in the batch's (decompressed) records section. */
  start: number;
  end: number;
}

export interface BatchRecords {
  /** The decompressed records section. */
  section: Buffer;
  records: RecordView[];
}

export class RecordFormatError extends Error {
  override name = 'RecordFormatError';
}

/**
 * The records of the batch `batch` (one whole batch). null when they cannot be read here: compressed and
 * no codecs were given. Throws RecordFormatError for bytes that are not records (the batch's CRC was valid,
 * so a producer wrote them).
 */
export async function readBatchRecords(batch: Buffer, codecs: RecordCodecs | undefined): Promise<BatchRecords | null> {
  const codec = (batch.readInt16BE(Offsets.attributes) & ATTR_COMPRESSION_MASK) as CompressionCodec;
  const raw = batch.subarray(BATCH_HEADER_SIZE);
  let section = raw;
  if (codec !== CompressionCodec.None) {
    if (!codecs) return null;
    section = await codecs.decompress(codec, raw);
  }
  const baseOffset = Number(batch.readBigInt64BE(Offsets.baseOffset));
  const logAppendTime = (batch.readInt16BE(Offsets.attributes) & ATTR_TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  const baseTimestamp = readInt64(batch, Offsets.baseTimestamp);
  const maxTimestamp = readInt64(batch, Offsets.maxTimestamp);
  const count = batch.readInt32BE(Offsets.recordCount);
  const records: RecordView[] = [];
  const cursor = new Cursor(section);
  for (let i = 0; i < count; i++) {
    const start = cursor.pos;
    const length = cursor.varint();
    const bodyStart = cursor.pos;
    const end = bodyStart + length;
    if (length < 0 || end > section.length) throw new RecordFormatError(`record ${i} runs past its batch`);
    cursor.pos += 1; // attributes
    const timestampDelta = cursor.varlong();
    const offsetDelta = cursor.varint();
    const keyLength = cursor.varint();
    const key = keyLength < 0 ? null : cursor.take(keyLength);
    const valueLength = cursor.varint();
    if (cursor.pos > end || (valueLength > 0 && cursor.pos + valueLength > end))
      throw new RecordFormatError(`record ${i} is longer than its length says`);
    records.push({
      offset: baseOffset + offsetDelta,
      timestamp: logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta,
      key,
      tombstone: valueLength < 0,
      start,
      end,
    });
    cursor.pos = end;
  }
  return { section, records };
}

/**
 * The batch with only `kept` (records of `records`, in order): a new buffer with a fresh CRC. With no record
 * kept, an empty batch (no records section, uncompressed) that still spans the original offsets.
 */
export async function rewriteBatch(
  batch: Buffer,
  records: BatchRecords,
  kept: readonly RecordView[],
  codecs: RecordCodecs | undefined,
): Promise<Buffer> {
  const attributes = batch.readInt16BE(Offsets.attributes);
  const codec = (attributes & ATTR_COMPRESSION_MASK) as CompressionCodec;
  let section: Buffer = Buffer.concat(kept.map((r) => records.section.subarray(r.start, r.end)));
  let newAttributes = attributes;
  if (kept.length === 0) newAttributes = attributes & ~ATTR_COMPRESSION_MASK;
  else if (codec !== CompressionCodec.None) section = await codecs!.compress(codec, section);
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + section.length);
  batch.copy(out, 0, 0, BATCH_HEADER_SIZE);
  section.copy(out, BATCH_HEADER_SIZE);
  out.writeInt32BE(out.length - BATCH_LOG_OVERHEAD, Offsets.batchLength);
  out.writeInt16BE(newAttributes, Offsets.attributes);
  out.writeInt32BE(kept.length, Offsets.recordCount);
  writeBatchCrc(out, 0);
  return out;
}

class Cursor {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  /** A zigzag varint of up to 32 bits. */
  varint(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.buf.length) throw new RecordFormatError('varint runs past the records');
      const byte = this.buf[this.pos++]!;
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) throw new RecordFormatError('varint longer than 5 bytes');
    }
    return (value >>> 1) ^ -(value & 1);
  }

  /** A zigzag varlong, exact up to 2^53 (timestamp deltas; a Number keeps BigInt out, as readInt64 does). */
  varlong(): number {
    let value = 0;
    let scale = 1;
    for (let n = 0; n < 10; n++) {
      if (this.pos >= this.buf.length) throw new RecordFormatError('varint runs past the records');
      const byte = this.buf[this.pos++]!;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      scale *= 128;
    }
    throw new RecordFormatError('varlong longer than 10 bytes');
  }

  take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new RecordFormatError('field runs past the records');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/**
 * The first record of the batch `batch` (one whole batch) whose timestamp is at or after `timestamp` and
 * offset at or after `minOffset`: Kafka's search inside the batch a time lookup found (control records count
 * like any other, as in Kafka). null when no record qualifies (a compacted batch may hold none); undefined
 * when the records cannot be read here: compressed and no codecs were given.
 */
export async function firstRecordAtOrAfter(
  batch: Buffer,
  timestamp: number,
  minOffset: number,
  codecs: RecordCodecs | undefined,
): Promise<{ offset: number; timestamp: number } | null | undefined> {
  const records = await readBatchRecords(batch, codecs);
  if (!records) return undefined;
  const found = records.records.find((r) => r.timestamp >= timestamp && r.offset >= minOffset);
  return found ? { offset: found.offset, timestamp: found.timestamp } : null;
}
