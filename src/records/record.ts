// One record inside a RecordBatch v2 (Kafka's DefaultRecord), all integers zigzag varints:
//   length          varint   bytes of everything after this field
//   attributes      int8     unused, always 0
//   timestampDelta  varlong  timestamp - batch baseTimestamp (may be negative)
//   offsetDelta     varint   offset - batch baseOffset (0, 1, 2 … in a producer's batch)
//   keyLength       varint   -1 = null key
//   key             bytes
//   valueLength     varint   -1 = null value
//   value           bytes
//   headerCount     varint
//   headers         [keyLength varint, key utf8 (never null), valueLength varint (-1 = null), value]
// Encoding: batch-builder.ts (straight into the batch buffer); decoding: RecordReader below (the SDK's only
// record decoder: the consumer and decodeRecordBatches both use it).
import { RecordFormatError } from './errors.js';
import { MAX_VARINT_BYTES, MAX_VARLONG_BYTES, Reader } from './varint.js';

export type HeaderPairs = Array<[string, Buffer | null]>;

export interface RecordInput {
  key: Buffer | null;
  value: Buffer | null;
  headers?: HeaderPairs;
  /** Milliseconds since the epoch (a safe integer). */
  timestamp: number;
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: HeaderPairs;
}

const EMPTY_HEADERS: HeaderPairs = [];

/**
 * Upper bound of a record's encoded size (length field included), cheap enough to call per send:
 * varints are counted at their maximum width and header keys at 3 UTF-8 bytes per UTF-16 unit.
 */
export function estimateRecordSize(record: RecordInput): number {
  // length + attributes + timestampDelta + offsetDelta + key/value length prefixes + headerCount
  let size = MAX_VARINT_BYTES + 1 + MAX_VARLONG_BYTES + MAX_VARINT_BYTES * 4;
  size += (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const [key, value] of record.headers ?? EMPTY_HEADERS) {
    size += MAX_VARINT_BYTES * 2 + key.length * 3 + (value?.length ?? 0);
  }
  return size;
}

/** Smallest possible record: length, attributes, timestampDelta, offsetDelta, key, value, headerCount. */
const MIN_RECORD_SIZE = 7;

/**
 * Node's own Buffer class (what `subarray` ends up constructing): building the view directly skips
 * subarray's species lookup, a measurable share of decoding small records.
 */
const FastBuffer = (
  Buffer as unknown as Record<symbol, new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer>
)[Symbol.species]!;

/** A nullable byte field (length varint, -1 = null) as a zero-copy view of `reader.buf`, whose memory is `memory`. */
function readNullable(reader: Reader, memory: ArrayBufferLike, byteOffset: number, what: string): Buffer | null {
  const length = reader.readVarint();
  if (length === -1) return null;
  if (length < -1) throw new RecordFormatError(`${what} length ${length} is invalid`);
  reader.need(length, what);
  const out = new FastBuffer(memory, byteOffset + reader.pos, length);
  reader.pos += length;
  return out;
}

/** A record's headers, or null when it has none (no array is made for them). */
function readHeaders(reader: Reader, memory: ArrayBufferLike, byteOffset: number): HeaderPairs | null {
  const count = reader.readVarint();
  if (count === 0) return null;
  // Each header takes at least 2 bytes, so a count beyond remaining/2 cannot be honest.
  if (count < 0 || count > reader.remaining() / 2) throw new RecordFormatError(`header count ${count} is invalid`);
  const headers: HeaderPairs = new Array(count);
  for (let i = 0; i < count; i++) {
    const keyLength = reader.readVarint();
    if (keyLength < 0)
      throw new RecordFormatError(`header key length ${keyLength} is invalid (header keys are never null)`);
    const keyBytes = reader.readBytes(keyLength, 'header key');
    headers[i] = [keyBytes.toString('utf8'), readNullable(reader, memory, byteOffset, 'header value')];
  }
  return headers;
}

/**
 * The one record decoder: reads the `count` records of one batch's (decompressed) records section where they
 * lie, one per next(), the current record's fields in its properties (no object is made per record; the
 * caller builds what it needs: the consumer kafkajs messages, decodeRecordBatches DecodedRecords). Keys,
 * values and header values are zero-copy views of `section`. Each record is read within its declared length
 * (no field can run into the next record) and must end exactly there; the section must hold exactly `count`
 * records. A record whose offsetDelta is below `fromDelta` is skipped after its offset delta, its key, value
 * and headers unread (a fetch starts with the whole batch holding the offset asked). Throws
 * RecordFormatError naming the record.
 */
export class RecordReader {
  readonly #reader: Reader;
  /** The section's memory and where the section starts in it (read once: views are made from them). */
  readonly #memory: ArrayBufferLike;
  readonly #byteOffset: number;
  readonly #count: number;
  readonly #fromDelta: number;
  #index = 0;
  /** The current record's fields (valid after next() returned true). */
  offsetDelta = 0;
  timestampDelta = 0;
  /** Unused in v2 records; kafkajs reports it. */
  attributes = 0;
  key: Buffer | null = null;
  value: Buffer | null = null;
  /** null when the record has no headers (no array is made for them). */
  headers: HeaderPairs | null = null;
  /** Bytes of the record, its length field included. */
  size = 0;

  constructor(section: Buffer, count: number, fromDelta = Number.NEGATIVE_INFINITY) {
    if (count > section.length / MIN_RECORD_SIZE) {
      throw new RecordFormatError(`claims ${count} records in ${section.length} bytes`);
    }
    this.#reader = new Reader(section);
    this.#memory = section.buffer;
    this.#byteOffset = section.byteOffset;
    this.#count = count;
    this.#fromDelta = fromDelta;
  }

  /** Reads the next record at or after fromDelta; false after the last (when nothing may follow it). */
  next(): boolean {
    const reader = this.#reader;
    const buf = reader.buf;
    const sectionEnd = buf.length;
    try {
      while (this.#index < this.#count) {
        // One-byte varints (nearly every field of a small record) are read inline; longer ones, with
        // their truncation and overflow checks, by the Reader (reader.end bounds them to the record).
        const start = reader.pos;
        let pos = start;
        let b = pos < sectionEnd ? buf[pos]! : 0x80;
        let length: number;
        if (b < 0x80) {
          length = (b >>> 1) ^ -(b & 1);
          pos++;
        } else {
          length = reader.readVarint();
          pos = reader.pos;
        }
        if (length < 0) throw new RecordFormatError(`record length ${length} is negative`);
        if (length > sectionEnd - pos) {
          throw new RecordFormatError(`record needs ${length} bytes at position ${pos}, only ${sectionEnd - pos} left`);
        }
        const end = pos + length;
        if (pos >= end) throw new RecordFormatError(`record at position ${start} ends before its attributes`);
        // Narrowed to this record so no field can run into the next one (left narrowed after an error:
        // decoding stops at the first bad record).
        reader.end = end;
        const attributes = (buf[pos++]! << 24) >> 24;
        let timestampDelta: number;
        b = pos < end ? buf[pos]! : 0x80;
        if (b < 0x80) {
          timestampDelta = (b >>> 1) ^ -(b & 1);
          pos++;
        } else {
          reader.pos = pos;
          timestampDelta = reader.readVarlong();
          pos = reader.pos;
        }
        let offsetDelta: number;
        b = pos < end ? buf[pos]! : 0x80;
        if (b < 0x80) {
          offsetDelta = (b >>> 1) ^ -(b & 1);
          pos++;
        } else {
          reader.pos = pos;
          offsetDelta = reader.readVarint();
          pos = reader.pos;
        }
        reader.pos = pos;
        if (offsetDelta < this.#fromDelta) {
          reader.pos = end;
          reader.end = sectionEnd;
          this.#index++;
          continue;
        }
        const memory = this.#memory;
        const byteOffset = this.#byteOffset;
        this.key = readNullable(reader, memory, byteOffset, 'record key');
        this.value = readNullable(reader, memory, byteOffset, 'record value');
        this.headers = readHeaders(reader, memory, byteOffset);
        if (reader.pos !== end) {
          throw new RecordFormatError(
            `its fields end ${end - reader.pos} bytes before its declared length of ${length}`,
          );
        }
        reader.end = sectionEnd;
        this.attributes = attributes;
        this.timestampDelta = timestampDelta;
        this.offsetDelta = offsetDelta;
        this.size = end - start;
        this.#index++;
        return true;
      }
    } catch (err) {
      if (!(err instanceof RecordFormatError)) throw err;
      throw new RecordFormatError(`record ${this.#index}: ${err.message}`, { cause: err });
    }
    if (reader.pos !== sectionEnd) {
      throw new RecordFormatError(`${sectionEnd - reader.pos} bytes follow the last of its ${this.#count} records`);
    }
    return false;
  }
}
