// The partition log: an ordered list of segments, the last one active. See README.md for the design.
//
// Concurrency: every mutation (append's write, roll, truncate, retention, checkpoint, close) runs in one
// SerialQueue, so positions and offsets need no locks and concurrent appends get offsets in call order.
// Reads never enter the queue: they snapshot sizes and offsets synchronously and hold a segment reference.
// fsyncs run outside the queue (GroupCommit) so appends keep writing while a flush is in flight.
import { join } from 'node:path';
import type { StorageFs } from './fs.js';
import { nodeFs } from './fs.js';
import type { PartitionConfig } from './config.js';
import { resolvePartitionConfig } from './config.js';
import type { Clock, Logger } from './types.js';
import { noopLogger, systemClock } from './types.js';
import { SerialQueue } from './serial-queue.js';
import { Segment, INDEX_MISMATCH } from './segment.js';
import { TailCache } from './tail-cache.js';
import { loadPartition } from './partition-load.js';
import { writeCheckpoint } from './checkpoint.js';
import { parseBatches } from './append-batches.js';
import type { ParsedBatches } from './append-batches.js';
import { patchBaseOffset } from './format/record-batch.js';
import { CorruptLogError, LogClosedError, OffsetOutOfRangeError, StorageError, StorageIOError, asStorageError } from './errors.js';
import { GroupCommit } from './group-commit.js';
import { deleteSegments, retentionVictims } from './retention.js';

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  recordCount: number;
  /** -1 unless the log assigned log-append time (not implemented: always -1). */
  logAppendTime: number;
}

export interface ReadResult {
  /** Whole record batches in order; a chunk may hold several batches. Concatenated: valid batch bytes. */
  chunks: Buffer[];
  bytes: number;
  logStartOffset: number;
  logEndOffset: number;
}

export interface PartitionLogOptions {
  dir: string;
  topic: string;
  partition: number;
  config: PartitionConfig;
  fs?: StorageFs;
  clock?: Clock;
  logger?: Logger;
  /** Truncate at a corrupt sealed segment instead of refusing to open. */
  repair?: boolean;
  /** Bound of the in-memory tail cache in bytes (default 4 MiB; 0 disables it). */
  tailCacheBytes?: number;
}

export const DEFAULT_TAIL_CACHE_BYTES = 4 * 1024 * 1024;
const MAX_RELATIVE_OFFSET = 0x7fff_ffff;

export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  private cfg: Readonly<PartitionConfig>;
  private readonly fs: StorageFs;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly queue = new SerialQueue();
  private readonly cache: TailCache;
  private readonly commit: GroupCommit;
  private segments: Segment[] = [];
  private startOffset = 0;
  private endOffset = 0;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | undefined;
  /** Set when a failure could not be cleaned up: every mutation then fails until the log is reopened. */
  private failure: StorageError | undefined;
  /** What the checkpoint file on disk says. */
  private onDisk = { clean: false, recoveryPoint: -1, logStartOffset: -1 };
  private flushTimer: NodeJS.Timeout | undefined;

  private constructor(options: PartitionLogOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.dir = options.dir;
    this.cfg = resolvePartitionConfig(options.config);
    this.fs = options.fs ?? nodeFs;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? noopLogger;
    this.cache = new TailCache(options.tailCacheBytes ?? DEFAULT_TAIL_CACHE_BYTES);
    this.commit = new GroupCommit({
      snapshot: () => ({ segment: this.active, offset: this.endOffset, size: this.active.size }),
      rollback: (err) => this.queue.run(() => this.rollbackUnflushed(err)),
      now: () => this.clock.now(),
    });
  }

  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    const log = new PartitionLog(options);
    await log.load(options.repair ?? false);
    return log;
  }

  private get name(): string {
    return `${this.topic}-${this.partition}`;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  private async load(repair: boolean): Promise<void> {
    const ctx = { fs: this.fs, dir: this.dir, indexIntervalBytes: this.cfg.indexIntervalBytes, repair, logger: this.logger, clock: this.clock };
    let loaded;
    try {
      loaded = await loadPartition(ctx);
    } catch (err) {
      throw asStorageError(err, `cannot open partition ${this.name} in ${this.dir}`);
    }
    const { segments, checkpoint, recovered } = loaded;
    if (segments.length === 0) segments.push(await Segment.create(this.fs, this.dir, checkpoint?.logStartOffset ?? 0, this.cfg.indexIntervalBytes));
    this.segments = segments;
    this.endOffset = this.active.nextOffset;
    this.startOffset = Math.max(checkpoint?.logStartOffset ?? 0, segments[0]!.baseOffset);
    if (this.startOffset > this.endOffset) {
      this.logger.warn({ partition: this.name, logStartOffset: this.startOffset, logEndOffset: this.endOffset }, 'log start offset beyond the recovered log end; moving it back');
      this.startOffset = this.endOffset;
    }
    if (recovered) for (const s of segments) await s.fh.sync();
    for (const s of segments) s.flushedSize = s.size;
    this.commit.reset(this.endOffset);
    this.onDisk = { clean: checkpoint?.cleanShutdown === true, recoveryPoint: checkpoint?.recoveryPoint ?? -1, logStartOffset: checkpoint?.logStartOffset ?? -1 };
    if (recovered || !checkpoint) await this.writeCheckpoint(false);
    this.logger.info({ partition: this.name, logStartOffset: this.startOffset, logEndOffset: this.endOffset, segments: segments.length, recovered }, 'partition opened');
  }

  get config(): PartitionConfig {
    return this.cfg;
  }

  updateConfig(config: PartitionConfig): void {
    this.cfg = resolvePartitionConfig(config);
    for (const s of this.segments) s.indexIntervalBytes = this.cfg.indexIntervalBytes;
    if (this.cfg.flush.kind !== 'interval' && this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
  }

  get logStartOffset(): number {
    return this.startOffset;
  }
  /** Next offset to be assigned; every offset below it is written (readable). */
  get logEndOffset(): number {
    return this.endOffset;
  }
  /** Every offset below this is fsynced. flushedOffset <= logEndOffset. */
  get flushedOffset(): number {
    return this.commit.flushedOffset;
  }
  get sizeInBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }
  get segmentCount(): number {
    return this.segments.length;
  }

  private checkWritable(): void {
    if (this.state !== 'open') throw new LogClosedError(`partition ${this.name}`);
    if (this.failure) {
      throw new StorageIOError(`partition ${this.name} is offline after an I/O error that could not be cleaned up; reopen it`, this.failure);
    }
  }

  /** Runs a mutation in the serial queue after re-checking that the log is writable. */
  private mutate<T>(task: () => Promise<T>): Promise<T> {
    this.checkWritable();
    return this.queue.run(async () => {
      this.checkWritable();
      return task();
    });
  }

  async append(batches: Buffer, options: { leaderEpoch?: number } = {}): Promise<AppendResult> {
    this.checkWritable();
    const parsed = parseBatches(batches);
    const { result, flushed } = await this.mutate(() => this.writeBatches(batches, parsed, options.leaderEpoch));
    if (flushed) await flushed;
    return result;
  }

  private async writeBatches(buf: Buffer, parsed: ParsedBatches, leaderEpoch: number | undefined) {
    await this.markDirty();
    await this.maybeRoll(buf.length, parsed.offsetCount);
    const segment = this.active;
    const position = segment.size;
    const baseOffset = this.endOffset;
    const n = parsed.positions.length;
    const baseOffsets = new Array<number>(n);
    const lastOffsets = new Array<number>(n);
    let next = baseOffset;
    for (let i = 0; i < n; i++) {
      patchBaseOffset(buf, parsed.positions[i]!, next, leaderEpoch);
      baseOffsets[i] = next;
      next += parsed.lastOffsetDeltas[i]! + 1;
      lastOffsets[i] = next - 1;
    }
    try {
      await segment.write(buf);
    } catch (err) {
      await this.cutBack(segment, position, err);
      throw new StorageIOError(`append to ${segment.logPath} failed; nothing was stored`, err);
    }
    if (segment.rollBaseTime < 0) segment.rollBaseTime = this.clock.now();
    for (let i = 0; i < n; i++) {
      segment.visitBatch(position + parsed.positions[i]!, baseOffsets[i]!, lastOffsets[i]!, parsed.maxTimestamps[i]!, parsed.sizes[i]!);
    }
    this.endOffset = next;
    this.cache.add(buf, parsed.positions, baseOffsets, lastOffsets);
    const result: AppendResult = { baseOffset, lastOffset: next - 1, recordCount: parsed.recordCount, logAppendTime: -1 };
    const flush = this.cfg.flush;
    if (flush.kind === 'interval') this.armFlushTimer(flush.ms);
    return { result, flushed: flush.kind === 'always' ? this.commit.waitFor(next) : undefined };
  }

  /** After a failed write: cut the file back so no partial batch stays; if that fails too, go offline. */
  private async cutBack(segment: Segment, position: number, cause: unknown): Promise<void> {
    try {
      await segment.fh.truncate(position);
    } catch (err) {
      this.goOffline(err, `cannot cut ${segment.logPath} back to ${position} after a failed write`);
    }
    this.logger.error({ err: cause, file: segment.logPath, position }, 'append write failed');
  }

  private goOffline(cause: unknown, message: string): void {
    this.failure = new StorageIOError(`${message}; partition ${this.name} is offline`, cause);
    this.logger.error({ err: cause, partition: this.name }, message);
    this.commit.failAll(this.failure);
  }

  /**
   * fsync failed (GroupCommit or roll). Following PostgreSQL's fsyncgate lesson, data written after the last
   * successful fsync is treated as lost: the active segment is truncated back to its flushed size (which
   * also evicts the unknown pages from the page cache), the log end moves back to flushedOffset, and every
   * append waiting for a flush fails. Runs inside the queue.
   */
  private async rollbackUnflushed(cause: unknown): Promise<void> {
    const segment = this.active;
    const error = new StorageIOError(`fsync of ${segment.logPath} failed; data after offset ${this.commit.flushedOffset} was discarded`, cause);
    if (this.failure) return this.commit.failAll(error);
    // Hide the unknown data from readers first; the waiters learn of the failure only once the log is
    // consistent again, so a caller that sees the rejection never sees the discarded offsets.
    const lostFrom = this.commit.flushedOffset;
    const lostTo = this.endOffset;
    this.endOffset = lostFrom;
    this.cache.clear();
    try {
      await segment.truncateTo(segment.flushedSize);
    } catch (err) {
      this.goOffline(err, `cannot discard unflushed data of ${segment.logPath} after an fsync failure`);
      return this.commit.failAll(error);
    }
    this.endOffset = segment.nextOffset;
    this.commit.reset(this.endOffset);
    this.commit.failAll(error);
    this.logger.error({ err: cause, file: segment.logPath, from: lostFrom, to: lostTo }, 'fsync failed; discarded unflushed data');
  }

  private armFlushTimer(ms: number): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.state === 'open') this.flush().catch((err) => this.logger.error({ err, partition: this.name }, 'interval flush failed'));
    }, ms);
    this.flushTimer.unref();
  }

  /** First mutation after a clean open: the checkpoint must stop claiming a clean shutdown. */
  private async markDirty(): Promise<void> {
    if (this.onDisk.clean) await this.writeCheckpoint(false);
  }

  private async writeCheckpoint(clean: boolean): Promise<void> {
    const recoveryPoint = clean ? this.endOffset : this.commit.flushedOffset;
    await writeCheckpoint(this.fs, this.dir, {
      version: 1, topic: this.topic, partition: this.partition,
      logStartOffset: this.startOffset, recoveryPoint, cleanShutdown: clean,
    });
    this.onDisk = { clean, recoveryPoint, logStartOffset: this.startOffset };
  }

  private async maybeRoll(bytes: number, offsets: number): Promise<void> {
    const segment = this.active;
    if (segment.size === 0) return;
    const full = segment.size + bytes > this.cfg.segmentBytes;
    const old = this.clock.now() - segment.rollBaseTime >= this.cfg.segmentMs;
    const overflow = this.endOffset + offsets - 1 - segment.baseOffset > MAX_RELATIVE_OFFSET;
    if (full || old || overflow) await this.roll();
  }

  /**
   * Seals the active segment and starts a new one at the log end. The sealed segment is fsynced first,
   * which keeps the invariant that only the active segment holds unflushed data. Runs inside the queue.
   */
  private async roll(): Promise<void> {
    const old = this.active;
    try {
      await old.fh.sync();
    } catch (err) {
      await this.rollbackUnflushed(err);
      throw new StorageIOError(`fsync of ${old.logPath} failed while rolling; unflushed data was discarded`, err);
    }
    old.flushedSize = old.size;
    this.commit.advance(this.endOffset);
    await old.persistIndexes(this.logger);
    let segment: Segment;
    try {
      segment = await Segment.create(this.fs, this.dir, this.endOffset, this.cfg.indexIntervalBytes);
      await this.fs.syncDir(this.dir);
    } catch (err) {
      throw new StorageIOError(`cannot create segment ${this.endOffset} in ${this.dir}`, err);
    }
    this.segments.push(segment);
    this.logger.debug({ partition: this.name, baseOffset: segment.baseOffset }, 'rolled a new segment');
  }

  async read(offset: number, options: { maxBytes: number; maxOffset?: number }): Promise<ReadResult> {
    if (this.state === 'closed') throw new LogClosedError(`partition ${this.name}`);
    const logStartOffset = this.startOffset;
    const logEndOffset = this.endOffset;
    if (offset < logStartOffset || offset > logEndOffset || !Number.isSafeInteger(offset)) {
      throw new OffsetOutOfRangeError(offset, logStartOffset, logEndOffset, this.name);
    }
    const maxOffset = Math.min(options.maxOffset ?? logEndOffset, logEndOffset);
    const maxBytes = Math.max(1, options.maxBytes);
    const empty: ReadResult = { chunks: [], bytes: 0, logStartOffset, logEndOffset };
    if (offset >= maxOffset) return empty;
    if (offset >= this.cache.firstOffset) {
      const chunks = this.cache.read(offset, maxBytes, maxOffset);
      return { chunks, bytes: chunks.reduce((n, c) => n + c.length, 0), logStartOffset, logEndOffset };
    }
    const buf = await this.withSegment(offset, (s) => s.read(offset, maxBytes, maxOffset));
    return buf.length === 0 ? empty : { chunks: [buf], bytes: buf.length, logStartOffset, logEndOffset };
  }

  /** Runs a lookup on the segment holding `offset`; on an index that lies, rebuilds it once and retries. */
  private async withSegment<T>(offset: number, lookup: (s: Segment) => Promise<T | typeof INDEX_MISMATCH>): Promise<T> {
    const segment = this.segmentFor(offset);
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
      // Released before queueing: a close or deletion in the queue may wait for our reference.
      await this.rebuildIndex(segment);
      result = await attempt();
    }
    if (result === INDEX_MISMATCH) throw new CorruptLogError(segment.logPath, segment.indexFloor(offset).position, 'index entry does not point at a batch');
    return result;
  }

  private rebuildIndex(segment: Segment): Promise<void> {
    return this.queue.run(async () => {
      if (this.state === 'closed' || !this.segments.includes(segment)) throw new LogClosedError(`segment ${segment.logPath}`);
      this.logger.warn({ file: segment.indexPath }, 'index does not match the log; rebuilding it');
      const result = await segment.rebuildInPlace();
      if (result.error) throw new CorruptLogError(segment.logPath, result.error.position, result.error.reason);
      if (segment !== this.active) await segment.persistIndexes(this.logger);
    });
  }

  private segmentFor(offset: number): Segment {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.segments[lo]!;
  }

  async offsetForTimestamp(timestamp: number): Promise<{ offset: number; timestamp: number } | null> {
    if (this.state === 'closed') throw new LogClosedError(`partition ${this.name}`);
    for (const segment of [...this.segments]) {
      if (segment.nextOffset <= this.startOffset || segment.maxTimestamp < timestamp) continue;
      const found = await this.withSegment(segment.baseOffset, (s) => s.findByTimestamp(timestamp));
      if (found) return { offset: Math.max(found.offset, this.startOffset), timestamp: found.timestamp };
    }
    return null;
  }

  /** Resolves once every offset written before the call is fsynced. */
  async flush(): Promise<void> {
    if (this.state === 'closed') throw new LogClosedError(`partition ${this.name}`);
    await this.commit.waitFor(this.endOffset);
  }

  async deleteRecordsBefore(offset: number): Promise<void> {
    await this.mutate(async () => {
      if (offset > this.endOffset) throw new OffsetOutOfRangeError(offset, this.startOffset, this.endOffset, this.name);
      if (offset <= this.startOffset) return;
      // The new start must not point past what a crash could keep.
      if (offset > this.commit.flushedOffset) await this.syncActive();
      await this.markDirty();
      this.startOffset = offset;
      await this.writeCheckpoint(false);
      if (this.active.nextOffset <= offset && this.active.size > 0) await this.roll();
      await this.removeSegments(retentionVictims(this.segments, this.startOffset, this.cfg, this.clock.now(), false));
    });
  }

  /** fsync the active segment from inside the queue (errors roll back like GroupCommit's). */
  private async syncActive(): Promise<void> {
    const segment = this.active;
    const offset = this.endOffset;
    const size = segment.size;
    try {
      await segment.fh.sync();
    } catch (err) {
      await this.rollbackUnflushed(err);
      throw new StorageIOError(`fsync of ${segment.logPath} failed`, err);
    }
    segment.flushedSize = Math.max(segment.flushedSize, size);
    this.commit.advance(offset);
  }

  /** Removes whole segments from the front and moves the log start to the first remaining offset. */
  private async removeSegments(victims: Segment[]): Promise<number> {
    if (victims.length === 0) return 0;
    this.segments = this.segments.slice(victims.length);
    this.startOffset = Math.max(this.startOffset, this.segments[0]!.baseOffset);
    if (this.startOffset !== this.onDisk.logStartOffset) await this.writeCheckpoint(false);
    await deleteSegments(victims, this.logger);
    return victims.length;
  }

  async enforceRetention(): Promise<number> {
    return this.mutate(async () => {
      const victims = retentionVictims(this.segments, this.startOffset, this.cfg, this.clock.now(), true);
      if (victims.length > 0) await this.markDirty();
      const count = await this.removeSegments(victims);
      if (count > 0) this.logger.info({ partition: this.name, deleted: count, logStartOffset: this.startOffset }, 'retention deleted segments');
      return count;
    });
  }

  async truncateTo(offset: number): Promise<void> {
    await this.mutate(async () => {
      if (offset >= this.endOffset) return;
      await this.markDirty();
      if (offset <= this.startOffset) return this.truncateFully(Math.max(offset, 0));
      const segment = this.segmentFor(offset);
      let position = await segment.positionOf(offset);
      if (position === INDEX_MISMATCH) {
        await segment.rebuildInPlace();
        position = await segment.positionOf(offset);
        if (position === INDEX_MISMATCH) throw new CorruptLogError(segment.logPath, 0, 'index does not match the log');
      }
      const later = this.segments.slice(this.segments.indexOf(segment) + 1);
      this.segments = this.segments.slice(0, this.segments.length - later.length);
      await deleteSegments(later, this.logger);
      await this.runCleanup(segment, () => segment.truncateTo(position as number));
      await this.afterTruncation();
    });
  }

  /** Drops every segment and restarts the log empty at `offset` (replication: below the log start). */
  private async truncateFully(offset: number): Promise<void> {
    const old = this.segments;
    const segment = await Segment.create(this.fs, this.dir, offset, this.cfg.indexIntervalBytes);
    this.segments = [segment];
    await deleteSegments(old.filter((s) => s.baseOffset !== offset), this.logger);
    this.startOffset = offset;
    await this.afterTruncation();
  }

  private async afterTruncation(): Promise<void> {
    await this.runCleanup(this.active, () => this.active.fh.sync());
    await this.fs.syncDir(this.dir);
    this.endOffset = this.active.nextOffset;
    this.cache.clear();
    this.commit.failAll(new StorageError(`partition ${this.name} was truncated to ${this.endOffset}`, { code: 'TRUNCATED', retriable: true }));
    this.commit.reset(this.endOffset);
    await this.writeCheckpoint(false);
  }

  private async runCleanup(segment: Segment, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      this.goOffline(err, `cannot truncate ${segment.logPath}`);
      throw this.failure;
    }
  }

  /** Segment.ms rolls, retention, due interval flushes, checkpoint of the recovery point. */
  async runMaintenance(): Promise<void> {
    if (this.state !== 'open' || this.failure) return;
    const now = this.clock.now();
    const active = this.active;
    if (active.size > 0 && now - active.rollBaseTime >= this.cfg.segmentMs) {
      await this.mutate(async () => {
        if (this.active === active) await this.roll();
      });
    }
    await this.enforceRetention();
    const flush = this.cfg.flush;
    if (flush.kind === 'interval' && this.endOffset > this.commit.flushedOffset && now - this.commit.lastFlushTime >= flush.ms) {
      await this.flush();
    }
    if (this.commit.flushedOffset !== this.onDisk.recoveryPoint && !this.onDisk.clean) {
      await this.mutate(() => this.writeCheckpoint(false));
    }
  }

  /** Flushes, persists the active segment's indexes and a clean-shutdown checkpoint, closes the files. */
  close(): Promise<void> {
    if (this.state !== 'open') return this.closing ?? Promise.resolve();
    this.state = 'closing';
    this.closing = this.queue.run(() => this.closeNow());
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    let error: unknown;
    try {
      if (!this.failure) {
        if (this.commit.flushedOffset < this.endOffset || !this.onDisk.clean) await this.syncActive();
        await this.active.persistIndexes(this.logger);
        await this.writeCheckpoint(true);
      }
    } catch (err) {
      error = err;
    }
    this.commit.failAll(new LogClosedError(`partition ${this.name}`));
    await Promise.all(this.segments.map((s) => s.close().catch(() => {})));
    this.cache.clear();
    this.state = 'closed';
    this.logger.info({ partition: this.name, logEndOffset: this.endOffset, clean: error === undefined }, 'partition closed');
    if (error) throw asStorageError(error, `closing partition ${this.name} failed`);
  }

  /** Closes the log and removes its directory. */
  async delete(): Promise<void> {
    await this.close().catch((err) => this.logger.warn({ err, partition: this.name }, 'close before delete failed'));
    const trash = `${this.dir}.deleted`;
    try {
      await this.fs.rmdir(trash);
      await this.fs.rename(this.dir, trash);
      await this.fs.syncDir(join(this.dir, '..'));
      await this.fs.rmdir(trash);
    } catch (err) {
      throw new StorageIOError(`cannot delete partition directory ${this.dir}`, err);
    }
  }
}
