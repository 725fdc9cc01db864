// Kafka RecordBatch v2 (magic 2) header layout. Pure code: no I/O, safe for the SDK to import.
//
// Byte layout of one batch (big-endian), as Kafka defines it:
//   off len field
//    0   8  baseOffset            int64   patched by the broker on append
//    8   4  batchLength           int32   bytes that follow this field (total size - 12)
//   12   4  partitionLeaderEpoch  int32   patched by the broker on append
//   16   1  magic                 int8    always 2
//   17   4  crc                   uint32  CRC-32C of bytes 21..end (so patching 0..16 needs no CRC work)
//   21   2  attributes            int16   bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control
//   23   4  lastOffsetDelta       int32   offset of the last record minus baseOffset
//   27   8  baseTimestamp         int64   timestamp of the first record (ms)
//   35   8  maxTimestamp          int64   largest timestamp in the batch (ms)
//   43   8  producerId            int64   -1 when not idempotent
//   51   2  producerEpoch         int16
//   53   4  baseSequence          int32
//   57   4  recordCount           int32
//   61   …  records               (possibly compressed as a whole)
import { crc32c } from '@node-rs/crc32';

export const BATCH_HEADER_SIZE = 61;
/** Bytes before batchLength's payload: baseOffset (8) + batchLength (4). */
export const BATCH_LOG_OVERHEAD = 12;
export const MAGIC_V2 = 2;
/** First byte covered by the CRC. */
export const CRC_START = 21;

export const Offsets = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
  records: 61,
} as const;

export enum CompressionCodec {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_TYPE_LOG_APPEND = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;

export interface BatchHeader {
  baseOffset: number;
  /** Whole batch size in bytes, including the 12 bytes of baseOffset and batchLength. */
  sizeInBytes: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export class BatchFormatError extends Error {
  override readonly name = 'BatchFormatError';
  constructor(
    message: string,
    /** Byte position of the offending batch inside the buffer that was checked. */
    readonly position: number,
  ) {
    super(message);
  }
}

function readInt64(buf: Buffer, pos: number): number {
  // Offsets and timestamps stay below 2^53 in practice; a Number keeps the hot path free of BigInt.
  return buf.readInt32BE(pos) * 0x1_0000_0000 + buf.readUInt32BE(pos + 4);
}

function writeInt64(buf: Buffer, pos: number, value: number): void {
  const high = Math.floor(value / 0x1_0000_0000);
  buf.writeInt32BE(high, pos);
  buf.writeUInt32BE(value - high * 0x1_0000_0000, pos + 4);
}

export { readInt64, writeInt64 };

/**
 * Parses the header at `pos`. Checks only that 61 bytes are present; see {@link validateBatch}. `into`: a
 * header to fill in and return instead of a new one (a caller that reads the fields at once and keeps none).
 */
export function readBatchHeader(buf: Buffer, pos = 0, into?: BatchHeader): BatchHeader {
  if (buf.length - pos < BATCH_HEADER_SIZE) {
    throw new BatchFormatError(`batch header needs ${BATCH_HEADER_SIZE} bytes, ${buf.length - pos} left`, pos);
  }
  if (into !== undefined) {
    into.baseOffset = readInt64(buf, pos + Offsets.baseOffset);
    into.sizeInBytes = buf.readInt32BE(pos + Offsets.batchLength) + BATCH_LOG_OVERHEAD;
    into.partitionLeaderEpoch = buf.readInt32BE(pos + Offsets.partitionLeaderEpoch);
    into.magic = buf.readInt8(pos + Offsets.magic);
    into.crc = buf.readUInt32BE(pos + Offsets.crc);
    into.attributes = buf.readInt16BE(pos + Offsets.attributes);
    into.lastOffsetDelta = buf.readInt32BE(pos + Offsets.lastOffsetDelta);
    into.baseTimestamp = readInt64(buf, pos + Offsets.baseTimestamp);
    into.maxTimestamp = readInt64(buf, pos + Offsets.maxTimestamp);
    into.producerId = readInt64(buf, pos + Offsets.producerId);
    into.producerEpoch = buf.readInt16BE(pos + Offsets.producerEpoch);
    into.baseSequence = buf.readInt32BE(pos + Offsets.baseSequence);
    into.recordCount = buf.readInt32BE(pos + Offsets.recordCount);
    return into;
  }
  return {
    baseOffset: readInt64(buf, pos + Offsets.baseOffset),
    sizeInBytes: buf.readInt32BE(pos + Offsets.batchLength) + BATCH_LOG_OVERHEAD,
    partitionLeaderEpoch: buf.readInt32BE(pos + Offsets.partitionLeaderEpoch),
    magic: buf.readInt8(pos + Offsets.magic),
    crc: buf.readUInt32BE(pos + Offsets.crc),
    attributes: buf.readInt16BE(pos + Offsets.attributes),
    lastOffsetDelta: buf.readInt32BE(pos + Offsets.lastOffsetDelta),
    baseTimestamp: readInt64(buf, pos + Offsets.baseTimestamp),
    maxTimestamp: readInt64(buf, pos + Offsets.maxTimestamp),
    producerId: readInt64(buf, pos + Offsets.producerId),
    producerEpoch: buf.readInt16BE(pos + Offsets.producerEpoch),
    baseSequence: buf.readInt32BE(pos + Offsets.baseSequence),
    recordCount: buf.readInt32BE(pos + Offsets.recordCount),
  };
}

/** CRC-32C of bytes 21..end of the batch starting at `pos` with total size `size`. */
export function computeBatchCrc(buf: Buffer, pos: number, size: number): number {
  return crc32c(buf.subarray(pos + CRC_START, pos + size)) >>> 0;
}

/** Writes the CRC field of a batch whose other bytes are final. */
export function writeBatchCrc(buf: Buffer, pos = 0): void {
  const size = buf.readInt32BE(pos + Offsets.batchLength) + BATCH_LOG_OVERHEAD;
  buf.writeUInt32BE(computeBatchCrc(buf, pos, size), pos + Offsets.crc);
}

/**
 * Validates the batch at `pos`: complete, magic 2, sane counts, CRC matches (unless `checkCrc` is false:
 * a consumer may skip the CRC-32C pass over the bytes, see the SDK's `checkCrcs`).
 * Returns the header; throws {@link BatchFormatError} naming the byte position.
 */
export function validateBatch(buf: Buffer, pos = 0, checkCrc = true, into?: BatchHeader): BatchHeader {
  const header = readBatchHeader(buf, pos, into);
  if (header.sizeInBytes < BATCH_HEADER_SIZE) {
    throw new BatchFormatError(
      `batch length ${header.sizeInBytes} is smaller than the ${BATCH_HEADER_SIZE}-byte header`,
      pos,
    );
  }
  if (header.sizeInBytes > buf.length - pos) {
    throw new BatchFormatError(
      `batch of ${header.sizeInBytes} bytes is cut off: only ${buf.length - pos} bytes present`,
      pos,
    );
  }
  if (header.magic !== MAGIC_V2) throw new BatchFormatError(`unsupported magic ${header.magic} (expected 2)`, pos);
  if (header.recordCount < 0 || header.lastOffsetDelta < 0) {
    throw new BatchFormatError(
      `negative record count ${header.recordCount} or last offset delta ${header.lastOffsetDelta}`,
      pos,
    );
  }
  if (header.recordCount !== header.lastOffsetDelta + 1 && (header.attributes & ATTR_CONTROL) === 0) {
    // Kafka allows gaps only after compaction; a producer always sends dense batches.
    if (header.recordCount > header.lastOffsetDelta + 1) {
      throw new BatchFormatError(
        `record count ${header.recordCount} exceeds lastOffsetDelta + 1 (${header.lastOffsetDelta + 1})`,
        pos,
      );
    }
  }
  if (!checkCrc) return header;
  const actual = computeBatchCrc(buf, pos, header.sizeInBytes);
  if (actual !== header.crc) {
    throw new BatchFormatError(`CRC mismatch: stored ${header.crc.toString(16)}, computed ${actual.toString(16)}`, pos);
  }
  return header;
}

export interface BatchLocation {
  header: BatchHeader;
  position: number;
}

/**
 * Walks the batches packed in `buf`. With `validate`, each is fully checked (CRC included);
 * otherwise only the length fields are trusted. Stops with an error at the first bad batch.
 */
export function* iterateBatches(
  buf: Buffer,
  options: { validate: boolean } = { validate: true },
): Generator<BatchLocation> {
  let pos = 0;
  while (pos < buf.length) {
    const header = options.validate ? validateBatch(buf, pos) : readBatchHeader(buf, pos);
    if (!options.validate && (header.sizeInBytes < BATCH_HEADER_SIZE || header.sizeInBytes > buf.length - pos)) {
      throw new BatchFormatError(
        `batch length ${header.sizeInBytes} does not fit the ${buf.length - pos} bytes left`,
        pos,
      );
    }
    yield { header, position: pos };
    pos += header.sizeInBytes;
  }
}

/** Rewrites baseOffset (and partitionLeaderEpoch) in place; both lie outside the CRC. */
export function patchBaseOffset(buf: Buffer, pos: number, baseOffset: number, leaderEpoch?: number): void {
  writeInt64(buf, pos + Offsets.baseOffset, baseOffset);
  if (leaderEpoch !== undefined) buf.writeInt32BE(leaderEpoch, pos + Offsets.partitionLeaderEpoch);
}

/**
 * Stamps the batch at `pos` (of `size` bytes) with the broker's append time, as Kafka's broker does for a topic
 * with message.timestamp.type=LogAppendTime: attributes bit 3 set and maxTimestamp = `time`. Both lie inside
 * the CRC (bytes 21..end), so the CRC is computed again. baseTimestamp and the records keep the producer's
 * values, as Kafka leaves them (DefaultRecordBatch.setMaxTimestamp): a reader takes every record's timestamp
 * from maxTimestamp when bit 3 is set.
 */
export function stampLogAppendTime(buf: Buffer, pos: number, size: number, time: number): void {
  const attributes = buf.readInt16BE(pos + Offsets.attributes);
  buf.writeInt16BE(attributes | ATTR_TIMESTAMP_TYPE_LOG_APPEND, pos + Offsets.attributes);
  writeInt64(buf, pos + Offsets.maxTimestamp, time);
  buf.writeUInt32BE(computeBatchCrc(buf, pos, size), pos + Offsets.crc);
}

export function compressionOf(attributes: number): CompressionCodec {
  return (attributes & ATTR_COMPRESSION_MASK) as CompressionCodec;
}
