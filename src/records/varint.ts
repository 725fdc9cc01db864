// Kafka's signed variable-length integers (record format v2), as in Kafka's ByteUtils:
// zigzag-encode the signed value ((n << 1) ^ (n >> bits-1): 0→0, -1→1, 1→2, -2→3 …), then write it
// as unsigned LEB128: 7 bits per byte, least significant group first, high bit set on every byte but
// the last. varint covers int32 (at most 5 bytes), varlong int64 (at most 10 bytes).
//
// varlongs are JS Numbers: exact for every safe integer (|n| ≤ 2^53 - 1), which covers millisecond
// timestamps and their deltas. Decoding a varlong outside that range throws rather than round.
import { RecordFormatError } from './errors.js';

export const MAX_VARINT_BYTES = 5;
export const MAX_VARLONG_BYTES = 10;

/** Bytes needed for `value` (an int32) as a zigzag varint. Branches, no loop: most lengths are 1 or 2 bytes. */
export function sizeOfVarint(value: number): number {
  const v = ((value << 1) ^ (value >> 31)) >>> 0;
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x20_0000) return 3;
  return v < 0x1000_0000 ? 4 : 5;
}

/**
 * Writes `value` (an int32) at `pos`; returns the position after it. The caller sized the buffer.
 * The 1- and 2-byte cases (record lengths, deltas and field lengths below 8 KiB) are written straight;
 * stores into a Uint8Array keep the low 8 bits, so `v | 0x80` is the low group with its continuation bit.
 */
export function writeVarint(buf: Buffer, pos: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  if (v < 0x80) {
    buf[pos] = v;
    return pos + 1;
  }
  if (v < 0x4000) {
    buf[pos] = v | 0x80;
    buf[pos + 1] = v >>> 7;
    return pos + 2;
  }
  while (v >= 0x80) {
    buf[pos++] = v | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/**
 * Splits zigzag(value) into its low 7 bits and the rest (zigzag(value) >> 7) without forming the
 * zigzag value itself, which can exceed 2^53 for large negative safe integers.
 *   value = v ≥ 0:  zz = 2v        → low = 2·(v mod 64),           rest = ⌊v / 64⌋
 *   value = -a < 0: zz = 2(a-1) + 1 → low = 2·((a-1) mod 64) + 1,   rest = ⌊(a-1) / 64⌋
 */
function splitZigzag(value: number): [low: number, rest: number] {
  if (!Number.isSafeInteger(value)) throw new RangeError(`varlong value ${value} is not a safe integer`);
  if (value >= 0) return [(value % 64) * 2, Math.floor(value / 64)];
  const a1 = -value - 1;
  return [(a1 % 64) * 2 + 1, Math.floor(a1 / 64)];
}

/** Bytes needed for `value` (a safe integer) as a zigzag varlong. */
export function sizeOfVarlong(value: number): number {
  if (value >= -0x4000_0000 && value < 0x4000_0000) return sizeOfVarint(value);
  let rest = splitZigzag(value)[1];
  let bytes = 1;
  while (rest > 0) {
    rest = Math.floor(rest / 128);
    bytes++;
  }
  return bytes;
}

/** Writes `value` (a safe integer) at `pos`; returns the position after it. */
export function writeVarlong(buf: Buffer, pos: number, value: number): number {
  if (value >= -0x4000_0000 && value < 0x4000_0000) return writeVarint(buf, pos, value);
  const [low, first] = splitZigzag(value);
  let rest = first;
  buf[pos++] = rest > 0 ? low | 0x80 : low;
  while (rest > 0) {
    const group = rest % 128;
    rest = Math.floor(rest / 128);
    buf[pos++] = rest > 0 ? group | 0x80 : group;
  }
  return pos;
}

/**
 * A bounds-checked read position over a buffer. Decoders advance `pos`; every read checks `end`
 * first, so a truncated or hostile input throws {@link RecordFormatError} and never reads past `end`.
 */
export class Reader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
    /** Exclusive limit of reads; a record decoder narrows it to one record and restores it. */
    public end = buf.length,
  ) {}

  remaining(): number {
    return this.end - this.pos;
  }

  /** Fails unless `n` more bytes are present. */
  need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw new RecordFormatError(`${what} needs ${n} bytes at position ${this.pos}, only ${this.end - this.pos} left`);
    }
  }

  readInt8(): number {
    this.need(1, 'int8');
    return this.buf.readInt8(this.pos++);
  }

  /**
   * A zigzag varint of at most 5 bytes whose value fits int32. The one- and two-byte forms (lengths and
   * deltas below 8 KiB: nearly every field of a small record) are read without the general loop.
   */
  readVarint(): number {
    const { buf, end } = this;
    const pos = this.pos;
    if (pos + 1 < end) {
      const first = buf[pos]!;
      if (first < 0x80) {
        this.pos = pos + 1;
        return (first >>> 1) ^ -(first & 1);
      }
      const second = buf[pos + 1]!;
      if (second < 0x80) {
        this.pos = pos + 2;
        const zigzag = (first & 0x7f) | (second << 7);
        return (zigzag >>> 1) ^ -(zigzag & 1);
      }
    }
    return this.readVarintLoop();
  }

  /** readVarint's general case: any length up to 5 bytes, truncation and overflow checked per byte. */
  private readVarintLoop(): number {
    const { buf, end } = this;
    let pos = this.pos;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= end) throw new RecordFormatError(`varint truncated at position ${pos}`);
      const byte = buf[pos++]!;
      if (shift === 28 && byte > 0x0f) {
        // Only 4 bits remain for an int32 in the fifth byte; more (or a continuation bit) is invalid.
        throw new RecordFormatError(`varint at position ${this.pos} is longer than 5 bytes or overflows int32`);
      }
      result |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.pos = pos;
        return (result >>> 1) ^ -(result & 1);
      }
    }
    throw new RecordFormatError(`varint at position ${this.pos} is longer than 5 bytes`);
  }

  /** A zigzag varlong of at most 10 bytes; throws if its value is not a safe integer. */
  readVarlong(): number {
    // The one-byte form (a record's timestamp delta within ±63 ms of its batch's base) without the loop.
    const first = this.pos < this.end ? this.buf[this.pos]! : 0x80;
    if (first < 0x80) {
      this.pos++;
      return (first >>> 1) ^ -(first & 1);
    }
    return this.readVarlongLoop();
  }

  /** readVarlong's general case. */
  private readVarlongLoop(): number {
    const { buf, end } = this;
    const start = this.pos;
    let pos = start;
    if (pos >= end) throw new RecordFormatError(`varlong truncated at position ${pos}`);
    const first = buf[pos++]!;
    // zigzag(value) = (rest << 7) | low7; value = ±(zigzag >> 1) and bit 0 of low7 is the sign.
    let rest = 0;
    let scale = 1;
    let byte = first;
    while (byte >= 0x80) {
      if (pos - start >= MAX_VARLONG_BYTES)
        throw new RecordFormatError(`varlong at position ${start} is longer than 10 bytes`);
      if (pos >= end) throw new RecordFormatError(`varlong truncated at position ${pos}`);
      byte = buf[pos++]!;
      rest += (byte & 0x7f) * scale;
      scale *= 128;
    }
    const half = rest * 64 + ((first & 0x7f) >>> 1);
    const value = (first & 1) === 0 ? half : -half - 1;
    if (!Number.isSafeInteger(value) || rest > Number.MAX_SAFE_INTEGER / 64) {
      throw new RecordFormatError(`varlong at position ${start} is outside the safe integer range`);
    }
    this.pos = pos;
    return value;
  }

  /** `length` bytes as a zero-copy subarray. */
  readBytes(length: number, what: string): Buffer {
    this.need(length, what);
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }
}

/** Decodes one varint at `pos` of `buf` (convenience over {@link Reader}). */
export function readVarint(buf: Buffer, pos = 0): { value: number; next: number } {
  const reader = new Reader(buf, pos);
  const value = reader.readVarint();
  return { value, next: reader.pos };
}

/** Decodes one varlong at `pos` of `buf` (convenience over {@link Reader}). */
export function readVarlong(buf: Buffer, pos = 0): { value: number; next: number } {
  const reader = new Reader(buf, pos);
  const value = reader.readVarlong();
  return { value, next: reader.pos };
}
