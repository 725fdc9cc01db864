// Sequential scans of segment files. `scanBatches` validates every batch (length, magic, counts, CRC,
// increasing offsets) and is what recovery and index rebuilds use; `walkHeaders` reads only batch headers,
// skipping bodies, for lookups.
import type { StorageFileHandle } from './fs.js';
import {
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  BatchFormatError,
  Offsets,
  readInt64,
  validateBatch,
} from './format/record-batch.js';
import type { BatchHeader } from './format/record-batch.js';
import type { ReadBufferPool } from './read-buffer-pool.js';

/** Bytes read at a time when recovery scans a whole segment. */
const SCAN_CHUNK = 8 * 1024 * 1024;
/** Bytes read at a time when walking batch headers (skipping bodies): a few index intervals. */
export const HEADER_WINDOW_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);

export interface ScanResult {
  /** Bytes from the start of the file covered by valid batches (the scan's end position). */
  validBytes: number;
  /** Offset after the last valid batch. */
  nextOffset: number;
  /** The first invalid batch, if the scan stopped before `end`. */
  error?: { position: number; reason: string };
}

/**
 * A moving window over a file: holds file bytes [start, start+length). With a pool, its buffer comes from
 * the pool and goes back to it on dispose(), unless detach() handed it to the caller (a view escaped).
 */
class FileWindow {
  private buf: Buffer = EMPTY;
  /** `buf` came from the pool and is still ours to return. */
  private fromPool = false;
  start = 0;
  length = 0;

  constructor(
    private readonly fh: StorageFileHandle,
    private readonly pool?: ReadBufferPool,
  ) {}

  has(pos: number, n: number): boolean {
    return pos >= this.start && pos + n <= this.start + this.length;
  }

  /**
   * Loads `n` bytes at `pos` (fewer at EOF) into a buffer of at least `capacity` bytes: reads of one size
   * limit take buffers of one pool size class whatever length each read turns out to need.
   */
  async load(pos: number, n: number, capacity = n): Promise<void> {
    if (this.buf.length < n) {
      if (this.pool) {
        this.dispose(); // no view of the smaller buffer is kept across loads
        this.buf = this.pool.acquire(Math.max(n, capacity));
        this.fromPool = true;
      } else {
        this.buf = Buffer.allocUnsafe(n);
      }
    }
    this.start = pos;
    this.length = 0;
    this.length = await this.fh.read(this.buf, 0, n, pos);
  }

  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** The pooled buffer behind view(), now the caller's to release (null if not pooled); the window forgets it. */
  detach(): Buffer | null {
    const lease = this.fromPool ? this.buf : null;
    this.fromPool = false;
    this.buf = EMPTY;
    this.start = this.length = 0;
    return lease;
  }

  /** Returns a pooled buffer to the pool: only when no view of it outlives the window. */
  dispose(): void {
    const lease = this.detach();
    if (lease) this.pool!.release(lease);
  }
}

/**
 * Validates batches in [start, end) of a segment file, calling `visit` for each valid one. The first batch
 * must start at or after `expectedOffset` and each next one after the previous one's last offset: offsets
 * are dense as appended, and a compacted segment has gaps where the cleaner removed records. Stops at the
 * first problem.
 */
export async function scanBatches(
  fh: StorageFileHandle,
  start: number,
  end: number,
  expectedOffset: number,
  visit: (position: number, header: BatchHeader) => void,
): Promise<ScanResult> {
  const win = new FileWindow(fh);
  let pos = start;
  let next = expectedOffset;
  const stop = (reason: string): ScanResult => ({
    validBytes: pos,
    nextOffset: next,
    error: { position: pos, reason },
  });
  while (pos < end) {
    if (end - pos < BATCH_HEADER_SIZE) return stop(`incomplete batch header: ${end - pos} bytes left`);
    if (!win.has(pos, BATCH_HEADER_SIZE)) await win.load(pos, Math.min(SCAN_CHUNK, end - pos));
    if (!win.has(pos, BATCH_HEADER_SIZE)) return stop('file shorter than expected');
    const size = win.view().readInt32BE(pos - win.start + Offsets.batchLength) + BATCH_LOG_OVERHEAD;
    if (size < BATCH_HEADER_SIZE) {
      // Zeros where a batch would start: the space an active segment reserves ahead of large writes
      // (segment.ts), or a write the crash tore before its bytes reached the file.
      if (size === BATCH_LOG_OVERHEAD && win.view().readBigInt64BE(pos - win.start + Offsets.baseOffset) === 0n)
        return stop('zeros after the last batch (space reserved ahead of the writes, or a torn write)');
      return stop(`batch length ${size} is smaller than the ${BATCH_HEADER_SIZE}-byte header`);
    }
    if (size > end - pos) return stop(`batch of ${size} bytes runs past the end of the file (${end - pos} bytes left)`);
    if (!win.has(pos, size)) await win.load(pos, Math.min(Math.max(SCAN_CHUNK, size), end - pos));
    if (!win.has(pos, size)) return stop('file shorter than expected');
    let header: BatchHeader;
    try {
      header = validateBatch(win.view(), pos - win.start);
    } catch (err) {
      if (err instanceof BatchFormatError) return stop(err.message);
      throw err;
    }
    if (header.baseOffset < next)
      return stop(`batch base offset ${header.baseOffset} goes back (expected ${next} or more)`);
    visit(pos, header);
    next = header.baseOffset + header.lastOffsetDelta + 1;
    pos += size;
  }
  return { validBytes: pos, nextOffset: next };
}

/** The fields of a batch header that lookups need (the first 43 bytes). */
export interface HeaderInfo {
  position: number;
  baseOffset: number;
  lastOffset: number;
  size: number;
  maxTimestamp: number;
  /** The leader epoch the batch was appended under (-1: none, e.g. a single-node producer's). */
  leaderEpoch: number;
}

export const LOOKUP_HEADER_BYTES = Offsets.maxTimestamp + 8;

/**
 * Walks batch headers from `start` to `end` without reading bodies. `visit` returns true to stop.
 * Returns false when a header is unreadable (bad length): the caller's index may point mid-batch.
 */
export async function walkHeaders(
  fh: StorageFileHandle,
  start: number,
  end: number,
  visit: (h: HeaderInfo) => boolean,
): Promise<boolean> {
  const win = new FileWindow(fh);
  let pos = start;
  while (pos + LOOKUP_HEADER_BYTES <= end) {
    if (!win.has(pos, LOOKUP_HEADER_BYTES)) await win.load(pos, Math.min(HEADER_WINDOW_BYTES, end - pos));
    if (!win.has(pos, LOOKUP_HEADER_BYTES)) return false;
    const h = headerInfo(win.view(), pos - win.start, pos);
    if (h.size < BATCH_HEADER_SIZE) return false;
    if (visit(h)) return true;
    pos += h.size;
  }
  return true;
}

export function headerInfo(buf: Buffer, at: number, position: number): HeaderInfo {
  const baseOffset = readInt64(buf, at + Offsets.baseOffset);
  return {
    position,
    baseOffset,
    lastOffset: baseOffset + buf.readInt32BE(at + Offsets.lastOffsetDelta),
    size: buf.readInt32BE(at + Offsets.batchLength) + BATCH_LOG_OVERHEAD,
    maxTimestamp: readInt64(buf, at + Offsets.maxTimestamp),
    leaderEpoch: buf.readInt32BE(at + Offsets.partitionLeaderEpoch),
  };
}

export { FileWindow };
