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
// Pins: a view keeps its whole slab alive for as long as a socket holds it, after the cache has dropped
// the slab too. A reader whose views may outlive the moment (a fetch response waiting for a slow client)
// asks read() to pin the slabs it viewed and releases the pins once nothing references the chunks. A slab
// dropped while pinned stays counted against the shared budget until its last pin goes, and the budget
// drops other slabs to make room: a slab is pinned only while held, and dropping it moves its bytes from
// held to pinned without changing the total. A read pins only while every pinned slab, held or dropped,
// comes to at most half the shared budget; past that it copies its bytes out instead (a buffer of their
// size, which the reader's own budget counts). So there are always unpinned slabs to drop, and the slabs
// held and those views keep alive stay within the budget together (plus the newest slab, as before), however
// many responses wait. The partition's own bound counts only the slabs held.
//
// Layout: no object per append or per batch. Slabs are rows of parallel arrays (`slabs`, `charges`,
// `sequences`, `firstBatch`, `pins`); batches are rows of BatchRows, numbered in the order they were added.
// Slab `s` holds batches firstBatch[s] .. firstBatch[s + 1] - 1 (the last slab: .. the last batch). Slab
// rows before `headSlab` are dropped, and cut off the arrays when over half of them are.
import type { BudgetedCache, TailCacheBudget } from './tail-cache-budget.js';

/** An append larger than this is held as it is (a slab of its own) instead of copied. */
const MAX_COPY_BYTES = 16 * 1024;
/**
 * A cache's first slab for copies (and its first after it emptied or held a large append); each next one, opened
 * when the last is full, doubles, up to MAX_SLAB_BYTES.
 */
const MIN_SLAB_BYTES = 4 * 1024;
const MAX_SLAB_BYTES = 256 * 1024;

/** Rows a BatchRows allocates first, and never shrinks below while it holds any. */
const MIN_ROWS = 64;
const NO_ROWS = new Float64Array(0);

/**
 * Four numbers per batch (its start and end in its slab, its base and last offset) in one Float64Array used
 * as a ring: batch `b` (numbered from 0 as added, again from 0 after clear()) is row b % capacity. Rows
 * head .. next - 1 are held. The ring doubles when full, halves when a quarter full and is let go when empty
 * (an idle partition's cache holds nothing), so a batch costs no allocation, and its numbers live outside the
 * JavaScript heap, where no scavenge copies them.
 */
class BatchRows {
  private rows = NO_ROWS;
  private capacity = 0;
  /** The first batch held, and the number the next batch gets. */
  head = 0;
  next = 0;

  push(start: number, end: number, baseOffset: number, lastOffset: number): void {
    if (this.next - this.head === this.capacity) this.resize(Math.max(MIN_ROWS, this.capacity * 2));
    const i = (this.next % this.capacity) * 4;
    this.rows[i] = start;
    this.rows[i + 1] = end;
    this.rows[i + 2] = baseOffset;
    this.rows[i + 3] = lastOffset;
    this.next++;
  }

  start(b: number): number {
    return this.rows[(b % this.capacity) * 4]!;
  }

  end(b: number): number {
    return this.rows[(b % this.capacity) * 4 + 1]!;
  }

  baseOffset(b: number): number {
    return this.rows[(b % this.capacity) * 4 + 2]!;
  }

  lastOffset(b: number): number {
    return this.rows[(b % this.capacity) * 4 + 3]!;
  }

  /** Drops the rows before batch `b`. */
  dropBefore(b: number): void {
    this.head = b;
    let capacity = this.capacity;
    if (this.next === this.head) capacity = 0;
    else while (capacity > MIN_ROWS && (this.next - this.head) * 4 <= capacity) capacity /= 2;
    if (capacity !== this.capacity) this.resize(capacity);
  }

  clear(): void {
    this.head = 0;
    this.next = 0;
    this.rows = NO_ROWS;
    this.capacity = 0;
  }

  private resize(capacity: number): void {
    const rows = capacity === 0 ? NO_ROWS : new Float64Array(4 * capacity);
    for (let b = this.head; b < this.next; b++) {
      const from = (b % this.capacity) * 4;
      const to = (b % capacity) * 4;
      for (let k = 0; k < 4; k++) rows[to + k] = this.rows[from + k]!;
    }
    this.rows = rows;
    this.capacity = capacity;
  }
}

/**
 * The slabs one read viewed (numbers `first` .. `last`), pinned: release() once nothing references the
 * read's chunks (once, exactly).
 */
export class SlabPins {
  constructor(
    private readonly cache: TailCache,
    private readonly first: number,
    private readonly last: number,
  ) {}

  release(): void {
    for (let slab = this.first; slab <= this.last; slab++) this.cache.unpin(slab);
  }
}

export class TailCache implements BudgetedCache {
  private slabs: Array<Buffer | undefined> = [];
  /** Per slab: the bytes it counts against the bounds (its size). */
  private charges: number[] = [];
  /** Per slab: the budget's sequence number (-1 without a budget). */
  private sequences: number[] = [];
  /** Per slab: the number of its first batch. */
  private firstBatch: number[] = [];
  /** Per slab: the pins reads hold on it. */
  private pins: number[] = [];
  private headSlab = 0;
  /** The number of slab row 0: slabs are numbered from 0 in the order opened, never reused. */
  private firstSlabNumber = 0;
  /** Slabs dropped while pinned, by number: their pins and charge, until the last pin goes. */
  private readonly pinnedDropped = new Map<number, { pins: number; charge: number }>();
  private readonly batches = new BatchRows();
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
    const { head, next } = this.batches;
    return head < next ? this.batches.baseOffset(head) : Number.POSITIVE_INFINITY;
  }

  /**
   * An append: `buffer` holds its batches, batch i from positions[i] to positions[i + 1] (the last one to the
   * buffer's end), with those base and last offsets. The caller must not change the buffer's bytes afterwards.
   */
  add(buffer: Buffer, positions: number[], baseOffsets: number[], lastOffsets: number[]): void {
    if (this.maxBytes <= 0) return;
    const from = positions[0]!;
    const length = buffer.length - from;
    let at: number;
    if (length > MAX_COPY_BYTES || length > this.maxBytes) {
      at = 0;
      // The copy slab before it ends here, unfilled: the next one starts small again.
      this.room = 0;
      this.nextSlabBytes = MIN_SLAB_BYTES;
      this.openSlab(buffer, buffer.length);
    } else {
      if (length > this.room) {
        const size = Math.max(length, Math.min(this.nextSlabBytes, Math.floor(this.maxBytes / 4)));
        this.nextSlabBytes = Math.min(size * 2, MAX_SLAB_BYTES);
        this.openSlab(Buffer.allocUnsafeSlow(size), size);
        this.fill = 0;
        this.room = size;
      }
      at = this.fill - from;
      buffer.copy(this.slabs[this.slabs.length - 1]!, this.fill, from);
      this.fill += length;
      this.room -= length;
    }
    const n = positions.length;
    for (let i = 0; i < n; i++)
      this.batches.push(
        at + positions[i]!,
        at + (i + 1 < n ? positions[i + 1]! : buffer.length),
        baseOffsets[i]!,
        lastOffsets[i]!,
      );
    this.compact();
  }

  /** A new last slab: the oldest go while over maxBytes (never the new one), and the budget is told. */
  private openSlab(slab: Buffer, charge: number): void {
    const s = this.slabs.length;
    this.slabs.push(slab);
    this.charges.push(charge);
    this.sequences.push(-1);
    this.firstBatch.push(this.batches.next);
    this.pins.push(0);
    this.bytes += charge;
    while (this.bytes > this.maxBytes && this.headSlab < s) this.dropOldest();
    // The budget may drop this cache's older slabs, never the one it is told of now.
    if (this.budget) this.sequences[s] = this.budget.added(this, charge);
  }

  /** Cuts the dropped slab rows off once they are over half of them. */
  private compact(): void {
    const cut = this.headSlab;
    if (cut <= 64 || cut * 2 <= this.slabs.length) return;
    this.slabs = this.slabs.slice(cut);
    this.charges = this.charges.slice(cut);
    this.sequences = this.sequences.slice(cut);
    this.firstBatch = this.firstBatch.slice(cut);
    this.pins = this.pins.slice(cut);
    this.firstSlabNumber += cut;
    this.headSlab = 0;
  }

  /** The budget's sequence number of the oldest slab held (Infinity when none). */
  get oldestSequence(): number {
    return this.headSlab < this.slabs.length ? this.sequences[this.headSlab]! : Number.POSITIVE_INFINITY;
  }

  clear(): void {
    for (let s = this.headSlab; s < this.slabs.length; s++) this.letGo(s);
    this.firstSlabNumber += this.slabs.length;
    this.slabs = [];
    this.charges = [];
    this.sequences = [];
    this.firstBatch = [];
    this.pins = [];
    this.headSlab = 0;
    this.batches.clear();
    this.fill = 0;
    this.room = 0;
    this.nextSlabBytes = MIN_SLAB_BYTES;
    this.bytes = 0;
  }

  /** Drops the oldest slab and every batch in it. Does not cut the arrays (the budget calls it in a loop). */
  dropOldest(): void {
    const s = this.headSlab++;
    this.slabs[s] = undefined;
    this.batches.dropBefore(s + 1 < this.slabs.length ? this.firstBatch[s + 1]! : this.batches.next);
    this.bytes -= this.charges[s]!;
    this.letGo(s);
    if (this.headSlab === this.slabs.length) {
      // Emptied (an idle partition's cache, by the budget): the next append starts small again.
      this.room = 0;
      this.nextSlabBytes = MIN_SLAB_BYTES;
    }
  }

  /** Slab row `s` leaves the cache: the budget gets its bytes back now, or when its last pin goes. */
  private letGo(s: number): void {
    const pins = this.pins[s]!;
    if (pins > 0) this.pinnedDropped.set(this.firstSlabNumber + s, { pins, charge: this.charges[s]! });
    this.budget?.dropped(this.charges[s]!, pins > 0);
  }

  /** A read's pin on slab number `slab` goes (SlabPins.release). */
  unpin(slab: number): void {
    const s = slab - this.firstSlabNumber;
    if (s >= this.headSlab && s < this.slabs.length) {
      if (--this.pins[s]! === 0) this.budget?.unpinnedHeld(this.charges[s]!);
      return;
    }
    const dropped = this.pinnedDropped.get(slab);
    if (!dropped || --dropped.pins > 0) return;
    this.pinnedDropped.delete(slab);
    this.budget?.unpinnedDropped(dropped.charge);
  }

  /**
   * Whole batches from the one holding `offset` (>= firstOffset), up to maxBytes (at least one batch, unless
   * `oversizedFirst` is false), only batches whose last offset is < maxOffset. Chunks are views into the
   * slabs, one per run of adjacent batches (usually one). `pin`: the slabs viewed are pinned (see the file
   * comment); `pins` is then set when any chunk is returned, for the caller to release.
   */
  read(
    offset: number,
    maxBytes: number,
    maxOffset: number,
    oversizedFirst = true,
    pin = false,
  ): { chunks: Buffer[]; bytes: number; nextOffset: number; pins: SlabPins | null } {
    let chunks: Buffer[] | null = null;
    let total = 0;
    let nextOffset = offset;
    let b = this.findBatch(offset);
    if (b < 0) return { chunks: [], bytes: 0, nextOffset, pins: null };
    const batches = this.batches;
    let s = this.slabOf(b);
    const firstSlab = s;
    // The run of adjacent batches not yet cut into a chunk: slab `s`, bytes runStart..runEnd.
    let runStart = -1;
    let runEnd = -1;
    for (; b < batches.next; b++) {
      const start = batches.start(b);
      const end = batches.end(b);
      const counted = total > 0 || !oversizedFirst;
      if (batches.lastOffset(b) >= maxOffset || (counted && total + end - start > maxBytes)) break;
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
      nextOffset = batches.lastOffset(b) + 1;
    }
    if (runStart < 0) return { chunks: chunks ?? [], bytes: total, nextOffset, pins: null };
    const chunk = this.slabs[s]!.subarray(runStart, runEnd);
    if (chunks === null) chunks = [chunk];
    else chunks.push(chunk);
    if (!pin) return { chunks, bytes: total, nextOffset, pins: null };
    if (this.budget) {
      let newlyPinned = 0;
      for (let k = firstSlab; k <= s; k++) if (this.pins[k] === 0) newlyPinned += this.charges[k]!;
      // Pinned slabs already take half the budget: this read's bytes are copied out instead, a buffer of
      // their size (what the caller's response budget counts), and nothing is pinned.
      if (!this.budget.mayPin(newlyPinned))
        return { chunks: [Buffer.concat(chunks, total)], bytes: total, nextOffset, pins: null };
      if (newlyPinned > 0) this.budget.pinned(newlyPinned);
    }
    for (let k = firstSlab; k <= s; k++) this.pins[k]!++;
    const pins = new SlabPins(this, this.firstSlabNumber + firstSlab, this.firstSlabNumber + s);
    return { chunks, bytes: total, nextOffset, pins };
  }

  /** The first batch held whose last offset is >= offset, or -1. */
  private findBatch(offset: number): number {
    let lo = this.batches.head;
    let hi = this.batches.next - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.batches.lastOffset(mid) >= offset) {
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
