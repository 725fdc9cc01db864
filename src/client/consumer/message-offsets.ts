// The offsets of a decoded slice's messages as numbers (the runner's position arithmetic; messages carry
// them as strings). Offsets within a slice are mostly consecutive (a log neither compacted nor holding
// transaction markers between its batches): they are then kept as the first offset and a count, and an
// array is made only at the first gap.
export class MessageOffsets {
  private first = 0;
  private count = 0;
  /** Every offset, once they stopped being consecutive; null while they are. */
  private list: number[] | null = null;

  get length(): number {
    return this.list === null ? this.count : this.list.length;
  }

  push(offset: number): void {
    if (this.list !== null) this.list.push(offset);
    else if (this.count === 0) {
      this.first = offset;
      this.count = 1;
    } else if (offset === this.first + this.count) this.count++;
    else {
      const list: number[] = [];
      for (let i = 0; i < this.count; i++) list.push(this.first + i);
      list.push(offset);
      this.list = list;
    }
  }

  /** The offset of message `index` (0 ≤ index < length). */
  at(index: number): number {
    return this.list === null ? this.first + index : this.list[index]!;
  }

  /** Keeps the first `length` offsets. */
  truncate(length: number): void {
    if (this.list !== null) this.list.length = Math.min(this.list.length, length);
    else this.count = Math.min(this.count, length);
  }

  /** The index of the first offset at or above `offset`, or length when none is. */
  indexFrom(offset: number): number {
    if (this.list !== null) {
      const index = this.list.findIndex((o) => o >= offset);
      return index < 0 ? this.list.length : index;
    }
    return Math.min(this.count, Math.max(0, offset - this.first));
  }

  /** The offsets from index `start` on. */
  slice(start: number): MessageOffsets {
    const out = new MessageOffsets();
    if (this.list === null) {
      out.first = this.first + start;
      out.count = Math.max(0, this.count - start);
    } else for (let i = start; i < this.list.length; i++) out.push(this.list[i]!);
    return out;
  }

  toArray(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.at(i));
    return out;
  }
}
