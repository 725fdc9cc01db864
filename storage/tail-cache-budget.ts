// The bytes all tail caches of a LogManager may hold together. Each partition's cache has its own bound
// (4 MiB by default); with thousands of partitions those bounds add up to more memory than the machine
// has, so the caches also share this budget. A cache holds its appends in slabs (tail-cache.ts); when a
// new slab takes the total over the budget, the oldest slabs of the whole broker are dropped first,
// whichever partition holds them: an idle partition's cache empties before a busy one's newest appends.
// A dropped append is read from the log instead.
//
// Invariants: `bytes` is the sum of the slabs still held by every cache of this budget, and of the slabs
// they dropped while a read's view pinned them (tail-cache.ts, "Pins"), until unpinned, each counted at
// its size. Every slab gets the next sequence number; the queue lists (cache, sequence) of every held slab
// in that order, plus slabs dropped since (skipped when met). It holds no reference to a slab, so a
// dropped slab is garbage at once (once no read's view holds it).

/** What the budget asks of a cache. */
export interface BudgetedCache {
  /** Sequence number of the oldest slab the cache holds (Infinity when it holds none). */
  readonly oldestSequence: number;
  /** Drops the oldest slab the cache holds. */
  dropOldest(): void;
}

/** Default for all the tail caches of one LogManager together. */
export const DEFAULT_TAIL_CACHE_TOTAL_BYTES = 256 * 1024 * 1024;

export class TailCacheBudget {
  #bytes = 0;
  #pinnedBytes = 0;
  /** Bytes of every slab a read pins, held or dropped (tail-cache.ts, "Pins"): at most half the budget. */
  #pinnedAll = 0;
  #held = 0;
  #nextSequence = 0;
  #caches: BudgetedCache[] = [];
  #sequences: number[] = [];
  #head = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes held by all the caches now, and by slabs they dropped that reads still pin. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Of `bytes`: the slabs caches dropped that reads still pin (a response not written yet). */
  get pinnedBytes(): number {
    return this.#pinnedBytes;
  }

  /**
   * Reads may pin slabs of `bytes` more (slabs no read pins yet): while every pinned slab, held or dropped,
   * comes to at most half the budget. Else the read copies its bytes instead.
   */
  mayPin(bytes: number): boolean {
    return this.#pinnedAll + bytes <= this.maxBytes / 2;
  }

  /** A slab of `bytes` got its first pin. */
  pinned(bytes: number): void {
    this.#pinnedAll += bytes;
  }

  /** A slab of `bytes` the cache still holds lost its last pin. */
  unpinnedHeld(bytes: number): void {
    this.#pinnedAll -= bytes;
  }

  /**
   * A cache took a slab of `bytes`: returns its sequence number. Older slabs anywhere are dropped until
   * the total fits; the cache keeps the new slab even when it alone is over the budget.
   */
  added(cache: BudgetedCache, bytes: number): number {
    const sequence = this.#nextSequence++;
    this.#bytes += bytes;
    this.#held++;
    this.#caches.push(cache);
    this.#sequences.push(sequence);
    while (this.#bytes > this.maxBytes && this.#head < this.#caches.length - 1) {
      const oldest = this.#caches[this.#head]!;
      const oldestSequence = this.#sequences[this.#head]!;
      this.#head++;
      if (oldest.oldestSequence === oldestSequence) oldest.dropOldest();
    }
    this.#compact();
    return sequence;
  }

  /**
   * A cache let a slab of `bytes` go (its own bound, a clear, or the budget's request). `pinned`: a read's
   * view still keeps it alive, and its bytes stay counted until unpinnedDropped().
   */
  dropped(bytes: number, pinned = false): void {
    if (pinned) this.#pinnedBytes += bytes;
    else this.#bytes -= bytes;
    this.#held--;
  }

  /** A slab of `bytes` that a cache dropped while pinned lost its last pin. */
  unpinnedDropped(bytes: number): void {
    this.#bytes -= bytes;
    this.#pinnedBytes -= bytes;
    this.#pinnedAll -= bytes;
  }

  /** Forgets queue slots already passed and, when at least half the queued slabs are gone, the dropped ones. */
  #compact(): void {
    const queued = this.#caches.length - this.#head;
    if (queued >= 64 && queued >= 2 * this.#held) {
      const caches: BudgetedCache[] = [];
      const sequences: number[] = [];
      for (let i = this.#head; i < this.#caches.length; i++) {
        const cache = this.#caches[i]!;
        if (this.#sequences[i]! < cache.oldestSequence) continue;
        caches.push(cache);
        sequences.push(this.#sequences[i]!);
      }
      this.#caches = caches;
      this.#sequences = sequences;
      this.#head = 0;
    } else if (this.#head > 64 && this.#head * 2 > this.#caches.length) {
      this.#caches = this.#caches.slice(this.#head);
      this.#sequences = this.#sequences.slice(this.#head);
      this.#head = 0;
    }
  }
}
