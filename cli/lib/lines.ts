// Splits a byte stream into numbered lines without decoding it, in linear time: a line inside one chunk is
// a Buffer view into that chunk; a line spanning chunks is gathered as a list of pieces and joined once, at
// its newline (never re-copied per chunk). "\r\n" endings lose the "\r".
//
// A line longer than `maxLineBytes` is reported as soon as the limit is passed (`tooLong`, with the bytes
// seen so far) and its remaining bytes are skipped, not kept: a 200 MiB line costs a counter, not memory.
export type Line = { number: number; bytes: Buffer } | { number: number; tooLong: true; atLeast: number };

export class LineReader {
  readonly #max: number;
  /** Pieces of the line in progress (copies: they outlive their chunk) and their total length. */
  #parts: Buffer[] = [];
  #bytes = 0;
  /** The line in progress was reported too long: drop its bytes until its newline. */
  #skipping = false;
  /** 1-based number of the line in progress. */
  #number = 1;

  constructor(maxLineBytes = Number.POSITIVE_INFINITY) {
    this.#max = maxLineBytes;
  }

  /** Lines completed (or found too long) so far. */
  get lines(): number {
    return this.#number - 1;
  }

  /** Bytes of the unfinished line kept so far (0 while a too-long line is skipped). */
  get pendingBytes(): number {
    return this.#bytes;
  }

  /** Lines completed (or found too long) by `chunk`; a trailing partial line waits for more or {@link end}. */
  push(chunk: Buffer, out: Line[] = []): Line[] {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.#finish(chunk.subarray(start, nl), out);
      start = nl + 1;
    }
    if (start < chunk.length) this.#keep(chunk.subarray(start), out);
    return out;
  }

  /** The last line when the input did not end with a newline. */
  end(): Line | null {
    if (this.#skipping || this.#bytes === 0) {
      this.#skipping = false;
      return null;
    }
    const out: Line[] = [];
    this.#finish(Buffer.alloc(0), out);
    return out[0] ?? null;
  }

  #keep(piece: Buffer, out: Line[]): void {
    if (this.#skipping) return;
    // One byte of slack: the line may still turn out to end in "\r".
    if (this.#bytes + piece.length > this.#max + 1) {
      out.push({ number: this.#number, tooLong: true, atLeast: this.#bytes + piece.length });
      this.#skipping = true;
      this.#parts = [];
      this.#bytes = 0;
      return;
    }
    this.#parts.push(Buffer.from(piece));
    this.#bytes += piece.length;
  }

  #finish(piece: Buffer, out: Line[]): void {
    const number = this.#number++;
    if (this.#skipping) {
      this.#skipping = false;
      return;
    }
    let line = piece;
    if (this.#parts.length > 0) {
      this.#parts.push(piece);
      line = Buffer.concat(this.#parts, this.#bytes + piece.length);
      this.#parts = [];
      this.#bytes = 0;
    }
    if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
    out.push(line.length > this.#max ? { number, tooLong: true, atLeast: line.length } : { number, bytes: line });
  }
}
