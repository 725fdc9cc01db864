// Bounded in-memory cache of the most recent appends, so consumers at the end of the log are served
// without a disk read. Invariant: the batches held are a contiguous run ending at the log end; the bytes
// the cache counts (below) stay <= maxBytes except that the slab holding the newest append is always kept.
// The caches of a LogManager also share a TailCacheBudget, which may drop a cache's oldest slabs (all of
// them, for an idle partition) to keep the total of all caches within its bound; that keeps the invariant too.
//
// Slabs: small appends are copied, one after another, into a slab (a buffer the cache allocates); an
// append over MAX_COPY_BYTES is a slab of its own, held as it is (the log owns it after the append). A
// slab's bytes are written once and never again, so the views a read hands out stay valid however long a
// socket holds them. A slab counts its whole size (what it holds in memory), and slabs are dropped whole,
// oldest first. Why slabs: every append stays cached for seconds (thousands of small appends per partition),
// and a Buffer held per append lived that long too, survived two scavenges each, was promoted and left to a
// full collection: copied and promoted by every scavenge, it doubled the broker's scavenge pauses and grew its
// old generation steadily (bench/RESULTS.md, "the tail cache's slabs"). A slab is one Buffer for hundreds of
// appends; a copy of a small append costs less than the handle did.
//
// Layout: no object per append or per batch. Slabs are rows of parallel arrays (`slabs`, `charges`,
// `sequences`, `firstBatch`); batches are rows of four number arrays (`starts`, `ends`: byte range in their
// slab; `baseOffsets`, `lastOffsets`). Slab `s` holds batches firstBatch[s] .. firstBatch[s + 1] - 1 (the
// last slab: .. the end of the batch rows). Rows before `headSlab` (and before `headBatch`) are dropped; the
// arrays are cut when over half of the batch rows are dropped.
import type { BudgetedCache, TailCacheBudget } from './tail-cache-budget.js';

/** An append larger than this is held as it is (a slab of its own) instead of copied. */
const MAX_COPY_BYTES = 16 * 1024;
/** A cache's first slab (and its first after it emptied); each next one doubles, up to MAX_SLAB_BYTES. */
const MIN_SLAB_BYTES = 4 * 1024;
const MAX_SLAB_BYTES = 256 * 1024;

export class TailCache implements BudgetedCache {
  private slabs: Array<Buffer | undefined> = [];
  /** Per slab: the bytes it counts against the bounds (its size). */
  private charges: number[] = [];
  /** Per slab: the budget's sequence number (-1 without a budget). */
  private sequences: number[] = [];
  /** Per slab: the index of its first batch in the batch rows. */
  private firstBatch: number[] = [];
  /** Per batch: its byte range in its slab, base offset and last offset. */
  private starts: number[] = [];
  private ends: number[] = [];
  private baseOffsets: number[] = [];
  private lastOffsets: number[] = [];
  private headSlab = 0;
  private headBatch = 0;
  /** Where the next copied append goes in the last slab, and the room left there (0: open a new slab). */
  private fill = 0;
  private room = 0;
  /** The size of the next slab opened for copies. */
  private nextSlabBytes = MIN_SLAB_BYTES;
  bytes = 0;

  constructor(
    readonly maxBytes: number,
    private readonly budget?: TailCacheBudget,
  ) {}

  /** First offset served from memory, or Infinity when empty. */
  get firstOffset(): number {
    return this.headBatch < this.baseOffsets.length ? this.baseOffsets[this.headBatch]! : Number.POSITIVE_INFINITY;
  }

  /**
   * An append: `buffer` holds its batches, batch i from positions[i] to positions[i + 1] (the last one to the
   * buffer's end), with those base and last offsets. The caller must not change the buffer's bytes afterwards.
   */
  add(buffer: Buffer, positions: number[], baseOffsets: number[], lastOffsets: number[]): void {
    if (this.maxBytes <= 0) return;
    const from = positions[0]!;
    const length = buffer.length - from;
    let slab: Buffer;
    let at: number;
    if (length > MAX_COPY_BYTES || length > this.maxBytes) {
      slab = buffer;
      at = 0;
      this.room = 0;
      this.openSlab(buffer, buffer.length);
    } else {
      if (length > this.room) {
        const size = Math.max(length, Math.min(this.nextSlabBytes, Math.floor(this.maxBytes / 4)));
        this.nextSlabBytes = Math.min(size * 2, MAX_SLAB_BYTES);
        this.openSlab(Buffer.allocUnsafeSlow(size), size);
        this.fill = 0;
        this.room = size;
      }
      slab = this.slabs[this.slabs.length - 1]!;
      at = this.fill - from;
      buffer.copy(slab, this.fill, from);
      this.fill += length;
      this.room -= length;
    }
    const n = positions.length;
    for (let i = 0; i < n; i++) {
      this.starts.push(at + positions[i]!);
      this.ends.push(at + (i + 1 < n ? positions[i + 1]! : buffer.length));
      this.baseOffsets.push(baseOffsets[i]!);
      this.lastOffsets.push(lastOffsets[i]!);
    }
    this.compact();
  }

  /** A new last slab: the oldest go while over maxBytes (never the new one), and the budget is told. */
  private openSlab(slab: Buffer, charge: number): void {
    const s = this.slabs.length;
    this.slabs.push(slab);
    this.charges.push(charge);
    this.sequences.push(-1);
    this.firstBatch.push(this.starts.length);
    this.bytes += charge;
    while (this.bytes > this.maxBytes && this.headSlab < s) this.dropOldest();
    // The budget may drop this cache's older slabs, never the one it is told of now.
    if (this.budget) this.sequences[s] = this.budget.added(this, charge);
  }

  /** Cuts the dropped rows off once they are over half of the batch rows. */
  private compact(): void {
    const batchCut = this.headBatch;
    if (batchCut <= 256 || batchCut * 2 <= this.starts.length) return;
    const cut = this.headSlab;
    this.slabs = this.slabs.slice(cut);
    this.charges = this.charges.slice(cut);
    this.sequences = this.sequences.slice(cut);
    this.firstBatch = this.firstBatch.slice(cut);
    for (let s = 0; s < this.firstBatch.length; s++) this.firstBatch[s] = this.firstBatch[s]! - batchCut;
    this.starts = this.starts.slice(batchCut);
    this.ends = this.ends.slice(batchCut);
    this.baseOffsets = this.baseOffsets.slice(batchCut);
    this.lastOffsets = this.lastOffsets.slice(batchCut);
    this.headSlab = 0;
    this.headBatch = 0;
  }

  /** The budget's sequence number of the oldest slab held (Infinity when none). */
  get oldestSequence(): number {
    return this.headSlab < this.slabs.length ? this.sequences[this.headSlab]! : Number.POSITIVE_INFINITY;
  }

  clear(): void {
    if (this.budget) for (let s = this.headSlab; s < this.slabs.length; s++) this.budget.dropped(this.charges[s]!);
    this.slabs = [];
    this.charges = [];
    this.sequences = [];
    this.firstBatch = [];
    this.starts = [];
    this.ends = [];
    this.baseOffsets = [];
    this.lastOffsets = [];
    this.headSlab = 0;
    this.headBatch = 0;
    this.fill = 0;
    this.room = 0;
    this.nextSlabBytes = MIN_SLAB_BYTES;
    this.bytes = 0;
  }

  /** Drops the oldest slab and every batch in it. Does not cut the arrays (the budget calls it in a loop). */
  dropOldest(): void {
    const s = this.headSlab++;
    this.slabs[s] = undefined;
    this.headBatch = s + 1 < this.slabs.length ? this.firstBatch[s + 1]! : this.starts.length;
    this.bytes -= this.charges[s]!;
    this.budget?.dropped(this.charges[s]!);
    if (this.headSlab === this.slabs.length) {
      // Emptied (an idle partition's cache, by the budget): the next append starts small again.
      this.room = 0;
      this.nextSlabBytes = MIN_SLAB_BYTES;
    }
  }

  /**
   * Whole batches from the one holding `offset` (>= firstOffset), up to maxBytes (at least one batch, unless
   * `oversizedFirst` is false), only batches whose last offset is < maxOffset. Chunks are views into the
   * slabs, one per run of adjacent batches (usually one).
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
    let b = this.findBatch(offset);
    if (b < 0) return { chunks: [], bytes: 0, nextOffset };
    let s = this.slabOf(b);
    const batches = this.starts.length;
    // The run of adjacent batches not yet cut into a chunk: slab `s`, bytes runStart..runEnd.
    let runStart = -1;
    let runEnd = -1;
    for (; b < batches; b++) {
      const start = this.starts[b]!;
      const end = this.ends[b]!;
      const counted = total > 0 || !oversizedFirst;
      if (this.lastOffsets[b]! >= maxOffset || (counted && total + end - start > maxBytes)) break;
      const nextSlab = s + 1 < this.slabs.length && this.firstBatch[s + 1]! <= b;
      if (runStart >= 0 && (nextSlab || start !== runEnd)) {
        const chunk = this.slabs[s]!.subarray(runStart, runEnd);
        // Usually one chunk: an array of exactly one, not a grown one.
        if (chunks === null) chunks = [chunk];
        else chunks.push(chunk);
        runStart = -1;
      }
      if (nextSlab) s = this.slabOf(b);
      if (runStart < 0) runStart = start;
      runEnd = end;
      total += end - start;
      nextOffset = this.lastOffsets[b]! + 1;
    }
    if (runStart >= 0) {
      const chunk = this.slabs[s]!.subarray(runStart, runEnd);
      if (chunks === null) chunks = [chunk];
      else chunks.push(chunk);
    }
    return { chunks: chunks ?? [], bytes: total, nextOffset };
  }

  /** The first batch held whose last offset is >= offset, or -1. */
  private findBatch(offset: number): number {
    let lo = this.headBatch;
    let hi = this.lastOffsets.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.lastOffsets[mid]! >= offset) {
        found = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    return found;
  }

  /** The slab holding batch `b` (a batch held). */
  private slabOf(b: number): number {
    let lo = this.headSlab;
    let hi = this.slabs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.firstBatch[mid]! <= b) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
