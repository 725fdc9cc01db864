// Encodes records straight into one growing RecordBatch v2 buffer, one record per call, with no
// per-record object, array or Buffer: the producer appends each message as send() is called, and sealing
// a batch only writes its 61-byte header and CRC (records layout: record.ts; header: storage/format/record-batch.ts).
//
// Buffer layout while building: bytes 0..60 are reserved for the header, records follow from byte 61
// back to back. `finish` writes the header and returns a view of bytes 0..end (no copy); for a compressed
// batch `recordsSection` is the input of the codec and `finishCompressed` assembles a new buffer.
//
// Keys, values and header values may be Buffers (any Uint8Array), strings (written as UTF-8 straight into
// the batch, no intermediate Buffer) or null (undefined header values count as null, as in kafkajs).
// Headers are either ordered pairs (RecordInput) or a kafkajs headers object (an array value gives one
// header per element, in order). A record is checked and sized completely before its first byte is written,
// so a refused record (bad timestamp, value of another type) leaves the batch as it was.
import {
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  CompressionCodec,
  MAGIC_V2,
  Offsets,
  writeBatchCrc,
  writeInt64,
} from '../../storage/format/record-batch.js';
import type { HeadersInput, HeaderValue } from './headers.js';
import type { HeaderPairs } from './record.js';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';

export type RecordBytes = Uint8Array | string | null;
export type RecordHeaders = HeaderPairs | HeadersInput | null | undefined;

/** The idempotence stamp of a batch; -1 everywhere when the producer is not idempotent. */
export interface BatchStamp {
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
}

/** Returned by {@link BatchBuilder.append} when the record would take the batch past its byte limit. */
export const DOES_NOT_FIT = -1;

/** Encoded length of a key, value or header value (-1 = null). */
function lengthOf(bytes: HeaderValue | Uint8Array, what: string): number {
  if (bytes === null || bytes === undefined) return -1;
  if (typeof bytes === 'string') return bytes.length === 0 ? 0 : Buffer.byteLength(bytes, 'utf8');
  if (bytes instanceof Uint8Array) return bytes.length;
  throw new TypeError(`${what} must be a Buffer, a string or null, not ${typeof bytes}`);
}

/** Bytes of a length-prefixed field of `length` (-1 = null: the prefix alone). */
function fieldSize(length: number): number {
  if (length < 64) return length < 0 ? 1 : 1 + length;
  return sizeOfVarint(length) + length;
}

/** Writes a field whose length is already known; returns the position after it. */
function writeField(buf: Buffer, pos: number, bytes: HeaderValue | Uint8Array, length: number): number {
  if (length < 0) {
    buf[pos] = 1; // zigzag(-1)
    return pos + 1;
  }
  if (length < 64) buf[pos++] = length << 1;
  else pos = writeVarint(buf, pos, length);
  if (length === 0) return pos;
  if (typeof bytes === 'string') buf.write(bytes, pos, length, 'utf8');
  else buf.set(bytes as Uint8Array, pos); // TypedArray.set: cheaper than Buffer.copy for small values
  return pos + length;
}

/** Bytes of one header: key (never null, UTF-8) and value, both length-prefixed. */
function headerSize(key: string, value: HeaderValue): number {
  if (typeof key !== 'string') throw new TypeError(`header key must be a string, not ${typeof key}`);
  const keyLength = key.length === 0 ? 0 : Buffer.byteLength(key, 'utf8');
  return sizeOfVarint(keyLength) + keyLength + fieldSize(lengthOf(value, `header ${key}`));
}

function writeHeader(buf: Buffer, pos: number, key: string, value: HeaderValue): number {
  pos = writeField(buf, pos, key, key.length === 0 ? 0 : Buffer.byteLength(key, 'utf8'));
  return writeField(buf, pos, value, lengthOf(value, 'header value'));
}

/** Count and bytes (count varint included) of a record's headers (the uncommon path: it allocates its result). */
function headersSize(headers: HeaderPairs | HeadersInput): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i++) {
      const pair = headers[i]!;
      bytes += headerSize(pair[0], pair[1]);
    }
    count = headers.length;
  } else {
    for (const key of Object.keys(headers)) {
      const value = headers[key];
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) bytes += headerSize(key, value[i]);
        count += value.length;
      } else {
        bytes += headerSize(key, value);
        count++;
      }
    }
  }
  return { count, bytes: bytes + sizeOfVarint(count) };
}

/** Writes the header count and headers (sized by {@link headersSize}); returns the position after them. */
function writeHeaders(buf: Buffer, pos: number, headers: HeaderPairs | HeadersInput, count: number): number {
  pos = writeVarint(buf, pos, count);
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i++) pos = writeHeader(buf, pos, headers[i]![0], headers[i]![1]);
    return pos;
  }
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) pos = writeHeader(buf, pos, key, value[i]);
    else pos = writeHeader(buf, pos, key, value);
  }
  return pos;
}

export class BatchBuilder {
  private buf: Buffer;
  /** End of the records written so far (the next record goes here). */
  private end = BATCH_HEADER_SIZE;
  private count = 0;
  private baseTimestamp = 0;
  private maxTimestamp = 0;

  /**
   * @param capacity first allocation in bytes, header included (a hint: the buffer doubles as needed),
   *   or a buffer to write into (a recycled one: its old content is overwritten).
   * @param maxCapacity growth stops doubling here (one oversized record still gets the room it needs).
   * @param allocate gives a buffer of at least the bytes asked (a recycled one, say); default allocUnsafe.
   */
  constructor(
    capacity: number | Buffer = 1024,
    private readonly maxCapacity = Infinity,
    private readonly allocate: (bytes: number) => Buffer = Buffer.allocUnsafe,
  ) {
    this.buf = typeof capacity === 'number' ? allocate(Math.max(capacity, BATCH_HEADER_SIZE + 16)) : capacity;
  }

  /** The whole buffer the batch is written in (the finished batch is a view of its start): for recycling. */
  get storage(): Buffer {
    return this.buf;
  }

  get recordCount(): number {
    return this.count;
  }

  /** Bytes of the (uncompressed) records section so far. */
  get recordsBytes(): number {
    return this.end - BATCH_HEADER_SIZE;
  }

  /**
   * Encodes one record at the end of the batch; returns its size in bytes, or {@link DOES_NOT_FIT} when
   * the batch already holds a record and this one would take the records section past `limitBytes`.
   * Throws (writing nothing) on a timestamp that is not a safe integer or a field of the wrong type.
   */
  append(
    key: RecordBytes,
    value: RecordBytes,
    headers: RecordHeaders,
    timestamp: number,
    limitBytes = Infinity,
  ): number {
    // Hot path of every produced record: the common shapes (Buffer value, null key, no headers, small
    // varints) are sized and written inline; anything else goes through the general helpers.
    if (!Number.isSafeInteger(timestamp)) throw new RangeError(`record timestamp ${timestamp} is not an integer`);
    const count = this.count;
    const timestampDelta = count === 0 ? 0 : timestamp - this.baseTimestamp;
    const keyLength = key === null ? -1 : lengthOf(key, 'message key');
    const valueLength = value instanceof Uint8Array ? value.length : lengthOf(value, 'message value');
    const header = headers === undefined || headers === null ? null : headersSize(headers);
    const smallDelta = timestampDelta > -64 && timestampDelta < 64;
    // Body: attributes, timestampDelta, offsetDelta, key, value, headers (see record.ts).
    const body =
      1 +
      (smallDelta ? 1 : sizeOfVarlong(timestampDelta)) +
      (count < 64 ? 1 : sizeOfVarint(count)) +
      fieldSize(keyLength) +
      fieldSize(valueLength) +
      (header === null ? 1 : header.bytes);
    const size = (body < 64 ? 1 : sizeOfVarint(body)) + body;
    if (count > 0 && this.end - BATCH_HEADER_SIZE + size > limitBytes) return DOES_NOT_FIT;
    if (this.end + size > this.buf.length) this.grow(this.end + size);
    if (count === 0) this.baseTimestamp = this.maxTimestamp = timestamp;
    else if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;

    const buf = this.buf;
    let pos = this.end;
    if (body < 64) buf[pos++] = body << 1;
    else pos = writeVarint(buf, pos, body);
    buf[pos++] = 0; // attributes
    if (smallDelta) buf[pos++] = (timestampDelta << 1) ^ (timestampDelta >> 31);
    else pos = writeVarlong(buf, pos, timestampDelta);
    if (count < 64) buf[pos++] = count << 1;
    else pos = writeVarint(buf, pos, count);
    if (keyLength < 0)
      buf[pos++] = 1; // zigzag(-1): null key
    else pos = writeField(buf, pos, key, keyLength);
    if (valueLength >= 0 && typeof value !== 'string') {
      if (valueLength < 64) buf[pos++] = valueLength << 1;
      else pos = writeVarint(buf, pos, valueLength);
      buf.set(value!, pos); // TypedArray.set: cheaper than Buffer.copy for small values
      pos += valueLength;
    } else pos = writeField(buf, pos, value, valueLength);
    if (header === null)
      buf[pos++] = 0; // no headers
    else pos = writeHeaders(buf, pos, headers!, header.count);
    this.end = pos;
    this.count = count + 1;
    return size;
  }

  private grow(needed: number): void {
    const capacity = Math.max(needed, Math.min(this.buf.length * 2, this.maxCapacity));
    const next = this.allocate(capacity);
    this.buf.copy(next, BATCH_HEADER_SIZE, BATCH_HEADER_SIZE, this.end);
    this.buf = next;
  }

  /** The records written so far, uncompressed (a view: valid until the next append). */
  recordsSection(): Buffer {
    return this.buf.subarray(BATCH_HEADER_SIZE, this.end);
  }

  /** The whole uncompressed batch: header and CRC written in place, returned as a view (no copy). */
  finish(stamp: BatchStamp = {}): Buffer {
    const batch = this.buf.subarray(0, this.end);
    this.writeHeader(batch, CompressionCodec.None, stamp);
    writeBatchCrc(batch, 0);
    return batch;
  }

  /** A new batch of this header and `compressed` (the codec's output for {@link recordsSection}). */
  finishCompressed(codec: CompressionCodec, compressed: Buffer, stamp: BatchStamp = {}): Buffer {
    const batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + compressed.length);
    this.writeHeader(batch, codec, stamp);
    compressed.copy(batch, BATCH_HEADER_SIZE);
    writeBatchCrc(batch, 0);
    return batch;
  }

  /** The 61-byte header (CRC left for writeBatchCrc) into `batch`, whose length is the batch size. */
  private writeHeader(batch: Buffer, codec: CompressionCodec, stamp: BatchStamp): void {
    if (this.count === 0) throw new RangeError('a record batch needs at least one record');
    writeInt64(batch, Offsets.baseOffset, 0);
    batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD, Offsets.batchLength);
    batch.writeInt32BE(-1, Offsets.partitionLeaderEpoch);
    batch.writeInt8(MAGIC_V2, Offsets.magic);
    batch.writeInt16BE(codec, Offsets.attributes); // CreateTime, not transactional, not control
    batch.writeInt32BE(this.count - 1, Offsets.lastOffsetDelta);
    writeInt64(batch, Offsets.baseTimestamp, this.baseTimestamp);
    writeInt64(batch, Offsets.maxTimestamp, this.maxTimestamp);
    writeInt64(batch, Offsets.producerId, checkInt('producerId', stamp.producerId ?? -1, -1, Number.MAX_SAFE_INTEGER));
    batch.writeInt16BE(checkInt('producerEpoch', stamp.producerEpoch ?? -1, -1, 0x7fff), Offsets.producerEpoch);
    batch.writeInt32BE(checkInt('baseSequence', stamp.baseSequence ?? -1, -1, 0x7fff_ffff), Offsets.baseSequence);
    batch.writeInt32BE(this.count, Offsets.recordCount);
  }
}

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${name} ${value} is outside [${min}, ${max}]`);
  return value;
}
