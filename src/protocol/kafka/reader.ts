// Bounds-checked reads over one received frame. Every read checks the bytes it needs are there before it
// touches them, and every length or count is checked against the bytes left before anything is allocated
// for it, so a 10-byte frame claiming 2^31 entries fails at once. Strings are decoded, bytes and records
// come back as views of the frame (no copy).

/** Bytes that do not decode as the message they claim to be: truncated, a bad length, a bad value. */
export class KafkaDecodeError extends Error {
  override name = 'KafkaDecodeError';
  /** Where in the message the bad field sits, e.g. `topicData[0].partitionData[1].records`. */
  path = '';
  constructor(
    readonly problem: string,
    /** Byte offset in the frame payload where the read failed. */
    readonly offset: number,
  ) {
    super(problem);
  }

  /** Prefixes a path segment as the error leaves a field (only on failure: no cost on the decode path). */
  within(segment: string): this {
    this.path =
      this.path === '' ? segment : this.path.startsWith('[') ? segment + this.path : `${segment}.${this.path}`;
    this.message = `${this.path}: ${this.problem} (at byte ${this.offset})`;
    return this;
  }
}

const TWO_32 = 4294967296;

export class Reader {
  #buf: Buffer;
  #pos: number;
  #end: number;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.#buf = buf;
    this.#pos = start;
    this.#end = end;
  }

  get offset(): number {
    return this.#pos;
  }

  get remaining(): number {
    return this.#end - this.#pos;
  }

  fail(problem: string): KafkaDecodeError {
    return new KafkaDecodeError(problem, this.#pos);
  }

  #need(n: number, what: string): number {
    const at = this.#pos;
    if (n > this.#end - at) throw this.fail(`${what} needs ${n} bytes, ${this.#end - at} left`);
    this.#pos = at + n;
    return at;
  }

  int8(): number {
    return this.#buf.readInt8(this.#need(1, 'int8'));
  }

  bool(): boolean {
    return this.#buf[this.#need(1, 'bool')] !== 0;
  }

  int16(): number {
    return this.#buf.readInt16BE(this.#need(2, 'int16'));
  }

  uint16(): number {
    return this.#buf.readUInt16BE(this.#need(2, 'uint16'));
  }

  int32(): number {
    return this.#buf.readInt32BE(this.#need(4, 'int32'));
  }

  uint32(): number {
    return this.#buf.readUInt32BE(this.#need(4, 'uint32'));
  }

  int64(): number {
    const at = this.#need(8, 'int64');
    const value = this.#buf.readInt32BE(at) * TWO_32 + this.#buf.readUInt32BE(at + 4);
    if (!Number.isSafeInteger(value)) {
      this.#pos = at;
      throw this.fail(`int64 ${this.#buf.readBigInt64BE(at)} is beyond ±(2^53 - 1), the range Sluice accepts`);
    }
    return value;
  }

  float64(): number {
    return this.#buf.readDoubleBE(this.#need(8, 'float64'));
  }

  uuid(): string {
    return this.#buf.toString('base64url', this.#need(16, 'uuid'), this.#pos);
  }

  /** Unsigned varint of at most 5 bytes (a uint32), as Kafka's compact lengths and tags. */
  uvarint(): number {
    const buf = this.#buf;
    const end = this.#end;
    let pos = this.#pos;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= end) throw this.fail('varint is truncated');
      const byte = buf[pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (value > 0xffffffff) throw this.fail('varint exceeds 32 bits');
        this.#pos = pos;
        return value;
      }
    }
    throw this.fail('varint is longer than 5 bytes');
  }

  /** Zigzag signed varint (sint32). */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Zigzag signed varlong (sint64) within ±(2^53 - 1). The zigzag value can pass 2^53 (not exact as a
   * double), so the sign and first 6 bits come from the first byte and the rest is summed apart. */
  varlong(): number {
    const buf = this.#buf;
    const end = this.#end;
    let pos = this.#pos;
    if (pos >= end) throw this.fail('varlong is truncated');
    const first = buf[pos++]!;
    let rest = 0;
    if (first & 0x80) {
      for (let shift = 0; ; shift += 7) {
        if (shift > 56) throw this.fail('varlong is longer than 10 bytes');
        if (pos >= end) throw this.fail('varlong is truncated');
        const byte = buf[pos++]!;
        rest += (byte & 0x7f) * 2 ** shift;
        if ((byte & 0x80) === 0) break;
      }
    }
    // zigzag = rest * 128 + (first & 0x7f); magnitude = zigzag >> 1, sign = zigzag & 1.
    const magnitude = rest * 64 + ((first & 0x7f) >> 1);
    const value = first & 1 ? -magnitude - 1 : magnitude;
    if (!Number.isSafeInteger(value)) throw this.fail('varlong is beyond ±(2^53 - 1), the range Sluice accepts');
    this.#pos = pos;
    return value;
  }

  /** A length (or count) already read; checks `length × unit` bytes remain. -1 (null) passes through. */
  #checkLength(length: number, unit: number, what: string): number {
    if (length < -1) throw this.fail(`${what} length ${length} is negative`);
    if (length > 0 && length * unit > this.#end - this.#pos) {
      throw this.fail(
        `${what} of ${length}${unit > 1 ? ` entries (≥ ${unit} bytes each)` : ' bytes'} exceeds the ${this.#end - this.#pos} bytes left`,
      );
    }
    return length;
  }

  /** Classic (int16) or compact string length; -1 = null. */
  stringLength(compact: boolean): number {
    return this.#checkLength(compact ? this.uvarint() - 1 : this.int16(), 1, 'string');
  }

  /** Classic (int32) or compact bytes length; -1 = null. */
  bytesLength(compact: boolean): number {
    return this.#checkLength(compact ? this.uvarint() - 1 : this.int32(), 1, 'bytes');
  }

  /** Classic (int32) or compact array count; -1 = null. Each entry takes at least `minEntryBytes`. */
  arrayLength(compact: boolean, minEntryBytes: number): number {
    return this.#checkLength(compact ? this.uvarint() - 1 : this.int32(), Math.max(1, minEntryBytes), 'array');
  }

  utf8(length: number): string {
    const at = this.#pos;
    this.#pos = at + length;
    return this.#buf.toString('utf8', at, at + length);
  }

  /** A view of the next `length` bytes (already checked by a *Length() call). */
  view(length: number): Buffer {
    const at = this.#pos;
    this.#pos = at + length;
    return this.#buf.subarray(at, at + length);
  }

  /** `length` bytes (checked here) as a reader of their own; this reader moves past them. */
  sub(length: number, what: string): Reader {
    const at = this.#need(length, what);
    return new Reader(this.#buf, at, at + length);
  }

  skip(length: number, what: string): void {
    this.#need(length, what);
  }
}
