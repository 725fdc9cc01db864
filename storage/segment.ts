// One segment: a .log file of record batches plus its in-memory offset and time indexes.
//
// Invariants: `size` is the byte length of the valid batches in the file. The file is longer only while the
// segment is active and large writes have reserved space ahead (#extendAhead: zeros, never read, cut at the
// roll and the close; a crash leaves them as a torn tail, cut by recovery); a failed write is truncated back.
// Batches lie in increasing offset order from `baseOffset`
// to `nextOffset` (dense as appended; a compacted segment has gaps, and may start after its base);
// `flushedSize <= size` bytes are known fsynced. Only the partition's serial queue mutates a segment, with one
// exception: the reads of a reservation ahead that a write started and did not wait for (#reserving) go on while
// later operations run (the write did wait for the file's extension); they never touch `size`, the batches or
// the file's length, and whatever cuts the file (trim, truncateTo, cutBack after a failed write) waits for them
// first (settleReservation).
// Readers hold a reference (retain/release) so a deleted segment's handle closes after its last read.
// The file is a PooledFile (file-pool.ts): the pool may close it while nobody reads it and nothing written
// to it is unflushed; the next operation opens it again.
import { join } from 'node:path';
import type { StorageFs } from './fs.js';
import { FilePool, type PooledFile } from './file-pool.js';
import type { BatchHeader } from './format/record-batch.js';
import { BATCH_HEADER_SIZE } from './format/record-batch.js';
import { OffsetIndex, TimeIndex } from './sparse-index.js';
import { FileWindow, LOOKUP_HEADER_BYTES, headerInfo, scanBatches, walkHeaders } from './scan.js';
import type { HeaderInfo, ScanResult } from './scan.js';
import { firstRecordAtOrAfter, type RecordCodecs } from './batch-records.js';
import { CorruptLogError } from './errors.js';
import { readFileIfExists, unlinkIfPresent, writeFileAtomic } from './atomic.js';
import { type ReadBufferPool, readSizeAtMost } from './read-buffer-pool.js';
import type { Logger } from './types.js';

/** Writes this large reserve space ahead of them (#extendAhead); smaller ones (latency-bound produce) never do. */
const RESERVE_FROM_WRITE_BYTES = 64 * 1024;
/** At most this far ahead, and never further than the segment's batches reach (see #extendAhead). */
const RESERVE_AHEAD_BYTES = 8 * 1024 * 1024;
const RESERVE_READ_BYTES = 1024 * 1024;
/** Where #readReserved's reads land; never read (concurrent partitions may overwrite it: zeros either way). */
let reserveScratch: Buffer | undefined;

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
/** The aborted-transactions index of a segment (txn-index.ts); present only when a transaction aborted in it. */
export const TXN_INDEX_SUFFIX = '.txnindex';

/** Kafka's file name: the base offset zero-padded to 20 digits. */
export function segmentFileName(baseOffset: number, suffix: string): string {
  return `${String(baseOffset).padStart(20, '0')}${suffix}`;
}

/**
 * A close leaves the index files as they are when the active segment's batches after the files' last
 * offset entry are at most this many bytes: the next load validates them (one read and a CRC-32C pass).
 */
export const CLOSE_UNINDEXED_BYTES = 64 * 1024;

/** Returned by lookups when the index entry does not point at the batch it claims: rebuild and retry. */
export const INDEX_MISMATCH = Symbol('index-mismatch');

const EMPTY = Buffer.alloc(0);

/** Bytes of whole batches and the offset after the last of them. */
export interface SegmentRead {
  bytes: Buffer;
  nextOffset: number;
  /** The pool buffer `bytes` is a view of (reads given a pool), for the caller to release; else null. */
  lease: Buffer | null;
  /** Nothing was returned because the first batch alone is larger than maxBytes (a read with oversizedFirst false). */
  firstTooLarge?: true;
}

/** A batch found where an index entry (`expected` ≥ 0) said another starts: the index lies. */
function notAt(baseOffset: number, expected: number): boolean {
  return expected >= 0 && baseOffset !== expected;
}

export class Segment {
  readonly logPath: string;
  readonly indexPath: string;
  readonly timeIndexPath: string;
  size = 0;
  #flushedSize = 0;
  /** The file's length when #extendAhead made it longer than `size`; else at most `size`. */
  #reservedEnd = 0;
  /** A reservation write() started ahead of the writes that will need it, until it is done. */
  #reserving: Promise<void> | null = null;
  /** An extension or its read failed: this segment's writes reserve nothing more. */
  #reserveFailed = false;
  nextOffset: number;
  /** Largest batch maxTimestamp in the segment; -1 when empty. */
  maxTimestamp = -1;
  /** Time the segment started (first append's clock time; after reopen the first batch's timestamp). */
  rollBaseTime = -1;
  offsetIndex = new OffsetIndex();
  timeIndex = new TimeIndex();
  private offsetOfMaxTimestamp = 0;
  private bytesSinceIndexEntry = 0;
  private refs = 0;
  /** Written through this object (not only loaded): unflushed bytes are then possible. */
  private written = false;
  /**
   * What the index files on disk hold: a prefix of the in-memory indexes whose last offset entry points at
   * this log position (0: no entry, or no files), or -1 when they may disagree with the in-memory indexes
   * (rebuilt, truncated, or files of unknown origin). Decides what persistIndexesOnClose writes.
   */
  #indexFilesCover = -1;
  /** The last load found no index files (see loadedWithoutIndexFiles). */
  #loadedWithoutIndexFiles = false;
  private closing: (() => void) | undefined;
  private closed: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    readonly fh: PooledFile,
    private readonly fs: StorageFs,
    public indexIntervalBytes: number,
  ) {
    this.logPath = join(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    this.indexPath = join(dir, segmentFileName(baseOffset, INDEX_SUFFIX));
    this.timeIndexPath = join(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX));
    this.nextOffset = baseOffset;
  }

  /** Tells the pool when the file may be closed (not for rebuildInPlace's temporary twin on the same file). */
  private ownFile(): this {
    const fh = this.fh;
    fh.dirty = () => this.written && this.#flushedSize < this.size;
    fh.canClose = () => this.refs === 0 && !fh.dirty();
    return this;
  }

  /**
   * Creates (or empties) the segment files for a new segment. `files`: the open-file budget (none:
   * unlimited). `noIndexFiles`: the caller knows no index file of this base offset exists (a new, empty
   * partition directory); otherwise their absence is checked (two stats).
   */
  static async create(
    fs: StorageFs,
    dir: string,
    baseOffset: number,
    indexIntervalBytes: number,
    files: FilePool = new FilePool(),
    noIndexFiles = false,
  ): Promise<Segment> {
    const fh = await files.open(fs, join(dir, segmentFileName(baseOffset, LOG_SUFFIX)), 'w+');
    const segment = new Segment(dir, baseOffset, fh, fs, indexIntervalBytes).ownFile();
    if (noIndexFiles || (!(await fs.stat(segment.indexPath)) && !(await fs.stat(segment.timeIndexPath))))
      segment.#indexFilesCover = 0;
    return segment;
  }

  /** Opens an existing segment; call load() or rebuild() next. Returns the file's size on disk too. */
  static async open(
    fs: StorageFs,
    dir: string,
    baseOffset: number,
    indexIntervalBytes: number,
    files: FilePool = new FilePool(),
  ): Promise<{ segment: Segment; fileSize: number }> {
    const fh = await files.open(fs, join(dir, segmentFileName(baseOffset, LOG_SUFFIX)), 'r+');
    const segment = new Segment(dir, baseOffset, fh, fs, indexIntervalBytes).ownFile();
    return { segment, fileSize: await fh.size() };
  }

  /**
   * Counters and indexes for a segment file written elsewhere (the cleaner's `.cleaned` file), filled batch
   * by batch with visitBatch; `adopt` hands them to the Segment opened on that file under its final name.
   * It has no file: only visitBatch may be called on it.
   */
  static layout(dir: string, baseOffset: number, indexIntervalBytes: number, fs: StorageFs): Segment {
    return new Segment(dir, baseOffset, undefined as never, fs, indexIntervalBytes);
  }

  /** Takes a layout's counters and indexes: this segment's file holds exactly the batches it visited, fsynced. */
  adopt(layout: Segment): void {
    this.offsetIndex = layout.offsetIndex;
    this.timeIndex = layout.timeIndex;
    this.size = layout.size;
    this.nextOffset = layout.nextOffset;
    this.maxTimestamp = layout.maxTimestamp;
    this.offsetOfMaxTimestamp = layout.offsetOfMaxTimestamp;
    this.bytesSinceIndexEntry = layout.bytesSinceIndexEntry;
    this.rollBaseTime = layout.rollBaseTime;
    this.#indexFilesCover = -1;
    this.markFlushed(this.size);
  }

  /** Bytes known fsynced (from the start of the file). */
  get flushedSize(): number {
    return this.#flushedSize;
  }

  /** An fsync that began when the file held `size` bytes succeeded. */
  markFlushed(size: number): void {
    if (size > this.#flushedSize) this.#flushedSize = size;
  }

  get relativeEnd(): number {
    return this.nextOffset - this.baseOffset;
  }

  /** Accounts for one batch now in the file at `position`. Index entries: see sparse-index.ts. */
  visitBatch(position: number, baseOffset: number, lastOffset: number, maxTimestamp: number, size: number): void {
    const rel = baseOffset - this.baseOffset;
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = rel;
    }
    if (this.bytesSinceIndexEntry > this.indexIntervalBytes) {
      this.offsetIndex.append(rel, position);
      if (this.maxTimestamp > this.timeIndex.lastTimestamp)
        this.timeIndex.append(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += size;
    this.nextOffset = lastOffset + 1;
    this.size = position + size;
  }

  private visitHeader = (position: number, h: BatchHeader): void => {
    if (this.rollBaseTime < 0) this.rollBaseTime = h.maxTimestamp;
    this.visitBatch(position, h.baseOffset, h.baseOffset + h.lastOffsetDelta, h.maxTimestamp, h.sizeInBytes);
  };

  private resetStats(): void {
    this.offsetIndex = new OffsetIndex();
    this.timeIndex = new TimeIndex();
    this.size = 0;
    this.nextOffset = this.baseOffset;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = 0;
    this.bytesSinceIndexEntry = 0;
    this.rollBaseTime = -1;
  }

  /** Rebuilds indexes and counters by validating every batch in [0, fileSize). Stops at the first bad batch. */
  async rebuild(fileSize: number): Promise<ScanResult> {
    this.resetStats();
    this.#indexFilesCover = -1;
    return scanBatches(this.fh, 0, fileSize, this.baseOffset, this.visitHeader);
  }

  /** Rebuilds the indexes of a live segment; readers keep using the old ones until the swap. */
  async rebuildInPlace(): Promise<ScanResult> {
    const fresh = new Segment(this.dir, this.baseOffset, this.fh, this.fs, this.indexIntervalBytes);
    const result = await fresh.rebuild(this.size);
    if (!result.error) {
      this.offsetIndex = fresh.offsetIndex;
      this.timeIndex = fresh.timeIndex;
      this.maxTimestamp = fresh.maxTimestamp;
      this.offsetOfMaxTimestamp = fresh.offsetOfMaxTimestamp;
      this.bytesSinceIndexEntry = fresh.bytesSinceIndexEntry;
      this.#indexFilesCover = -1;
    }
    return result;
  }

  /**
   * Loads the persisted indexes and validates the tail after the last index entry (a few KiB; every batch
   * when there are no index files, which a close leaves for a short active segment). Returns false when the
   * index files are inconsistent with the log, or only one of them is there; then call rebuild().
   */
  async load(fileSize: number, fallbackTime: number): Promise<boolean> {
    let offsetIndex: OffsetIndex | undefined;
    let timeIndex: TimeIndex | undefined;
    try {
      const offsetBytes = await readFileIfExists(this.fs, this.indexPath);
      const timeBytes = await readFileIfExists(this.fs, this.timeIndexPath);
      if ((offsetBytes === undefined) !== (timeBytes === undefined)) return false;
      offsetIndex = OffsetIndex.parse(offsetBytes ?? EMPTY, fileSize);
      timeIndex = TimeIndex.parse(timeBytes ?? EMPTY, 0x1_0000_0000);
      this.#loadedWithoutIndexFiles = offsetBytes === undefined;
    } catch {
      return false;
    }
    if (!offsetIndex || !timeIndex) return false;
    this.resetStats();
    const n = offsetIndex.length;
    // Resume the scan at the last entry, forcing that entry to be re-added by visitBatch.
    const startPos = n > 0 ? offsetIndex.positionAt(n - 1) : 0;
    const startRel = n > 0 ? offsetIndex.relAt(n - 1) : 0;
    offsetIndex.length = Math.max(0, n - 1);
    this.offsetIndex = offsetIndex;
    this.timeIndex = timeIndex;
    if (timeIndex.length > 0) {
      this.maxTimestamp = timeIndex.lastTimestamp;
      this.offsetOfMaxTimestamp = timeIndex.relAt(timeIndex.length - 1);
    }
    this.bytesSinceIndexEntry = n > 0 ? this.indexIntervalBytes + 1 : 0;
    const result = await scanBatches(this.fh, startPos, fileSize, this.baseOffset + startRel, this.visitHeader);
    if (result.error) return false;
    if (timeIndex.length > 0 && timeIndex.relAt(timeIndex.length - 1) >= this.relativeEnd) return false;
    // A scan from position 0 already visited the first batch (visitHeader set rollBaseTime from it).
    if (startPos > 0 || this.rollBaseTime < 0) this.rollBaseTime = await this.firstBatchTimestamp(fallbackTime);
    this.#indexFilesCover = startPos;
    return true;
  }

  /** The directory holds no index file of this segment (after a scan): a close may leave it so. */
  noIndexFiles(): void {
    this.#indexFilesCover = 0;
  }

  /** The last load found no index files: it validated every batch, and the files are still to be written. */
  get loadedWithoutIndexFiles(): boolean {
    return this.#loadedWithoutIndexFiles;
  }

  private async firstBatchTimestamp(fallback: number): Promise<number> {
    if (this.size < BATCH_HEADER_SIZE) return fallback;
    const buf = Buffer.allocUnsafe(LOOKUP_HEADER_BYTES);
    if ((await this.fh.read(buf, 0, buf.length, 0)) < buf.length) return fallback;
    const ts = headerInfo(buf, 0, 0).maxTimestamp;
    return ts >= 0 ? ts : fallback;
  }

  /**
   * Appends pre-validated batches with one positional write at the end. The caller cuts back on failure.
   * A large write that leaves less than a quarter of what a reservation from its end would add (#extendAhead)
   * extends the file for the next reservation and starts reading its zeros without waiting for the reads
   * (#reserving): the writes after it seldom wait for one. The extension itself is waited for, so no later
   * write can land past the new end before the file is extended to it (the extension would cut it off).
   */
  async write(bytes: Buffer, maxSize: number): Promise<void> {
    this.written = true;
    const large = !this.#reserveFailed && bytes.length >= RESERVE_FROM_WRITE_BYTES;
    const end = this.size + bytes.length;
    if (large && end > this.#reservedEnd) {
      if (this.#reserving !== null) await this.#reserving;
      if (!this.#reserveFailed && end > this.#reservedEnd) {
        const range = await this.#extendAhead(end, maxSize);
        if (range !== null) await this.#readReserved(range.from, range.to);
      }
    }
    await this.fh.write(bytes, this.size);
    if (
      large &&
      !this.#reserveFailed &&
      this.#reserving === null &&
      this.#reservedEnd - end < Math.min(end, RESERVE_AHEAD_BYTES) / 4 &&
      end < maxSize
    ) {
      const range = await this.#extendAhead(end, maxSize);
      // One at a time: the partition's queue runs one write at a time, and a write waits for these reads
      // before it reserves again. They never reject (a failure only stops reserving).
      if (range !== null)
        this.#reserving = this.#readReserved(range.from, range.to).finally(() => {
          this.#reserving = null;
        });
    }
  }

  /** Waits for a reservation started ahead (write()) to finish: before anything cuts the file. */
  async settleReservation(): Promise<void> {
    if (this.#reserving !== null) await this.#reserving;
  }

  /**
   * Cuts the file back to `position` after a failed write (the batches before it and `size` unchanged), once a
   * reservation still running is done; nothing stays reserved past it.
   */
  async cutBack(position: number): Promise<void> {
    await this.settleReservation();
    await this.fh.truncate(position);
    this.#reservedEnd = 0;
  }

  /** Whether writeNow() of `bytes` bytes would write. */
  canWriteNow(bytes: number): boolean {
    return bytes < RESERVE_FROM_WRITE_BYTES && this.fh.canWriteNow(bytes);
  }

  /**
   * write() done synchronously when nothing in it would wait (no space to reserve ahead, the file open
   * and the write small: PooledFile.writeNow): true once written, false having done nothing.
   */
  writeNow(bytes: Buffer): boolean {
    if (!this.canWriteNow(bytes.length)) return false;
    const written = this.written;
    this.written = true; // as write(): before the bytes, so a failed write counts too
    if (this.fh.writeNow(bytes, this.size)) return true;
    this.written = written;
    return false;
  }

  /**
   * Space reserved ahead: the file extended past `end` (#extendAhead), then the new range read once
   * (#readReserved). Reading a hole puts zeroed pages in the page cache, which the next writes fill in place,
   * at a fraction of what a write costs that must take its pages from free memory itself. How far: as far as
   * the segment's batches reach after this write (so a segment written little reserves little: one large write
   * to each of many partitions reads at most twice its bytes of zeros into the page cache), at most
   * RESERVE_AHEAD_BYTES, never past `maxSize`. A failure only stops reserving: the writes then extend the file
   * as before. Returns the range to read, or null when there is none.
   */
  async #extendAhead(end: number, maxSize: number): Promise<{ from: number; to: number } | null> {
    const from = Math.max(this.size, this.#reservedEnd);
    const to = Math.min(end + Math.min(end, RESERVE_AHEAD_BYTES), Math.max(end, maxSize));
    if (to <= end) return null;
    try {
      await this.fh.truncate(to);
    } catch {
      this.#reserveFailed = true; // the file kept its length: nothing for trim() to cut
      return null;
    }
    this.#reservedEnd = to;
    return { from, to };
  }

  /** Reads the reserved range [from, to) once (see #extendAhead); never rejects. */
  async #readReserved(from: number, to: number): Promise<void> {
    try {
      reserveScratch ??= Buffer.allocUnsafeSlow(RESERVE_READ_BYTES);
      for (let at = from; at < to; at += RESERVE_READ_BYTES)
        await this.fh.read(reserveScratch, 0, Math.min(RESERVE_READ_BYTES, to - at), at);
    } catch {
      this.#reserveFailed = true; // trim() still cuts what was reserved
    }
  }

  /** Cuts the space reserved past `size` (before a roll's fsync and at close). Returns whether it cut. */
  async trim(): Promise<boolean> {
    await this.settleReservation();
    if (this.#reservedEnd <= this.size) return false;
    await this.fh.truncate(this.size);
    this.#reservedEnd = 0;
    return true;
  }

  /** Makes the persisted indexes final for a sealed (or closing) segment. Index files are derived data. */
  async persistIndexes(logger: Logger): Promise<void> {
    if (this.maxTimestamp > this.timeIndex.lastTimestamp)
      this.timeIndex.append(this.maxTimestamp, this.offsetOfMaxTimestamp);
    const entries = this.offsetIndex.length;
    this.#indexFilesCover = -1;
    try {
      // The time index first: a crash between the two leaves it newer than the offset index, never older, and
      // a load takes the segment's max timestamp from the time index and the batches after the last offset entry.
      await writeFileAtomic(this.fs, this.timeIndexPath, this.timeIndex.toBuffer());
      await writeFileAtomic(this.fs, this.indexPath, this.offsetIndex.toBuffer());
      this.#indexFilesCover = entries > 0 ? this.offsetIndex.positionAt(entries - 1) : 0;
    } catch (err) {
      logger.warn({ err, file: this.indexPath }, 'cannot write index files; they will be rebuilt on the next open');
    }
  }

  /**
   * The active segment at close: its index files are written only when those on disk leave more than
   * CLOSE_UNINDEXED_BYTES of batches after their last entry, or may disagree with the log. Otherwise the
   * next load validates that tail, as it validates the tail after the last entry of files written here.
   */
  async persistIndexesOnClose(logger: Logger): Promise<void> {
    const cover = this.#indexFilesCover;
    if (cover >= 0 && this.size - cover <= CLOSE_UNINDEXED_BYTES) return;
    await this.persistIndexes(logger);
  }

  /** Cuts the file at `position` (a batch boundary) and rebuilds counters by rescanning what is left. */
  async truncateTo(position: number): Promise<void> {
    this.#indexFilesCover = -1;
    await this.settleReservation();
    await this.fh.truncate(position);
    this.#reservedEnd = 0;
    this.#flushedSize = Math.min(this.#flushedSize, position);
    const result = await this.rebuild(position);
    if (result.error) throw new Error(`segment ${this.logPath} invalid after truncation: ${result.error.reason}`);
  }

  /** Position of the batch that holds `offset` (or of the first batch after it); size when beyond the end. */
  async positionOf(offset: number): Promise<number | typeof INDEX_MISMATCH> {
    if (offset >= this.nextOffset) return this.size;
    const { position, expected } = this.indexFloor(offset);
    let found = this.size;
    let first = true;
    let mismatch = false;
    await walkHeaders(this.fh, position, this.size, (h) => {
      if (first && notAt(h.baseOffset, expected)) return (mismatch = true);
      first = false;
      if (h.lastOffset < offset) return false;
      found = h.position;
      return true;
    });
    return mismatch ? INDEX_MISMATCH : found;
  }

  /**
   * Where to start walking headers for `offset`: the last index entry at or below it, and the batch base
   * offset found there; before the first entry, position 0 and -1 (a compacted segment's first batch may
   * start after the segment's base offset).
   */
  indexFloor(offset: number): { position: number; expected: number } {
    const i = this.offsetIndex.floor(offset - this.baseOffset);
    return i < 0
      ? { position: 0, expected: -1 }
      : { position: this.offsetIndex.positionAt(i), expected: this.baseOffset + this.offsetIndex.relAt(i) };
  }

  /**
   * Whole batches from the one holding `offset`: up to maxBytes, at least one unless `oversizedFirst` is
   * false (then a first batch larger than maxBytes is not read: nothing is returned), only batches whose last
   * offset is below maxOffset. One positional read from the index entry, ending on a batch edge where the
   * index knows one (windowBytes); the result is a view of that read buffer (no copy). With a pool, the read
   * buffer comes from it: returned to it here unless the result is a view of it (then the result's lease),
   * and, unless `exactLimit`, maxBytes shrinks (by at most a third) so that the read's span is a read size
   * (readSizeAtMost).
   */
  async read(
    offset: number,
    maxBytes: number,
    maxOffset: number,
    pool?: ReadBufferPool,
    { oversizedFirst = true, exactLimit = false }: { oversizedFirst?: boolean; exactLimit?: boolean } = {},
  ): Promise<SegmentRead | typeof INDEX_MISMATCH> {
    const win = new FileWindow(this.fh, pool);
    const limit = pool && !exactLimit ? this.pooledReadLimit(maxBytes) : maxBytes;
    try {
      return await this.readIn(win, offset, limit, maxOffset, oversizedFirst);
    } finally {
      win.dispose();
    }
  }

  /**
   * The offset `read(offset, maxBytes, maxOffset, pool, { exactLimit })` would end at (its nextOffset) when
   * the index tells without reading the file: the window read() loads (windowBytes) ends within the limit,
   * on an index entry or the segment's end, so the read returns every batch before that edge, and they all
   * end below maxOffset. Null otherwise. `pooled`: the read is given a pool (its limit is then lowered as
   * read() lowers it). A prediction only, of the segment as it is now: whoever reads there on its strength
   * checks what the read returns.
   */
  plannedReadEnd(
    offset: number,
    maxBytes: number,
    maxOffset: number,
    pooled: boolean,
    exactLimit: boolean,
  ): number | null {
    if (offset < this.baseOffset || offset >= this.nextOffset) return null;
    const limit = pooled && !exactLimit ? this.pooledReadLimit(maxBytes) : maxBytes;
    const end = this.size;
    const { position } = this.indexFloor(offset);
    if (position + LOOKUP_HEADER_BYTES > end) return null;
    const span = limit + this.indexIntervalBytes + BATCH_HEADER_SIZE;
    const window = this.windowBytes(position, limit, span, end, false);
    if (window > limit) return null; // a first batch over the limit: the read decides how much follows it
    const edge = position + window;
    let next = this.nextOffset;
    if (edge < end) {
      const k = this.offsetIndex.floorByPosition(edge);
      if (k < 0 || this.offsetIndex.positionAt(k) !== edge) return null;
      next = this.baseOffset + this.offsetIndex.relAt(k);
    }
    return next > offset && next <= maxOffset ? next : null;
  }

  /**
   * maxBytes lowered so that the read's span (below) is a read size, when that keeps at least two thirds of
   * it (the documented "by at most a third"; a small limit beside a large index interval keeps its own):
   * whatever limits a busy broker's memory budget leaves, its reads then take pool buffers of a few classes.
   */
  private pooledReadLimit(maxBytes: number): number {
    const overhead = this.indexIntervalBytes + BATCH_HEADER_SIZE;
    const fitted = readSizeAtMost(maxBytes + overhead) - overhead;
    return 3 * fitted >= 2 * maxBytes ? Math.min(maxBytes, fitted) : maxBytes;
  }

  private async readIn(
    win: FileWindow,
    offset: number,
    maxBytes: number,
    maxOffset: number,
    oversizedFirst: boolean,
  ): Promise<SegmentRead | typeof INDEX_MISMATCH> {
    const end = this.size;
    const { position, expected } = this.indexFloor(offset);
    const span = maxBytes + this.indexIntervalBytes + BATCH_HEADER_SIZE;
    const none = { bytes: EMPTY, nextOffset: offset, lease: null };
    let pos = position;
    let first = true;
    for (;;) {
      if (pos + LOOKUP_HEADER_BYTES > end) return none;
      if (!win.has(pos, LOOKUP_HEADER_BYTES)) {
        const full = Math.min(span, end - pos);
        // The window starts at the first batch to return: the index entry is that batch's, or the file's first
        // batch is (its last offset is at or past the segment's base offset).
        const atBatch =
          oversizedFirst && first && (expected === offset || (position === 0 && offset === this.baseOffset));
        await win.load(pos, this.windowBytes(pos, maxBytes, full, end, atBatch), full);
      }
      if (!win.has(pos, LOOKUP_HEADER_BYTES)) return none;
      const h = headerInfo(win.view(), pos - win.start, pos);
      if (h.size < BATCH_HEADER_SIZE || (first && notAt(h.baseOffset, expected))) return INDEX_MISMATCH;
      first = false;
      if (h.lastOffset >= offset) break;
      pos += h.size;
    }
    return this.collect(win, pos, end, maxBytes, maxOffset, offset, oversizedFirst);
  }

  /**
   * Bytes a read window at `pos` loads: up to the furthest batch edge known without reading (an offset
   * index entry, or the segment's end) within maxBytes of `pos`. Every batch before that edge fits the read,
   * so none is read only to be dropped and read again by the next read (the next read starts at that edge).
   * The window misses at most the batches that start less than an index interval (plus the walk from the
   * index entry to the batch holding the offset) before maxBytes: fewer bytes in the read, never more.
   * With no edge within maxBytes (the first batch alone exceeds it), up to the next edge: the first batch
   * whole, when that is at most `span` (enough for a read starting anywhere in an index interval) or the
   * window starts at the batch holding the offset (`atBatch`); else `span`. A batch found at an edge is
   * whole unless the index lies, which collect() meets as a batch running past the window.
   */
  private windowBytes(pos: number, maxBytes: number, span: number, end: number, atBatch: boolean): number {
    if (end <= pos + maxBytes) return end - pos;
    const index = this.offsetIndex;
    const k = index.floorByPosition(pos + maxBytes);
    if (k >= 0 && index.positionAt(k) >= pos + LOOKUP_HEADER_BYTES) return index.positionAt(k) - pos;
    const next = k + 1 < index.length ? index.positionAt(k + 1) : end;
    return next - pos <= span || atBatch ? next - pos : span;
  }

  /**
   * From the batch at `start`, takes whole batches within the limits. Instead of walking every header
   * (a thousand per MiB of 1 KiB batches), it jumps to the furthest index entry that is certainly within
   * both limits and walks only from there.
   */
  private async collect(
    win: FileWindow,
    start: number,
    end: number,
    maxBytes: number,
    maxOffset: number,
    offset: number,
    oversizedFirst: boolean,
  ): Promise<SegmentRead | typeof INDEX_MISMATCH> {
    const jump = this.jumpTarget(win, start, maxBytes, maxOffset);
    let pos = jump?.position ?? start;
    let next = jump?.offset ?? offset;
    while (pos + LOOKUP_HEADER_BYTES <= end && win.has(pos, LOOKUP_HEADER_BYTES)) {
      const h = headerInfo(win.view(), pos - win.start, pos);
      if (jump && pos === jump.position && (h.baseOffset !== jump.offset || h.size < BATCH_HEADER_SIZE))
        return INDEX_MISMATCH;
      if (h.lastOffset >= maxOffset) break;
      const total = pos - start;
      if (total === 0 && !oversizedFirst && h.size > maxBytes)
        return { bytes: EMPTY, nextOffset: offset, lease: null, firstTooLarge: true };
      if (total > 0 && total + h.size > maxBytes) break;
      if (!win.has(pos, h.size)) {
        if (total > 0) break;
        // The first batch is larger than the window: load exactly that batch (into a pool buffer when
        // reading with a pool, as any window), then take it.
        await win.load(pos, h.size);
        if (!win.has(pos, h.size)) return { bytes: EMPTY, nextOffset: offset, lease: null };
        continue;
      }
      pos += h.size;
      next = h.lastOffset + 1;
    }
    if (pos === start) return { bytes: EMPTY, nextOffset: next, lease: null };
    const bytes = win.view().subarray(start - win.start, pos - win.start);
    return { bytes, nextOffset: next, lease: win.detach() };
  }

  /**
   * The furthest index entry after `start` such that every batch before it fits in maxBytes from `start`, ends
   * below maxOffset, and lies inside the loaded window. Entries are increasing in offset and position, so
   * the smaller of the two floors satisfies both limits.
   */
  private jumpTarget(
    win: FileWindow,
    start: number,
    maxBytes: number,
    maxOffset: number,
  ): { position: number; offset: number } | undefined {
    const limit = Math.min(start + maxBytes, win.start + win.length);
    const k = Math.min(this.offsetIndex.floorByPosition(limit), this.offsetIndex.floor(maxOffset - this.baseOffset));
    if (k < 0 || this.offsetIndex.positionAt(k) <= start) return undefined;
    return { position: this.offsetIndex.positionAt(k), offset: this.baseOffset + this.offsetIndex.relAt(k) };
  }

  /**
   * The first record (from the time index's hint on) whose timestamp is >= ts and offset >= minOffset, as
   * Kafka's segment search: headers lead to the first batch whose maxTimestamp >= ts, whose records are then
   * decoded; a batch without such a record (its maxTimestamp was a producer's word, or compaction emptied it)
   * passes the search on to the next. A compressed batch without `codecs` answers to the batch: its first
   * offset (>= minOffset) and maxTimestamp.
   */
  async findByTimestamp(
    ts: number,
    minOffset: number,
    codecs: RecordCodecs | undefined,
  ): Promise<{ offset: number; timestamp: number } | null | typeof INDEX_MISMATCH> {
    if (this.maxTimestamp < ts) return null;
    const j = this.timeIndex.lastBefore(ts);
    const { position, expected } = this.indexFloor(this.baseOffset + (j < 0 ? 0 : this.timeIndex.relAt(j)));
    let from = position;
    let first = true;
    for (;;) {
      let batch = null as HeaderInfo | null;
      let mismatch = false;
      await walkHeaders(this.fh, from, this.size, (h) => {
        if (first && notAt(h.baseOffset, expected)) return (mismatch = true);
        first = false;
        if (h.maxTimestamp < ts || h.lastOffset < minOffset) return false;
        batch = h;
        return true;
      });
      if (mismatch) return INDEX_MISMATCH;
      if (!batch) return null;
      const bytes = Buffer.allocUnsafe(batch.size);
      if ((await this.fh.read(bytes, 0, batch.size, batch.position)) < batch.size)
        throw new CorruptLogError(this.logPath, batch.position, 'batch runs past the end of the file');
      const record = await firstRecordAtOrAfter(bytes, ts, minOffset, codecs);
      if (record) return record;
      if (record === undefined) return { offset: Math.max(batch.baseOffset, minOffset), timestamp: batch.maxTimestamp };
      from = batch.position + batch.size;
    }
  }

  retain(): void {
    this.refs++;
  }

  /** Readers holding the segment now. */
  get readers(): number {
    return this.refs;
  }

  release(): void {
    this.refs--;
    if (this.refs === 0 && this.closing) this.closing();
  }

  /** Closes the file once no reader holds the segment. Idempotent. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.closing = resolve;
      if (this.refs === 0) resolve();
    }).then(() => this.fh.close());
    return this.closed;
  }

  /**
   * Unlinks the files now (open readers keep reading the unlinked inode); the handle closes after the last
   * read, without waiting here (a reader may be waiting for the queue this runs in).
   */
  async delete(): Promise<void> {
    // A reader holding the segment keeps reading the unlinked file through an open descriptor: if the pool
    // had closed it, it must be open before the name goes.
    if (this.refs > 0) await this.fh.keepOpen().catch(() => {});
    void this.close().catch(() => {});
    const txnIndexPath = join(this.dir, segmentFileName(this.baseOffset, TXN_INDEX_SUFFIX));
    for (const path of [this.logPath, this.indexPath, this.timeIndexPath, txnIndexPath]) {
      await unlinkIfPresent(this.fs, path);
    }
  }
}
