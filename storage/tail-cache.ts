// Bounded in-memory cache of the most recent appends, so consumers at the end of the log are served
// without a disk read. It holds the appended buffers themselves (the log owns them after append), so
// caching costs no copy. Invariant: the entries are a contiguous run of batches ending at the log end;
// total bytes stay <= maxBytes except that the newest append is always kept. The caches of a LogManager
// also share a TailCacheBudget, which may drop a cache's oldest appends (all of them, for an idle
// partition) to keep the total of all caches within its bound; that keeps the invariant too.
import type { BudgetedCache, TailCacheBudget } from './tail-cache-budget.js';

// Layout: no object per append. Appends are rows of parallel arrays (`buffers`, `sequences`,
// `firstBatch`), batches rows of three number arrays (`positions`, `baseOffsets`, `lastOffsets`); append
// `e` holds batches firstBatch[e] .. firstBatch[e + 1] - 1 (the last append: .. the end of the batch rows).
// Rows before `head` (and before firstBatch[head]) are dropped; the arrays are cut when over half is dropped.
// Every append stays cached for seconds (tens of thousands of small appends per partition), so each one
// costs the heap only its buffer's handle and numbers in arrays: nothing more for each scavenge to copy and
// promote, or for a full GC to mark.
export class TailCache implements BudgetedCache {
  private buffers: Array<Buffer | undefined> = [];
  /** Per append: the budget's sequence number (-1 without a budget). */
  private sequences: number[] = [];
  /** Per append: the index of its first batch in the batch rows. */
  private firstBatch: number[] = [];
  /** Per batch: byte position in its append's buffer, base offset and last offset. */
  private positions: number[] = [];
  private baseOffsets: number[] = [];
  private lastOffsets: number[] = [];
  private head = 0;
  bytes = 0;

  constructor(
    readonly maxBytes: number,
    private readonly budget?: TailCacheBudget,
  ) {}

  /** First offset served from memory, or Infinity when empty. */
  get firstOffset(): number {
    return this.head < this.buffers.length ? this.baseOffsets[this.firstBatch[this.head]!]! : Number.POSITIVE_INFINITY;
  }

  add(buffer: Buffer, positions: number[], baseOffsets: number[], lastOffsets: number[]): void {
    if (this.maxBytes <= 0) return;
    const e = this.buffers.length;
    this.buffers.push(buffer);
    this.sequences.push(-1);
    this.firstBatch.push(this.positions.length);
    for (let i = 0; i < positions.length; i++) {
      this.positions.push(positions[i]!);
      this.baseOffsets.push(baseOffsets[i]!);
      this.lastOffsets.push(lastOffsets[i]!);
    }
    this.bytes += buffer.length;
    while (this.bytes > this.maxBytes && this.buffers.length - this.head > 1) this.dropOldest();
    if (this.budget) this.sequences[e - this.compact()] = this.budget.added(this, buffer.length);
    else this.compact();
  }

  /** Cuts the dropped rows off once they are over half of the arrays; returns how many appends went. */
  private compact(): number {
    const cut = this.head;
    if (cut <= 64 || cut * 2 <= this.buffers.length) return 0;
    const batchCut = this.firstBatch[cut]!;
    this.buffers = this.buffers.slice(cut);
    this.sequences = this.sequences.slice(cut);
    this.firstBatch = this.firstBatch.slice(cut);
    for (let i = 0; i < this.firstBatch.length; i++) this.firstBatch[i] = this.firstBatch[i]! - batchCut;
    this.positions = this.positions.slice(batchCut);
    this.baseOffsets = this.baseOffsets.slice(batchCut);
    this.lastOffsets = this.lastOffsets.slice(batchCut);
    this.head = 0;
    return cut;
  }

  /** The budget's sequence number of the oldest append held (Infinity when none). */
  get oldestSequence(): number {
    return this.head < this.buffers.length ? this.sequences[this.head]! : Number.POSITIVE_INFINITY;
  }

  clear(): void {
    if (this.budget) for (let i = this.head; i < this.buffers.length; i++) this.budget.dropped(this.buffers[i]!.length);
    this.buffers = [];
    this.sequences = [];
    this.firstBatch = [];
    this.positions = [];
    this.baseOffsets = [];
    this.lastOffsets = [];
    this.head = 0;
    this.bytes = 0;
  }

  dropOldest(): void {
    const oldest = this.buffers[this.head]!;
    this.buffers[this.head++] = undefined;
    this.bytes -= oldest.length;
    this.budget?.dropped(oldest.length);
  }

  /** One past the last batch row of append `e`. */
  private batchEnd(e: number): number {
    return e + 1 < this.buffers.length ? this.firstBatch[e + 1]! : this.positions.length;
  }

  /**
   * Whole batches from the one holding `offset` (>= firstOffset), up to maxBytes (at least one batch, unless
   * `oversizedFirst` is false), only batches whose last offset is < maxOffset. Chunks are views into the
   * cached buffers.
   */
  read(
    offset: number,
    maxBytes: number,
    maxOffset: number,
    oversizedFirst = true,
  ): { chunks: Buffer[]; bytes: number; nextOffset: number } {
    let chunks: Buffer[] | null = null;
    let total = 0;
    let nextOffset = offset;
    let e = this.findEntry(offset);
    if (e < 0) return { chunks: [], bytes: 0, nextOffset };
    let b = this.firstBatch[e]!;
    while (this.lastOffsets[b]! < offset) b++;
    for (; e < this.buffers.length; e++, b = this.firstBatch[e] ?? b) {
      const buffer = this.buffers[e]!;
      const end = this.batchEnd(e);
      const from = b;
      let taken = 0;
      for (; b < end; b++) {
        const size = (b + 1 < end ? this.positions[b + 1]! : buffer.length) - this.positions[b]!;
        const counted = total + taken > 0 || !oversizedFirst;
        if (this.lastOffsets[b]! >= maxOffset || (counted && total + taken + size > maxBytes)) break;
        taken += size;
      }
      if (taken > 0) {
        const chunk = buffer.subarray(this.positions[from]!, this.positions[from]! + taken);
        // Usually one chunk (one append): an array of exactly one, not a grown one.
        if (chunks === null) chunks = [chunk];
        else chunks.push(chunk);
        nextOffset = this.lastOffsets[b - 1]! + 1;
      }
      total += taken;
      if (b < end) break;
    }
    return { chunks: chunks ?? [], bytes: total, nextOffset };
  }

  private findEntry(offset: number): number {
    let lo = this.head;
    let hi = this.buffers.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.lastOffsets[this.batchEnd(mid) - 1]! >= offset) {
        found = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    return found;
  }
}
