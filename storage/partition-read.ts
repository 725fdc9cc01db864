// The read side of a partition log. Reads never enter the serial queue: they snapshot the log start/end
// synchronously, serve the tail from memory, and otherwise hold a reference on one segment while they do
// positional reads from its file. One read returns data from one segment at most (as Kafka does).
import type { Segment } from './segment.js';
import { INDEX_MISMATCH } from './segment.js';
import type { TailCache } from './tail-cache.js';
import type { ReadBufferPool } from './read-buffer-pool.js';
import { CorruptLogError, OffsetOutOfRangeError } from './errors.js';

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
}

export interface ReadOptions {
  maxBytes: number;
  /** Batches must end below it (the high watermark); default the log end. */
  maxOffset?: number;
  /** Take the file read's buffer from this pool (see ReadResult.lease). */
  pool?: ReadBufferPool;
}

/** What the read side needs from the partition log (live values). */
export interface LogView {
  readonly name: string;
  readonly segments: readonly Segment[];
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly cache: TailCache;
  /** Rebuilds a segment's index inside the log's queue. */
  rebuildIndex(segment: Segment): Promise<void>;
}

export async function readLog(view: LogView, offset: number, options: ReadOptions): Promise<ReadResult> {
  const { logStartOffset, logEndOffset, cache } = view;
  if (offset < logStartOffset || offset > logEndOffset || !Number.isSafeInteger(offset)) {
    throw new OffsetOutOfRangeError(offset, logStartOffset, logEndOffset, view.name);
  }
  const maxOffset = Math.min(options.maxOffset ?? logEndOffset, logEndOffset);
  const maxBytes = Math.max(1, options.maxBytes);
  if (offset >= maxOffset)
    return { chunks: [], bytes: 0, nextOffset: offset, logStartOffset, logEndOffset, lease: null };
  // Tail-cache chunks are the log's own memory: never a lease, never pooled.
  if (offset >= cache.firstOffset)
    return { ...cache.read(offset, maxBytes, maxOffset), logStartOffset, logEndOffset, lease: null };
  const { bytes, nextOffset, lease } = await withSegment(view, offset, (s) =>
    s.read(offset, maxBytes, maxOffset, options.pool),
  );
  return {
    chunks: bytes.length === 0 ? [] : [bytes],
    bytes: bytes.length,
    nextOffset,
    logStartOffset,
    logEndOffset,
    lease,
  };
}

/** Earliest batch whose maxTimestamp >= timestamp, over segments in offset order. */
export async function offsetForTimestamp(
  view: LogView,
  timestamp: number,
): Promise<{ offset: number; timestamp: number } | null> {
  for (const segment of [...view.segments]) {
    if (segment.nextOffset <= view.logStartOffset || segment.maxTimestamp < timestamp) continue;
    const found = await withSegment(view, segment.baseOffset, (s) => s.findByTimestamp(timestamp));
    if (found) return { offset: Math.max(found.offset, view.logStartOffset), timestamp: found.timestamp };
  }
  return null;
}

/** Runs a lookup on the segment holding `offset`; when its index lies, rebuilds the index once and retries. */
async function withSegment<T>(
  view: LogView,
  offset: number,
  lookup: (s: Segment) => Promise<T | typeof INDEX_MISMATCH>,
): Promise<T> {
  const segment = segmentFor(view.segments, offset);
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
    await view.rebuildIndex(segment);
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

/** The last segment whose base offset is <= offset (the first one when offset is below all). */
export function segmentFor(segments: readonly Segment[], offset: number): Segment {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (segments[mid]!.baseOffset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return segments[lo]!;
}
