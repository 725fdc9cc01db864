// The records of a share-partition's window in offset order: appended at the end (loads come in offset
// order), removed only from the front (as the start offset passes them), found by offset. A Map alone keeps
// insertion order too, but a walk from its start steps over every entry deleted since V8 last rehashed it,
// and the window deletes at its front on every advance: each walk from the start paid for up to a window
// of dead slots. Lookups by offset need no map either: offsets are mostly consecutive, so an offset's
// index is its distance from the first offset, checked, with a binary search where the log has gaps
// (compaction, transaction markers).
interface Entry {
  readonly record: { readonly offset: number };
}

/** Dead slots at the front of the array are dropped once there are this many and they are half of it. */
const COMPACT_AFTER = 1024;

export class WindowQueue<E extends Entry> {
  #items: E[] = [];
  /** Index of the first live entry of #items. */
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  get(offset: number): E | undefined {
    const items = this.#items;
    const first = items[this.#head];
    // Below the first: not held (the slots before #head are dead, never to be read).
    if (first === undefined || offset < first.record.offset) return undefined;
    const guess = items[this.#head + offset - first.record.offset];
    if (guess !== undefined && guess.record.offset === offset) return guess;
    let low = this.#head;
    let high = items.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const at = items[mid]!.record.offset;
      if (at === offset) return items[mid];
      if (at < offset) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }

  /** Appends an entry; its offset is above every offset held. */
  push(entry: E): void {
    this.#items.push(entry);
  }

  /** The entry of the lowest offset, or undefined when empty. */
  first(): E | undefined {
    return this.#items[this.#head];
  }

  /** Removes the entry of the lowest offset. */
  shift(): void {
    const entry = this.#items[this.#head];
    if (entry === undefined) return;
    this.#head++;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The i-th entry in offset order (0 is the first). */
  at(i: number): E | undefined {
    return this.#items[this.#head + i];
  }

  *values(): IterableIterator<E> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i]!;
  }
}
