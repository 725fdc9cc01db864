// Cutting a frame's raw tail into per-partition record bytes. The body lists `recordsBytes` for each
// partition in order; the tail is those byte runs back to back. The sum must equal the tail length.
import { invalid } from '../validate.js';

export class TailReader {
  private position = 0;

  constructor(private readonly tail: Buffer) {}

  /** Next `length` bytes as a zero-copy view. */
  take(length: number, path: string): Buffer {
    if (length > this.tail.length - this.position) {
      throw invalid(path, `recordsBytes ${length} overruns the ${this.tail.length - this.position} tail bytes left`);
    }
    const out = this.tail.subarray(this.position, this.position + length);
    this.position += length;
    return out;
  }

  /** Every tail byte must belong to some partition. */
  finish(): void {
    if (this.position !== this.tail.length) {
      throw invalid('body', `${this.tail.length - this.position} tail bytes are not claimed by any partition`);
    }
  }
}

/**
 * A request of an API without a tail must not carry one: its bytes would be read into memory for nothing
 * (and a decoded `bin` value, being a view of the frame, would keep all of them alive, e.g. in a group).
 */
export function refuseTail(tail: Buffer, api: string): void {
  if (tail.length > 0) throw invalid('tail', `${api} requests carry no tail, got ${tail.length} bytes`);
}

export function totalLength(chunks: readonly Buffer[]): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}
