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

/**
 * Where a RecordReader copies the records it reads, so that keys, values and header values view the copy
 * instead of the section (the consumer's record-copies.ts). reserve() names memory for a run of whole records
 * that starts with one of `bytes` (at least that much room): `target` from `at`, `room` bytes free there. The
 * reader copies the run once it ends (a record that does not fit, or the last one) and then calls commit()
 * with the bytes it wrote, before it reserves again. Memory handed out is never written again after commit().
 */
export interface RecordCopyTarget {
  reserve(bytes: number): void;
  commit(bytes: number): void;
  target: Buffer;
  at: number;
  room: number;
}

/** Smallest possible record: length, attributes, timestampDelta, offsetDelta, key, value, headerCount. */
export const MIN_RECORD_SIZE = 7;

/**
 * Node's own Buffer class (what `subarray` ends up constructing): building the view directly skips
 * subarray's species lookup, a measurable share of decoding small records.
 */
const FastBuffer = (
  Buffer as unknown as Record<symbol, new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer>
)[Symbol.species]!;

/**
 * The one record decoder: reads the `count` records of one batch's (decompressed) records section where they
 * lie, one per next(), the current record's fields in its properties (no object is made per record; the
 * caller builds what it needs: the consumer kafkajs messages, decodeRecordBatches DecodedRecords). Keys,
 * values and header values are zero-copy views of `section`, or, with a copy target, views of where the target
 * took the records: they are copied there in runs of whole records as they are read (one pass over the section;
 * every record is copied before next() returns false). Each record is read within its declared length
 * (no field can run into the next record) and must end exactly there; the section must hold exactly `count`
 * records. A record whose offsetDelta is below `fromDelta` is skipped after its offset delta, its key, value
 * and headers unread (a fetch starts with the whole batch holding the offset asked). Throws
 * RecordFormatError naming the record.
 */
export class RecordReader {
  /** Used only for the long varint forms and the header keys, with every bound and truncation check. */
  readonly #reader: Reader;
  readonly #buf: Buffer;
  /** Views of section position p are made at #viewDelta + p in #viewMemory (the section's, or the run's copy). */
  #viewMemory: ArrayBufferLike;
  #viewDelta: number;
  readonly #copies: RecordCopyTarget | null;
  /** The run being copied: section bytes from #runStart (-1: none yet) go to #runTarget at #runAt; it may grow to #runEnd. */
  #runStart = -1;
  #runEnd: number;
  #runTarget: Buffer | null = null;
  #runAt = 0;
  readonly #count: number;
  readonly #fromDelta: number;
  #index = 0;
  /** Where the next record starts. */
  #pos = 0;
  /** The position after the varint #varintAt read last. */
  #at = 0;
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

  constructor(
    section: Buffer,
    count: number,
    fromDelta = Number.NEGATIVE_INFINITY,
    copies: RecordCopyTarget | null = null,
  ) {
    if (count > section.length / MIN_RECORD_SIZE) {
      throw new RecordFormatError(`claims ${count} records in ${section.length} bytes`);
    }
    this.#reader = new Reader(section);
    this.#buf = section;
    this.#viewMemory = section.buffer;
    this.#viewDelta = section.byteOffset;
    this.#copies = copies;
    // Without a copy target no record ever leaves a run: views stay on the section.
    this.#runEnd = copies === null ? 0x7fff_ffff : -1;
    this.#count = count;
    this.#fromDelta = fromDelta;
  }

  /**
   * The zigzag varint at `pos`, read no further than `end`; the position after it goes to #at. The one- and
   * two-byte forms (every length and delta of a small record) are read here; longer or truncated ones by
   * the Reader's loop, with its truncation and int32 overflow checks.
   */
  #varintAt(pos: number, end: number): number {
    const buf = this.#buf;
    if (pos < end) {
      const first = buf[pos]!;
      if (first < 0x80) {
        this.#at = pos + 1;
        return (first >>> 1) ^ -(first & 1);
      }
      if (pos + 1 < end) {
        const second = buf[pos + 1]!;
        if (second < 0x80) {
          this.#at = pos + 2;
          const zigzag = (first & 0x7f) | (second << 7);
          return (zigzag >>> 1) ^ -(zigzag & 1);
        }
      }
    }
    const reader = this.#reader;
    reader.pos = pos;
    reader.end = end;
    const value = reader.readVarint();
    this.#at = reader.pos;
    return value;
  }

  /** The zigzag varlong at `pos` (one-byte form here, the rest by the Reader); the position after it goes to #at. */
  #varlongAt(pos: number, end: number): number {
    if (pos < end) {
      const first = this.#buf[pos]!;
      if (first < 0x80) {
        this.#at = pos + 1;
        return (first >>> 1) ^ -(first & 1);
      }
    }
    const reader = this.#reader;
    reader.pos = pos;
    reader.end = end;
    const value = reader.readVarlong();
    this.#at = reader.pos;
    return value;
  }

  /** A nullable byte field (length varint, -1 = null) at `pos` as a zero-copy view; the position after it goes to #at. */
  #nullableAt(pos: number, end: number, what: string): Buffer | null {
    const length = this.#varintAt(pos, end);
    if (length === -1) return null;
    if (length < -1) throw new RecordFormatError(`${what} length ${length} is invalid`);
    const at = this.#at;
    if (length > end - at) {
      throw new RecordFormatError(`${what} needs ${length} bytes at position ${at}, only ${end - at} left`);
    }
    this.#at = at + length;
    return new FastBuffer(this.#viewMemory, this.#viewDelta + at, length);
  }

  /** A record's headers at `pos`, or null when it has none (no array is made for them); the position after them goes to #at. */
  #headersAt(pos: number, end: number): HeaderPairs | null {
    const count = this.#varintAt(pos, end);
    if (count === 0) return null;
    // Each header takes at least 2 bytes, so a count beyond remaining/2 cannot be honest.
    if (count < 0 || count > (end - this.#at) / 2) throw new RecordFormatError(`header count ${count} is invalid`);
    const headers: HeaderPairs = new Array(count);
    const reader = this.#reader;
    for (let i = 0; i < count; i++) {
      const keyLength = this.#varintAt(this.#at, end);
      if (keyLength < 0)
        throw new RecordFormatError(`header key length ${keyLength} is invalid (header keys are never null)`);
      reader.pos = this.#at;
      reader.end = end;
      const keyBytes = reader.readBytes(keyLength, 'header key');
      headers[i] = [keyBytes.toString('utf8'), this.#nullableAt(reader.pos, end, 'header value')];
    }
    return headers;
  }

  /** `length` bytes at `pos` (within `end`) as a zero-copy view; -1 is null. */
  #view(pos: number, length: number, end: number, what: string): Buffer | null {
    if (length === -1) return null;
    if (length < -1) throw new RecordFormatError(`${what} length ${length} is invalid`);
    if (length > end - pos) {
      throw new RecordFormatError(`${what} needs ${length} bytes at position ${pos}, only ${end - pos} left`);
    }
    return new FastBuffer(this.#viewMemory, this.#viewDelta + pos, length);
  }

  /** The run so far is copied to its target (up to section position `end`). */
  #copyRun(end: number): void {
    const start = this.#runStart;
    if (start < 0 || end <= start) return;
    this.#buf.copy(this.#runTarget!, this.#runAt, start, end);
    this.#copies!.commit(end - start);
    this.#runStart = -1;
  }

  /** The record at [start, end) does not fit the run: the run is copied and a new one starts with it. */
  #startRun(start: number, end: number): void {
    this.#copyRun(start);
    const copies = this.#copies!;
    copies.reserve(end - start);
    this.#runStart = start;
    this.#runEnd = start + copies.room;
    this.#runTarget = copies.target;
    this.#runAt = copies.at;
    this.#viewMemory = copies.target.buffer;
    this.#viewDelta = copies.target.byteOffset + copies.at - start;
  }

  /**
   * Reads the next record at or after fromDelta; false after the last (when nothing may follow it). The
   * one-byte varints (nearly every field of a small record) and the two-byte value length are read inline,
   * the rest by #varintAt / #varlongAt: this loop is the consumer's per-record cost.
   */
  next(): boolean {
    const buf = this.#buf;
    const sectionEnd = buf.length;
    try {
      while (this.#index < this.#count) {
        const start = this.#pos;
        let pos = start;
        let b = pos < sectionEnd ? buf[pos]! : 0x80;
        let length: number;
        if (b < 0x80) {
          length = (b >>> 1) ^ -(b & 1);
          pos++;
        } else {
          length = this.#varintAt(pos, sectionEnd);
          pos = this.#at;
        }
        if (length < 0) throw new RecordFormatError(`record length ${length} is negative`);
        if (length > sectionEnd - pos) {
          throw new RecordFormatError(`record needs ${length} bytes at position ${pos}, only ${sectionEnd - pos} left`);
        }
        // Every field is read within `end`, so none can run into the next record.
        const end = pos + length;
        if (end > this.#runEnd) this.#startRun(start, end);
        if (pos >= end) throw new RecordFormatError(`record at position ${start} ends before its attributes`);
        const attributes = (buf[pos++]! << 24) >> 24;
        let timestampDelta: number;
        b = pos < end ? buf[pos]! : 0x80;
        if (b < 0x80) {
          timestampDelta = (b >>> 1) ^ -(b & 1);
          pos++;
        } else {
          timestampDelta = this.#varlongAt(pos, end);
          pos = this.#at;
        }
        let offsetDelta: number;
        b = pos < end ? buf[pos]! : 0x80;
        if (b < 0x80) {
          offsetDelta = (b >>> 1) ^ -(b & 1);
          pos++;
        } else {
          offsetDelta = this.#varintAt(pos, end);
          pos = this.#at;
        }
        if (offsetDelta < this.#fromDelta) {
          this.#pos = end;
          this.#index++;
          continue;
        }
        let keyLength: number;
        b = pos < end ? buf[pos]! : 0x80;
        if (b < 0x80) {
          keyLength = (b >>> 1) ^ -(b & 1);
          pos++;
        } else {
          keyLength = this.#varintAt(pos, end);
          pos = this.#at;
        }
        this.key = this.#view(pos, keyLength, end, 'record key');
        if (keyLength > 0) pos += keyLength;
        let valueLength: number;
        b = pos < end ? buf[pos]! : 0x80;
        const b2 = pos + 1 < end ? buf[pos + 1]! : 0x80;
        if (b < 0x80) {
          valueLength = (b >>> 1) ^ -(b & 1);
          pos++;
        } else if (b2 < 0x80) {
          const zigzag = (b & 0x7f) | (b2 << 7);
          valueLength = (zigzag >>> 1) ^ -(zigzag & 1);
          pos += 2;
        } else {
          valueLength = this.#varintAt(pos, end);
          pos = this.#at;
        }
        this.value = this.#view(pos, valueLength, end, 'record value');
        if (valueLength > 0) pos += valueLength;
        if (pos < end && buf[pos] === 0) {
          this.headers = null;
          pos++;
        } else {
          this.headers = this.#headersAt(pos, end);
          pos = this.#at;
        }
        if (pos !== end) {
          throw new RecordFormatError(`its fields end ${end - pos} bytes before its declared length of ${length}`);
        }
        this.attributes = attributes;
        this.timestampDelta = timestampDelta;
        this.offsetDelta = offsetDelta;
        this.size = end - start;
        this.#pos = end;
        this.#index++;
        return true;
      }
    } catch (err) {
      if (!(err instanceof RecordFormatError)) throw err;
      throw new RecordFormatError(`record ${this.#index}: ${err.message}`, { cause: err });
    }
    if (this.#pos !== sectionEnd) {
      throw new RecordFormatError(`${sectionEnd - this.#pos} bytes follow the last of its ${this.#count} records`);
    }
    if (this.#runStart >= 0) this.#copyRun(sectionEnd);
    return false;
  }
}
