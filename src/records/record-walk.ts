// Checks the records of one batch where they lie, allocating nothing per record: the produce path runs this
// over every record a producer sends. Record layout: record.ts. A record passes when
//   - its length varint is ≥ 1 and the record fits the section; attributes, then every field inside it
//   - offsetDelta is its index (0, 1, 2 … as every producer writes them)
//   - key and value lengths are -1 (null) or fit; header count ≥ 0; header keys non-null; all fit
//   - its fields end exactly at its declared length
// and the section holds exactly `count` records, nothing after them. With `requireKeys` (a compacted topic's
// policy) a null key is refused too; without it the check is one untaken branch on a local flag per null
// field, so other topics pay nothing measurable for it. Varints follow varint.ts's Reader:
// at most 5 bytes for an int32 (no bits beyond 32), at most 10 for a varlong whose value is a safe integer,
// so whatever passes here the SDK decodes (record.ts RecordReader checks the same or less).
import { RecordFormatError } from './errors.js';
import { Reader } from './varint.js';

/** Position after the varint that varint()/varlong() read last (the walk is synchronous: one cursor suffices). */
let after = 0;

function slowVarint(buf: Buffer, pos: number, end: number): number {
  const reader = new Reader(buf, pos, end);
  const value = reader.readVarint();
  after = reader.pos;
  return value;
}

/** Zigzag varint at `pos` (bounded by `end`); 1- and 2-byte values, the common ones, without a Reader. */
function varint(buf: Buffer, pos: number, end: number): number {
  if (pos < end) {
    const b0 = buf[pos]!;
    if (b0 < 0x80) {
      after = pos + 1;
      return (b0 >>> 1) ^ -(b0 & 1);
    }
    if (pos + 1 < end) {
      const b1 = buf[pos + 1]!;
      if (b1 < 0x80) {
        const v = (b0 & 0x7f) | (b1 << 7);
        after = pos + 2;
        return (v >>> 1) ^ -(v & 1);
      }
    }
  }
  return slowVarint(buf, pos, end);
}

/** Zigzag varlong at `pos`: one byte without a Reader, otherwise Reader's checks (≤ 10 bytes, safe integer). */
function varlong(buf: Buffer, pos: number, end: number): number {
  if (pos < end) {
    const b0 = buf[pos]!;
    if (b0 < 0x80) {
      after = pos + 1;
      return (b0 >>> 1) ^ -(b0 & 1);
    }
  }
  const reader = new Reader(buf, pos, end);
  const value = reader.readVarlong();
  after = reader.pos;
  return value;
}

/**
 * A walk over one batch's records section [start, end) that can be split into slices (a large decompressed
 * section is walked a slice at a time, yielding to the event loop in between). Throws RecordFormatError
 * naming the record; afterwards `minTimestamp`/`maxTimestamp` are the records' timestamps (-1, Kafka's "no
 * timestamp", is left out of the minimum).
 */
export class RecordWalk {
  #pos: number;
  #index = 0;
  maxTimestamp = Number.NEGATIVE_INFINITY;
  minTimestamp = Number.POSITIVE_INFINITY;

  constructor(
    private readonly section: Buffer,
    start: number,
    private readonly end: number,
    private readonly count: number,
    private readonly baseTimestamp: number,
    /** Refuse a record whose key is null (cleanup.policy has compact: records are kept by key). */
    private readonly requireKeys = false,
  ) {
    this.#pos = start;
  }

  get done(): boolean {
    return this.#index === this.count;
  }

  /** Checks up to `limit` more records; after the last one, that nothing follows it. */
  walk(limit = Number.POSITIVE_INFINITY): void {
    const buf = this.section;
    const end = this.end;
    const last = Math.min(this.count, this.#index + limit);
    const base = this.baseTimestamp;
    const requireKeys = this.requireKeys;
    let pos = this.#pos;
    let min = this.minTimestamp;
    let max = this.maxTimestamp;
    let i = this.#index;
    try {
      // One-byte varints (attributes aside: timestamp delta, header count, null lengths, short lengths) and
      // the two-byte forms of the record length, offset delta and key/value lengths (records of 64 B–8 KiB,
      // the 65th record on) are decoded inline; longer ones by varint()/varlong(). The loop then makes no
      // call for a common record, and its speed does not hang on what the JIT chooses to inline.
      for (; i < last; i++) {
        let b = pos < end ? buf[pos]! : 0x80;
        let b1 = pos + 1 < end ? buf[pos + 1]! : 0x80;
        let length: number;
        if (b < 0x80) {
          length = (b >>> 1) ^ -(b & 1);
          pos++;
        } else if (b1 < 0x80) {
          const v = (b & 0x7f) | (b1 << 7);
          length = (v >>> 1) ^ -(v & 1);
          pos += 2;
        } else {
          length = varint(buf, pos, end);
          pos = after;
        }
        if (length < 1 || length > end - pos)
          throw invalid(`length ${length} does not fit the ${end - pos} bytes left`);
        const recordEnd = pos + length;
        pos++; // attributes: unused in v2
        let timestamp = base;
        b = pos < recordEnd ? buf[pos]! : 0x80;
        if (b < 0x80) {
          timestamp += (b >>> 1) ^ -(b & 1);
          pos++;
        } else {
          timestamp += varlong(buf, pos, recordEnd);
          pos = after;
        }
        b = pos < recordEnd ? buf[pos]! : 0x80;
        b1 = pos + 1 < recordEnd ? buf[pos + 1]! : 0x80;
        let offsetDelta: number;
        if (b < 0x80) {
          offsetDelta = (b >>> 1) ^ -(b & 1);
          pos++;
        } else if (b1 < 0x80) {
          const v = (b & 0x7f) | (b1 << 7);
          offsetDelta = (v >>> 1) ^ -(v & 1);
          pos += 2;
        } else {
          offsetDelta = varint(buf, pos, recordEnd);
          pos = after;
        }
        if (offsetDelta !== i) throw invalid(`offset delta ${offsetDelta} (records must be numbered 0, 1, 2 …)`);
        for (let field = 0; field < 2; field++) {
          b = pos < recordEnd ? buf[pos]! : 0x80;
          b1 = pos + 1 < recordEnd ? buf[pos + 1]! : 0x80;
          let size: number;
          if (b < 0x80) {
            size = (b >>> 1) ^ -(b & 1);
            pos++;
          } else if (b1 < 0x80) {
            const v = (b & 0x7f) | (b1 << 7);
            size = (v >>> 1) ^ -(v & 1);
            pos += 2;
          } else {
            size = varint(buf, pos, recordEnd);
            pos = after;
          }
          if (size < -1 || size > recordEnd - pos)
            throw invalid(`${field === 0 ? 'key' : 'value'} length ${size} does not fit`);
          if (size > 0) pos += size;
          else if (size < 0 && requireKeys && field === 0)
            throw invalid('its key is null: a compacted topic keeps records by key, every record needs one');
        }
        b = pos < recordEnd ? buf[pos]! : 0x80;
        const headers = b < 0x80 ? (b >>> 1) ^ -(b & 1) : varint(buf, pos, recordEnd);
        pos = b < 0x80 ? pos + 1 : after;
        if (headers !== 0) pos = skipHeaders(buf, pos, recordEnd, headers);
        if (pos !== recordEnd)
          throw invalid(`its fields end ${recordEnd - pos} bytes before its declared length of ${length}`);
        if (timestamp > max) max = timestamp;
        if (timestamp < min && timestamp !== -1) min = timestamp;
      }
    } catch (err) {
      if (!(err instanceof RecordFormatError)) throw err;
      throw new RecordFormatError(`record ${i}: ${err.message}`, { cause: err });
    } finally {
      this.#pos = pos;
      this.#index = i;
      this.minTimestamp = min;
      this.maxTimestamp = max;
    }
    if (i === this.count && pos !== end)
      throw new RecordFormatError(`${end - pos} bytes follow the last of its ${this.count} records`);
  }
}

const invalid = (reason: string) => new RecordFormatError(reason);

/** Skips `count` headers (key: length ≥ 0 and bytes; value: nullable bytes); returns the position after them. */
function skipHeaders(buf: Buffer, pos: number, end: number, count: number): number {
  if (count < 0 || count > (end - pos) / 2) throw invalid(`header count ${count} is invalid`);
  for (let h = 0; h < count; h++) {
    const keyLength = varint(buf, pos, end);
    pos = after;
    if (keyLength < 0 || keyLength > end - pos)
      throw invalid(`header ${h} key length ${keyLength} does not fit (keys are never null)`);
    pos = skipBytes(buf, pos + keyLength, end, `header ${h} value`);
  }
  return pos;
}

/** Skips a nullable byte field (length varint, -1 = null); returns the position after it. */
function skipBytes(buf: Buffer, pos: number, end: number, what: string): number {
  const length = varint(buf, pos, end);
  if (length < -1 || length > end - after) throw invalid(`${what} length ${length} does not fit`);
  return length > 0 ? after + length : after;
}
