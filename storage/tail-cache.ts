// Bounded in-memory cache of the most recent appends, so consumers at the end of the log are served
// without a disk read. It holds the appended buffers themselves (the log owns them after append), so
// caching costs no copy. Invariant: the entries are a contiguous run of batches ending at the log end;
// total bytes stay <= maxBytes except that the newest append is always kept. The caches of a LogManager
// also share a TailCacheBudget, which may drop a cache's oldest appends (all of them, for an idle
// partition) to keep the total of all caches within its bound; that keeps the invariant too.
import type { BudgetedCache, TailCacheBudget } from './tail-cache-budget.js';

interface CachedAppend {
  buffer: Buffer;
  /** The budget's sequence number (-1 without a budget). */
  sequence: number;
  /** Per batch in `buffer`: byte position, base offset and last offset. */
  positions: number[];
  baseOffsets: number[];
  lastOffsets: number[];
}

export class TailCache implements BudgetedCache {
  private entries: CachedAppend[] = [];
  private head = 0;
  bytes = 0;

  constructor(
    readonly maxBytes: number,
    private readonly budget?: TailCacheBudget,
  ) {}

  /** First offset served from memory, or Infinity when empty. */
  get firstOffset(): number {
    return this.head < this.entries.length ? this.entries[this.head]!.baseOffsets[0]! : Number.POSITIVE_INFINITY;
  }

  add(buffer: Buffer, positions: number[], baseOffsets: number[], lastOffsets: number[]): void {
    if (this.maxBytes <= 0) return;
    const entry: CachedAppend = { buffer, positions, baseOffsets, lastOffsets, sequence: -1 };
    this.entries.push(entry);
    this.bytes += buffer.length;
    while (this.bytes > this.maxBytes && this.entries.length - this.head > 1) this.dropOldest();
    if (this.budget) entry.sequence = this.budget.added(this, buffer.length);
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** The budget's sequence number of the oldest append held (Infinity when none). */
  get oldestSequence(): number {
    return this.head < this.entries.length ? this.entries[this.head]!.sequence : Number.POSITIVE_INFINITY;
  }

  clear(): void {
    if (this.budget)
      for (let i = this.head; i < this.entries.length; i++) this.budget.dropped(this.entries[i]!.buffer.length);
    this.entries = [];
    this.head = 0;
    this.bytes = 0;
  }

  dropOldest(): void {
    const oldest = this.entries[this.head]!;
    this.entries[this.head++] = undefined as unknown as CachedAppend;
    this.bytes -= oldest.buffer.length;
    this.budget?.dropped(oldest.buffer.length);
  }

  /**
   * Whole batches from the one holding `offset` (>= firstOffset), up to maxBytes (at least one batch), only
   * batches whose last offset is < maxOffset. Chunks are views into the cached buffers.
   */
  read(offset: number, maxBytes: number, maxOffset: number): { chunks: Buffer[]; bytes: number; nextOffset: number } {
    const chunks: Buffer[] = [];
    let total = 0;
    let nextOffset = offset;
    let e = this.findEntry(offset);
    if (e < 0) return { chunks, bytes: 0, nextOffset };
    let b = this.entries[e]!.lastOffsets.findIndex((last) => last >= offset);
    for (; e < this.entries.length; e++, b = 0) {
      const entry = this.entries[e]!;
      const from = b;
      let taken = 0;
      for (; b < entry.positions.length; b++) {
        const size = (entry.positions[b + 1] ?? entry.buffer.length) - entry.positions[b]!;
        if (entry.lastOffsets[b]! >= maxOffset || (total + taken > 0 && total + taken + size > maxBytes)) break;
        taken += size;
      }
      if (taken > 0) {
        chunks.push(entry.buffer.subarray(entry.positions[from]!, entry.positions[from]! + taken));
        nextOffset = entry.lastOffsets[b - 1]! + 1;
      }
      total += taken;
      if (b < entry.positions.length) break;
    }
    return { chunks, bytes: total, nextOffset };
  }

  private findEntry(offset: number): number {
    let lo = this.head;
    let hi = this.entries.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const entry = this.entries[mid]!;
      if (entry.lastOffsets[entry.lastOffsets.length - 1]! >= offset) {
        found = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    return found;
  }
}
