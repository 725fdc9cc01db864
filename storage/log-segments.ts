// What a partition's readers see: its segments in offset order (the last one active), the log start and
// end offsets, and the tail cache of the newest appends. Kafka's LogSegments plus the offsets bounding it.
//
// Invariants kept here: the segments are in offset order and never overlap (a compacted log has gaps
// between them) and the active one is never removed; the tail cache
// holds batches ending at the log end, so whenever the end moves back the cache is emptied; every move
// back of the end is a truncation, counted when it starts and when it ends (truncationCount).
import type { Segment } from './segment.js';
import { TailCache } from './tail-cache.js';
import type { TailCacheBudget } from './tail-cache-budget.js';

export class LogSegments {
  #segments: Segment[];
  #start: number;
  #end: number;
  #truncations = 0;
  readonly #cache: TailCache;

  constructor(segments: Segment[], logStartOffset: number, tailCacheBytes: number, tailCacheBudget?: TailCacheBudget) {
    this.#segments = segments;
    this.#start = logStartOffset;
    this.#end = this.active.nextOffset;
    this.#cache = new TailCache(tailCacheBytes, tailCacheBudget);
  }

  get all(): readonly Segment[] {
    return this.#segments;
  }

  get active(): Segment {
    return this.#segments[this.#segments.length - 1]!;
  }

  get count(): number {
    return this.#segments.length;
  }

  get sizeInBytes(): number {
    return this.#segments.reduce((sum, s) => sum + s.size, 0);
  }

  get logStartOffset(): number {
    return this.#start;
  }

  /** Next offset to be assigned; every offset below it is written (readable). */
  get logEndOffset(): number {
    return this.#end;
  }

  /**
   * Bumped when a truncation starts and again when it ends, so bytes read before or during one can be
   * told from bytes read after it: a reader that kept bytes for later (the broker's fetch read-ahead)
   * compares it.
   */
  get truncationCount(): number {
    return this.#truncations;
  }

  /** First offset the tail cache serves, or Infinity when it is empty. */
  get cachedFrom(): number {
    return this.#cache.firstOffset;
  }

  readCached(offset: number, maxBytes: number, maxOffset: number, oversizedFirst = true, pin = false) {
    return this.#cache.read(offset, maxBytes, maxOffset, oversizedFirst, pin);
  }

  includes(segment: Segment): boolean {
    return this.#segments.includes(segment);
  }

  /** The last segment whose base offset is <= offset (the first one when offset is below all). */
  segmentFor(offset: number): Segment {
    const segments = this.#segments;
    let lo = 0;
    let hi = segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return segments[lo]!;
  }

  /** The first segment whose base offset is above `offset`, if any. */
  segmentAfter(offset: number): Segment | undefined {
    const current = this.segmentFor(offset);
    const next = this.#segments[this.#segments.indexOf(current) + 1];
    return next !== undefined && next.baseOffset > offset ? next : undefined;
  }

  /**
   * The cleaner's swap: `old` (a run of consecutive sealed segments) is replaced by `cleaned`, which holds
   * what the cleaner kept of them under the first one's base offset. Readers holding an old segment go on
   * reading its file.
   */
  replaceRun(old: readonly Segment[], cleaned: Segment): void {
    const at = this.#segments.indexOf(old[0]!);
    const next = this.#segments[at + old.length]!;
    this.#segments = [...this.#segments.slice(0, at), cleaned, ...this.#segments.slice(at + old.length)];
    // The cache holds the batches as appended: readers must not be served what the cleaner removed.
    if (this.#cache.firstOffset < next.baseOffset) this.#cache.clear();
  }

  /** An append is written up to `end`: readers see it, and its buffer joins the tail cache. */
  appended(end: number, buffer: Buffer, positions: number[], baseOffsets: number[], lastOffsets: number[]): void {
    this.#end = end;
    this.#cache.add(buffer, positions, baseOffsets, lastOffsets);
  }

  /** A roll: `segment` becomes the active one. */
  push(segment: Segment): void {
    this.#segments.push(segment);
  }

  /** Moves the log start forward (deleteRecordsBefore); segments wholly below it go with removeOldest. */
  moveStart(offset: number): void {
    this.#start = offset;
  }

  /** Removes `count` segments from the front; the log start moves to at least the first one left. */
  removeOldest(count: number): void {
    this.#segments = this.#segments.slice(count);
    this.#start = Math.max(this.#start, this.#segments[0]!.baseOffset);
  }

  /** Removes and returns every segment after `segment` (which becomes the active one). */
  removeAfter(segment: Segment): Segment[] {
    const index = this.#segments.indexOf(segment);
    if (index < 0) return [];
    const later = this.#segments.slice(index + 1);
    this.#segments = this.#segments.slice(0, index + 1);
    return later;
  }

  /** Replaces every segment with `segment`, the log restarting empty at its base; returns the old ones. */
  replaceAll(segment: Segment): Segment[] {
    const old = this.#segments;
    this.#segments = [segment];
    this.#start = segment.baseOffset;
    return old;
  }

  truncationStarted(): void {
    this.#truncations++;
  }

  /** Readers stop seeing anything at or after `offset` (a truncation in progress; the files follow). */
  hideFrom(offset: number): void {
    this.#end = offset;
    this.#cache.clear();
  }

  /** The truncation is done and the log ends at `end`. */
  truncationEnded(end: number): void {
    this.hideFrom(end);
    this.#truncations++;
  }

  /** The log closes: the cached buffers are let go. */
  dropCache(): void {
    this.#cache.clear();
  }
}
