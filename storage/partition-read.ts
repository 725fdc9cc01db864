// The read side of a partition log (concurrency: see partition-log.ts). A read snapshots the log start and
// end synchronously, serves the tail from memory, and otherwise holds a reference on one segment while it
// does positional reads from its file. One read returns data from one segment at most (as Kafka does).
import type { Segment } from './segment.js';
import { INDEX_MISMATCH } from './segment.js';
import type { LogSegments } from './log-segments.js';
import type { ReadBufferPool } from './read-buffer-pool.js';
import { CorruptLogError, OffsetOutOfRangeError } from './errors.js';
import type { SlabPins } from './tail-cache.js';
import type { RecordCodecs } from './batch-records.js';

export interface ReadResult {
  /** Whole record batches in order; a chunk may hold several batches. Concatenated: valid batch bytes. */
  chunks: Buffer[];
  bytes: number;
  /** Offset after the last returned batch (the offset to read next); the requested offset when empty. */
  nextOffset: number;
  logStartOffset: number;
  logEndOffset: number;
  /**
   * The pool buffer the chunks are a view of (reads given a pool, served from a file), else null (tail
   * cache, fresh buffers). Release it to that pool once nothing references the chunks, or drop it.
   */
  lease: Buffer | null;
  /**
   * Reads asked to pin (ReadOptions.pin) and served from the tail cache: the cache's slabs the chunks are
   * views of, pinned; release() them once nothing references the chunks. Else null.
   */
  pins: SlabPins | null;
}

/**
 * Gives back what a read's result holds, once nothing references its chunks: its pool buffer (to the pool it
 * was read with) and its slab pins.
 */
export function releaseRead(read: ReadResult, pool: ReadBufferPool): void {
  if (read.lease) pool.release(read.lease);
  read.pins?.release();
}

export interface ReadOptions {
  maxBytes: number;
  /** Batches must end below it (the high watermark); default the log end. */
  maxOffset?: number;
  /** Take the file read's buffer from this pool (see ReadResult.lease). */
  pool?: ReadBufferPool;
  /**
   * Return the first batch even when it alone is larger than maxBytes (default true: Kafka's rule for a
   * fetch's first partition, so that a consumer always makes progress). False: such a batch is not read
   * and nothing is returned (a fetch's later partitions, which could not answer it).
   */
  oversizedFirstBatch?: boolean;
  /**
   * Read up to maxBytes exactly (a FetchPush stream's credit-sized reads). By default a pooled read's limit is
   * lowered, by at most a third, to a read size, so that reads reuse each other's buffers (segment.ts).
   */
  exactLimit?: boolean;
  /**
   * Pin the tail cache's slabs the chunks view (ReadResult.pins), so that they stay counted against the
   * caches' shared budget while the caller holds them, dropped or not (tail-cache.ts, "Pins"): for a reader
   * whose views may wait long (a fetch response for a client that does not read).
   */
  pin?: boolean;
}

/**
 * The read path of one partition: serves reads and time lookups from the segments and tail cache that
 * `LogSegments` holds; never mutates them. The one write it may need, rebuilding an index that lies, is
 * the owner's (`rebuildIndex`, inside the partition's queue).
 */
export class LogReader {
  readonly #log: LogSegments;
  readonly #name: string;
  readonly #rebuildIndex: (segment: Segment) => Promise<void>;
  readonly #codecs: RecordCodecs | undefined;

  constructor(
    log: LogSegments,
    name: string,
    rebuildIndex: (segment: Segment) => Promise<void>,
    codecs: RecordCodecs | undefined,
  ) {
    this.#log = log;
    this.#name = name;
    this.#rebuildIndex = rebuildIndex;
    this.#codecs = codecs;
  }

  /**
   * Not an async function: a read served from memory (the tail cache, or nothing to read), a caught-up
   * consumer's every read, makes its one result object and a settled promise, no async frame.
   */
  read(offset: number, options: ReadOptions): Promise<ReadResult> {
    const now = this.readNow(offset, options);
    if (now) return Promise.resolve(now);
    const { logStartOffset, logEndOffset } = this.#log;
    if (offset < logStartOffset || offset > logEndOffset || !Number.isSafeInteger(offset)) {
      return Promise.reject(new OffsetOutOfRangeError(offset, logStartOffset, logEndOffset, this.#name));
    }
    return this.#readFiles(offset, Math.max(1, options.maxBytes), this.#maxOffset(options), options.pool, {
      oversizedFirst: options.oversizedFirstBatch ?? true,
      exactLimit: options.exactLimit ?? false,
      pin: options.pin ?? false,
    });
  }

  /**
   * The read of `read()` when memory serves it (the tail cache, or nothing to read), in this call; null when
   * it needs a segment file, or is refused (out of range): then `read()` does it (or gives the error).
   */
  readNow(offset: number, options: ReadOptions): ReadResult | null {
    const log = this.#log;
    const { logStartOffset, logEndOffset } = log;
    if (offset < logStartOffset || offset > logEndOffset || !Number.isSafeInteger(offset)) return null;
    const maxOffset = this.#maxOffset(options);
    if (offset >= maxOffset)
      return { chunks: [], bytes: 0, nextOffset: offset, logStartOffset, logEndOffset, lease: null, pins: null };
    // Tail-cache chunks are the log's own memory: never a lease, never pooled.
    if (offset >= log.cachedFrom)
      return this.#cached(
        offset,
        Math.max(1, options.maxBytes),
        maxOffset,
        options.oversizedFirstBatch ?? true,
        options.pin ?? false,
      );
    return null;
  }

  /**
   * Where `read(offset, options)` would end (its nextOffset) when a segment's index tells without reading
   * (Segment.plannedReadEnd); null when the read is served from memory, out of range, or not foreseeable.
   * For reading further ahead: a read made at the predicted offset is checked like any other.
   */
  plannedReadEnd(offset: number, options: ReadOptions): number | null {
    const log = this.#log;
    if (offset < log.logStartOffset || offset >= log.cachedFrom || !Number.isSafeInteger(offset)) return null;
    const maxOffset = this.#maxOffset(options);
    if (offset >= maxOffset) return null;
    return log
      .segmentFor(offset)
      .plannedReadEnd(
        offset,
        Math.max(1, options.maxBytes),
        maxOffset,
        options.pool !== undefined,
        options.exactLimit ?? false,
      );
  }

  #maxOffset(options: ReadOptions): number {
    const end = this.#log.logEndOffset;
    return Math.min(options.maxOffset ?? end, end);
  }

  #cached(offset: number, maxBytes: number, maxOffset: number, oversized: boolean, pin: boolean): ReadResult {
    const log = this.#log;
    const { chunks, bytes, nextOffset, pins } = log.readCached(offset, maxBytes, maxOffset, oversized, pin);
    return {
      chunks,
      bytes,
      nextOffset,
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
      lease: null,
      pins,
    };
  }

  async #readFiles(
    offset: number,
    maxBytes: number,
    maxOffset: number,
    pool: ReadBufferPool | undefined,
    shape: { oversizedFirst: boolean; exactLimit: boolean; pin: boolean },
  ): Promise<ReadResult> {
    const log = this.#log;
    const { logStartOffset, logEndOffset } = log;
    // A compacted segment may hold nothing at or after `offset` (the cleaner removed its tail): the next
    // segment holds the next batch, as in Kafka. Segments never overlap, so its base is past `offset`.
    let from = offset;
    let read = await this.#withSegment(from, (s) => s.read(from, maxBytes, maxOffset, pool, shape));
    while (read.bytes.length === 0 && !read.firstTooLarge) {
      const next = this.#log.segmentAfter(from);
      if (!next || next.baseOffset >= maxOffset) break;
      from = next.baseOffset;
      if (from >= log.cachedFrom) return this.#cached(from, maxBytes, maxOffset, shape.oversizedFirst, shape.pin);
      read = await this.#withSegment(from, (s) => s.read(from, maxBytes, maxOffset, pool, shape));
    }
    const { bytes, lease } = read;
    const nextOffset = bytes.length === 0 ? offset : read.nextOffset;
    return {
      chunks: bytes.length === 0 ? [] : [bytes],
      bytes: bytes.length,
      nextOffset,
      logStartOffset,
      logEndOffset,
      lease,
      pins: null,
    };
  }

  /**
   * The first record at or after the log start whose timestamp is >= timestamp, with that timestamp (Kafka's
   * lookup by time), over segments in offset order (Segment.findByTimestamp).
   */
  async offsetForTimestamp(timestamp: number): Promise<{ offset: number; timestamp: number } | null> {
    const log = this.#log;
    for (const segment of [...log.all]) {
      if (segment.nextOffset <= log.logStartOffset || segment.maxTimestamp < timestamp) continue;
      const found = await this.#withSegment(segment.baseOffset, (s) =>
        s.findByTimestamp(timestamp, log.logStartOffset, this.#codecs),
      );
      if (found) return found;
    }
    return null;
  }

  /** Runs a lookup on the segment holding `offset`; when its index lies, rebuilds the index once and retries. */
  async #withSegment<T>(offset: number, lookup: (s: Segment) => Promise<T | typeof INDEX_MISMATCH>): Promise<T> {
    const segment = this.#log.segmentFor(offset);
    const attempt = async (): Promise<T | typeof INDEX_MISMATCH> => {
      segment.retain();
      try {
        return await lookup(segment);
      } finally {
        segment.release();
      }
    };
    let result = await attempt();
    if (result === INDEX_MISMATCH) {
      // Released before queueing: a close or deletion in the queue may be waiting for our reference.
      await this.#rebuildIndex(segment);
      result = await attempt();
    }
    if (result === INDEX_MISMATCH) {
      throw new CorruptLogError(
        segment.logPath,
        segment.indexFloor(offset).position,
        'index entry does not point at a batch',
      );
    }
    return result;
  }
}
