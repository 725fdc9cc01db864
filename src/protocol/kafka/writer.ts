// Encodes into one growing scratch buffer, then copies the written bytes out once. Records fields are not
// copied: the writer notes where they go and `finish()` returns the message as chunks — written bytes,
// records buffers, written bytes, … — for one corked writev. A Writer is reused (encoding is synchronous).

/** A value that cannot be written at the version asked for, or of the wrong type for its field. */
export class KafkaEncodeError extends Error {
  override name = 'KafkaEncodeError';
  path = '';
  constructor(readonly problem: string) {
    super(problem);
  }

  within(segment: string): this {
    this.path =
      this.path === '' ? segment : this.path.startsWith('[') ? segment + this.path : `${segment}.${this.path}`;
    this.message = `${this.path}: ${this.problem}`;
    return this;
  }
}

const TWO_32 = 4294967296;
const INITIAL_BYTES = 64 * 1024;

export function uvarintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

export class Writer {
  #buf = Buffer.allocUnsafe(INITIAL_BYTES);
  #pos = 0;
  /** Records buffers and where in the written bytes they go, in order. */
  #externals: Array<{ at: number; chunks: readonly Buffer[] }> = [];
  #externalBytes = 0;

  reset(): this {
    this.#pos = 0;
    this.#externals.length = 0;
    this.#externalBytes = 0;
    return this;
  }

  get position(): number {
    return this.#pos;
  }

  /** Bytes of the message so far, records included. */
  get length(): number {
    return this.#pos + this.#externalBytes;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + n));
    this.#buf.copy(bigger, 0, 0, this.#pos);
    this.#buf = bigger;
  }

  int8(v: number): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = v & 0xff;
  }

  int16(v: number): void {
    this.#ensure(2);
    this.#pos = this.#buf.writeInt16BE(v, this.#pos);
  }

  uint16(v: number): void {
    this.#ensure(2);
    this.#pos = this.#buf.writeUInt16BE(v, this.#pos);
  }

  int32(v: number): void {
    this.#ensure(4);
    this.#pos = this.#buf.writeInt32BE(v, this.#pos);
  }

  uint32(v: number): void {
    this.#ensure(4);
    this.#pos = this.#buf.writeUInt32BE(v, this.#pos);
  }

  /** A safe integer as int64, without BigInt. */
  int64(v: number): void {
    this.#ensure(8);
    const high = Math.floor(v / TWO_32);
    this.#buf.writeInt32BE(high, this.#pos);
    this.#buf.writeUInt32BE(v - high * TWO_32, this.#pos + 4);
    this.#pos += 8;
  }

  float64(v: number): void {
    this.#ensure(8);
    this.#pos = this.#buf.writeDoubleBE(v, this.#pos);
  }

  uvarint(v: number): void {
    this.#ensure(5);
    const buf = this.#buf;
    let pos = this.#pos;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[pos++] = v;
    this.#pos = pos;
  }

  /** Zigzag sint32. */
  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** Zigzag sint64 of a safe integer. The zigzag value can pass 2^53 (not exact as a double), so the first
   * 7 bits are taken from the magnitude first and the rest (below 2^47) is written as an unsigned varint. */
  varlong(v: number): void {
    const negative = v < 0;
    const magnitude = negative ? -v - 1 : v; // zigzag = magnitude * 2 + sign
    const low = ((magnitude % 64) * 2 + (negative ? 1 : 0)) & 0x7f;
    const rest = Math.floor(magnitude / 64);
    this.#ensure(1);
    if (rest === 0) {
      this.#buf[this.#pos++] = low;
      return;
    }
    this.#buf[this.#pos++] = low | 0x80;
    this.uvarintLong(rest);
  }

  /** An unsigned varint of a safe integer (any number of 7-bit groups). */
  uvarintLong(v: number): void {
    this.#ensure(10);
    const buf = this.#buf;
    let pos = this.#pos;
    while (v >= 0x80) {
      buf[pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[pos++] = v;
    this.#pos = pos;
  }

  raw(bytes: Uint8Array): void {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  uuid(text: string): void {
    this.#ensure(16);
    const n = this.#buf.write(text, this.#pos, 16, 'base64url');
    if (n !== 16 || text.length !== 22) throw new KafkaEncodeError(`'${text}' is not a uuid (22 base64url characters)`);
    this.#pos += 16;
  }

  /** A string with its length prefix: int16 (classic, ≤ 32767 bytes) or unsigned varint length + 1 (compact). */
  string(s: string, compact: boolean): void {
    // Short strings are written straight after a 1- or 2-byte prefix that is filled in afterwards; others
    // are measured first (the prefix's size depends on the length).
    const maxBytes = s.length * 3;
    if (compact && maxBytes < 0x7f) {
      this.#ensure(1 + maxBytes);
      const n = this.#buf.write(s, this.#pos + 1, 'utf8');
      this.#buf[this.#pos] = n + 1;
      this.#pos += 1 + n;
      return;
    }
    if (!compact && maxBytes <= 0x7fff) {
      this.#ensure(2 + maxBytes);
      const n = this.#buf.write(s, this.#pos + 2, 'utf8');
      this.#buf.writeInt16BE(n, this.#pos);
      this.#pos += 2 + n;
      return;
    }
    const n = Buffer.byteLength(s);
    if (compact) this.uvarint(n + 1);
    else {
      if (n > 0x7fff) throw new KafkaEncodeError(`string of ${n} bytes exceeds the 32767 of a classic string`);
      this.int16(n);
    }
    this.#ensure(n);
    this.#pos += this.#buf.write(s, this.#pos, n, 'utf8');
  }

  /** A length prefix: int16/int32 classic (-1 = null) or compact (length + 1, 0 = null). */
  lengthPrefix(n: number, compact: boolean, classicBytes: 2 | 4): void {
    if (compact) this.uvarint(n + 1);
    else if (classicBytes === 2) this.int16(n);
    else this.int32(n);
  }

  /** Records: the length prefix here, the buffers themselves as separate chunks of the output. */
  records(chunks: readonly Buffer[], compact: boolean): void {
    let total = 0;
    for (const c of chunks) total += c.length;
    if (compact) this.uvarint(total + 1);
    else this.int32(total);
    if (total === 0) return;
    this.#externals.push({ at: this.#pos, chunks });
    this.#externalBytes += total;
  }

  /**
   * Starts a block whose size is written before it as an unsigned varint (a tagged field's data). Returns a
   * mark for endSized(); the block is written one byte further on and moved if its size needs more bytes.
   */
  beginSized(): number {
    this.#ensure(1);
    return this.#pos++;
  }

  endSized(mark: number): void {
    const size = this.#pos - mark - 1;
    const prefix = uvarintSize(size);
    if (prefix > 1) {
      this.#ensure(prefix - 1);
      this.#buf.copyWithin(mark + prefix, mark + 1, this.#pos);
      this.#pos += prefix - 1;
    }
    const end = this.#pos;
    this.#pos = mark;
    this.uvarint(size);
    this.#pos = end;
  }

  /** Overwrites an int32 written earlier (a frame's size prefix). */
  patchInt32(at: number, v: number): void {
    this.#buf.writeInt32BE(v, at);
  }

  /** The message: one copy of the written bytes, with records buffers spliced in as their own chunks. */
  finish(): Buffer[] {
    const own = Buffer.allocUnsafe(this.#pos);
    this.#buf.copy(own, 0, 0, this.#pos);
    const externals = this.#externals;
    if (externals.length === 0) {
      this.reset();
      return [own];
    }
    const out: Buffer[] = [];
    let from = 0;
    for (const { at, chunks } of externals) {
      if (at > from) out.push(own.subarray(from, at));
      for (const c of chunks) if (c.length > 0) out.push(c);
      from = at;
    }
    if (from < own.length) out.push(own.subarray(from));
    this.#pos = 0;
    this.#externals = [];
    this.#externalBytes = 0;
    return out;
  }
}
