// The partition log's core: its state (an ordered list of segments, the last one active), loading,
// checkpoints, rolling and the cleanup after write/fsync failures. PartitionLog adds the public API.
// See README.md for the design.
//
// Concurrency: every mutation (append's write, roll, truncate, retention, checkpoint, close) runs in one
// SerialQueue, so positions and offsets need no locks and concurrent appends get offsets in call order.
// Reads never enter the queue: they snapshot sizes and offsets synchronously and hold a segment reference.
// fsyncs run outside the queue (GroupCommit) so appends keep writing while a flush is in flight.
import type { StorageFs } from './fs.js';
import { nodeFs } from './fs.js';
import type { PartitionConfig } from './config.js';
import { resolvePartitionConfig } from './config.js';
import type { Clock, Logger } from './types.js';
import { noopLogger, systemClock } from './types.js';
import { SerialQueue } from './serial-queue.js';
import { Segment } from './segment.js';
import { FilePool } from './file-pool.js';
import { TailCache } from './tail-cache.js';
import { loadPartition } from './partition-load.js';
import { writeCheckpoint } from './checkpoint.js';
import { CorruptLogError, LogClosedError, type StorageError, StorageIOError, asStorageError } from './errors.js';
import { GroupCommit } from './group-commit.js';
import type { LogView } from './partition-read.js';
import { deleteSegments } from './retention.js';
import { ProducerStateTable, type SnapshotProducer } from './producer-state.js';
import { rebuildProducerState, writeSnapshot } from './producer-snapshot.js';

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  recordCount: number;
  /** -1 unless the log assigned log-append time (not implemented: always -1). */
  logAppendTime: number;
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
  /** Forget an idempotent producer this long after its last append (default 1 day; producer-state.ts). */
  producerIdExpirationMs?: number;
  /** The open-file budget shared with other partitions (file-pool.ts). Default: unlimited, files stay open. */
  files?: FilePool;
}

/** Kafka's producer.id.expiration.ms default. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_TAIL_CACHE_BYTES = 4 * 1024 * 1024;
const MAX_RELATIVE_OFFSET = 0x7fff_ffff;

export abstract class PartitionCore {
  protected readonly queue = new SerialQueue();
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  protected cfg: Readonly<PartitionConfig>;
  protected readonly fs: StorageFs;
  protected readonly files: FilePool;
  protected readonly clock: Clock;
  protected readonly logger: Logger;
  protected readonly cache: TailCache;
  protected readonly commit: GroupCommit;
  protected segments: Segment[] = [];
  protected startOffset = 0;
  protected endOffset = 0;
  /**
   * Counts truncations (the log end moving back: truncateTo, or an fsync failure's rollback). Bumped
   * when one starts and again when it ends, so bytes read before or during one can be told from bytes
   * read after it: a reader that kept bytes for later (the broker's fetch read-ahead) compares it.
   */
  protected truncations = 0;
  /** 'frozen': mutations refused while the partition's directory is being deleted (then discarded, or thawed). */
  protected state: 'open' | 'frozen' | 'closing' | 'closed' = 'open';
  protected closing: Promise<void> | undefined;
  /** Set when a failure could not be cleaned up: every mutation then fails until the log is reopened. */
  protected failure: StorageError | undefined;
  /** What the checkpoint file on disk says. */
  protected onDisk = { clean: false, recoveryPoint: -1, logStartOffset: -1 };
  protected flushTimer: NodeJS.Timeout | undefined;
  protected readonly view: LogView;
  /** Idempotent-producer state of this partition (producer-state.ts); changed only inside the queue. */
  protected readonly producers = new ProducerStateTable();
  /** Offset of the newest producer snapshot file, -1 when there is none. */
  protected lastSnapshotOffset = -1;
  protected readonly producerIdExpirationMs: number;

  abstract flush(): Promise<void>;

  protected constructor(options: PartitionLogOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.dir = options.dir;
    this.cfg = resolvePartitionConfig(options.config);
    this.fs = options.fs ?? nodeFs;
    this.files = options.files ?? new FilePool();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? noopLogger;
    this.cache = new TailCache(options.tailCacheBytes ?? DEFAULT_TAIL_CACHE_BYTES);
    this.producerIdExpirationMs = options.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS;
    this.commit = new GroupCommit({
      snapshot: () => ({ segment: this.active, offset: this.endOffset, size: this.active.size }),
      rollback: (err) => this.queue.run(() => this.rollbackUnflushed(err)),
      now: () => this.clock.now(),
    });
    const self = this;
    this.view = {
      name: this.name,
      cache: this.cache,
      get segments() {
        return self.segments;
      },
      get logStartOffset() {
        return self.startOffset;
      },
      get logEndOffset() {
        return self.endOffset;
      },
      rebuildIndex: (segment) => this.rebuildIndex(segment),
    };
  }

  protected get name(): string {
    return `${this.topic}-${this.partition}`;
  }

  protected get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  protected async load(repair: boolean): Promise<void> {
    const ctx = {
      fs: this.fs,
      files: this.files,
      dir: this.dir,
      indexIntervalBytes: this.cfg.indexIntervalBytes,
      repair,
      logger: this.logger,
      clock: this.clock,
    };
    let loaded;
    try {
      loaded = await loadPartition(ctx);
    } catch (err) {
      throw asStorageError(err, `cannot open partition ${this.name} in ${this.dir}`);
    }
    const { segments, checkpoint, recovered } = loaded;
    const fresh = segments.length === 0;
    if (fresh) segments.push(await this.createSegment(checkpoint?.logStartOffset ?? 0));
    for (const s of segments) s.fh.onPressure = this.relieve;
    this.segments = segments;
    this.endOffset = this.active.nextOffset;
    this.startOffset = Math.max(checkpoint?.logStartOffset ?? 0, segments[0]!.baseOffset);
    if (this.startOffset > this.endOffset) {
      this.logger.warn(
        { partition: this.name, logStartOffset: this.startOffset, logEndOffset: this.endOffset },
        'log start offset beyond the recovered log end; moving it back',
      );
      this.startOffset = this.endOffset;
    }
    if (recovered) for (const s of segments) await s.fh.sync();
    for (const s of segments) s.flushedSize = s.size;
    this.commit.reset(this.endOffset);
    try {
      // A clean checkpoint holds the producer table as of its recovery point = the log end.
      const clean = checkpoint?.cleanShutdown === true && checkpoint.recoveryPoint === this.endOffset;
      await this.rebuildProducers(clean ? { producers: checkpoint.producers } : null);
    } catch (err) {
      await Promise.all(segments.map((s) => s.close().catch(() => {})));
      throw asStorageError(err, `cannot rebuild the producer state of partition ${this.name}`);
    }
    this.onDisk = {
      clean: checkpoint?.cleanShutdown === true,
      recoveryPoint: checkpoint?.recoveryPoint ?? -1,
      logStartOffset: checkpoint?.logStartOffset ?? -1,
    };
    // Without a checkpoint every segment was scanned (recovered, unless all were empty). A new partition
    // needs no checkpoint (none = recover from offset 0, i.e. nothing), only its first segment's directory
    // entry made durable; its parent directory entry is the caller's (LogManager).
    if (recovered) await this.writeCheckpoint(false);
    else if (fresh) await this.fs.syncDir(this.dir);
    this.logger.info(
      {
        partition: this.name,
        logStartOffset: this.startOffset,
        logEndOffset: this.endOffset,
        segments: segments.length,
        recovered,
      },
      'partition opened',
    );
  }

  /** A new empty segment file, counted against the open-file budget. */
  protected async createSegment(baseOffset: number): Promise<Segment> {
    const segment = await Segment.create(this.fs, this.dir, baseOffset, this.cfg.indexIntervalBytes, this.files);
    segment.fh.onPressure = this.relieve;
    return segment;
  }

  /**
   * The file pool is over budget and this partition's active segment holds unflushed data, so its file
   * cannot be closed: flush it (the pool closes it once it is clean and idle).
   */
  private readonly relieve = (): void => {
    if (this.state === 'open' && !this.failure)
      this.flush().catch((err) => this.logger.warn({ err, partition: this.name }, 'flush to free a file failed'));
  };

  protected checkWritable(): void {
    if (this.state !== 'open') throw new LogClosedError(`partition ${this.name}`);
    if (this.failure) {
      throw new StorageIOError(
        `partition ${this.name} is offline after an I/O error that could not be cleaned up; reopen it`,
        this.failure,
      );
    }
  }

  /** Runs a mutation in the serial queue after re-checking that the log is writable. */
  protected mutate<T>(task: () => Promise<T>): Promise<T> {
    this.checkWritable();
    return this.queue.run(async () => {
      this.checkWritable();
      return task();
    });
  }

  /** After a failed write: cut the file back so no partial batch stays; if that fails too, go offline. */
  protected async cutBack(segment: Segment, position: number, cause: unknown): Promise<void> {
    try {
      await segment.fh.truncate(position);
    } catch (err) {
      this.goOffline(err, `cannot cut ${segment.logPath} back to ${position} after a failed write`);
    }
    this.logger.error({ err: cause, file: segment.logPath, position }, 'append write failed');
  }

  protected goOffline(cause: unknown, message: string): void {
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
  protected async rollbackUnflushed(cause: unknown): Promise<void> {
    const segment = this.active;
    const error = new StorageIOError(
      `fsync of ${segment.logPath} failed; data after offset ${this.commit.flushedOffset} was discarded`,
      cause,
    );
    if (this.failure) return this.commit.failAll(error);
    // Hide the unknown data from readers first; the waiters learn of the failure only once the log is
    // consistent again, so a caller that sees the rejection never sees the discarded offsets.
    const lostFrom = this.commit.flushedOffset;
    const lostTo = this.endOffset;
    // A group-commit fsync still in flight could succeed during the truncation below and acknowledge
    // offsets that are about to be discarded and reused: it must not count any more.
    this.commit.invalidateInFlight();
    this.truncations++;
    this.endOffset = lostFrom;
    this.cache.clear();
    try {
      await segment.truncateTo(segment.flushedSize);
    } catch (err) {
      this.goOffline(err, `cannot discard unflushed data of ${segment.logPath} after an fsync failure`);
      return this.commit.failAll(error);
    }
    // Never beyond the end readers knew: an append spanning segments that fails here still holds its
    // first part in this segment, unseen, until it cuts it away itself (PartitionLog.discardPartialAppend).
    this.endOffset = Math.min(segment.nextOffset, lostTo);
    this.truncations++;
    try {
      await this.trimProducers();
    } catch (err) {
      this.goOffline(err, `cannot rebuild the producer state of ${this.name} after an fsync failure`);
      return this.commit.failAll(error);
    }
    this.commit.reset(this.endOffset);
    this.commit.failAll(error);
    this.logger.error(
      { err: cause, file: segment.logPath, from: lostFrom, to: lostTo },
      'fsync failed; discarded unflushed data',
    );
  }

  protected armFlushTimer(ms: number): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.state === 'open')
        this.flush().catch((err) => this.logger.error({ err, partition: this.name }, 'interval flush failed'));
    }, ms);
    this.flushTimer.unref();
  }

  /** First mutation after a clean open: the checkpoint must stop claiming a clean shutdown. */
  protected async markDirty(): Promise<void> {
    if (this.onDisk.clean) await this.writeCheckpoint(false);
  }

  protected async writeCheckpoint(clean: boolean): Promise<void> {
    const recoveryPoint = clean ? this.endOffset : this.commit.flushedOffset;
    await writeCheckpoint(this.fs, this.dir, {
      version: 1,
      topic: this.topic,
      partition: this.partition,
      logStartOffset: this.startOffset,
      recoveryPoint,
      cleanShutdown: clean,
      // Clean shutdown: the producer table as of the log end (see producer-snapshot.ts).
      ...(clean && this.producers.size > 0 ? { producers: this.producers.toSnapshot() } : {}),
    });
    this.onDisk = { clean, recoveryPoint, logStartOffset: this.startOffset };
  }

  /**
   * Must the active segment roll before it takes a batch of `bytes` ending at offset `lastOffset`, with
   * `pending` bytes of the same append placed before it? Checked per batch, so no segment passes
   * `segmentBytes` or its 32-bit relative offsets; only a batch alone in its segment may be larger.
   * (Synchronous: hot path.)
   */
  protected needsRoll(pending: number, bytes: number, lastOffset: number): boolean {
    const segment = this.active;
    const size = segment.size + pending;
    if (size === 0) return false;
    if (size + bytes > this.cfg.segmentBytes || lastOffset - segment.baseOffset > MAX_RELATIVE_OFFSET) return true;
    return segment.size > 0 && this.clock.now() - segment.rollBaseTime >= this.cfg.segmentMs;
  }

  /**
   * Seals the active segment and starts a new one where it ends (the log end, or, inside an append that
   * spans segments, the end of what that append wrote so far). The sealed segment is fsynced first, which
   * keeps the invariant that only the active segment holds unflushed data. Runs inside the queue.
   */
  protected async roll(): Promise<void> {
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
    // The producer table as of the new segment's base: a crash then replays at most the active segment.
    const base = old.nextOffset;
    await this.snapshotProducers(base);
    let segment: Segment;
    try {
      segment = await this.createSegment(base);
      await this.fs.syncDir(this.dir);
    } catch (err) {
      throw new StorageIOError(`cannot create segment ${base} in ${this.dir}`, err);
    }
    this.segments.push(segment);
    this.logger.debug({ partition: this.name, baseOffset: segment.baseOffset }, 'rolled a new segment');
  }

  /** Replays the newest producer snapshot and the batch headers after it (open, or a trim that lost history). */
  protected async rebuildProducers(clean: { producers: SnapshotProducer[] | undefined } | null): Promise<void> {
    const { replayed, lastSnapshotOffset } = await rebuildProducerState(this.producers, {
      fs: this.fs,
      dir: this.dir,
      segments: this.segments,
      logEndOffset: this.endOffset,
      clean,
      logger: this.logger,
      nowMs: this.clock.now(),
    });
    this.lastSnapshotOffset = lastSnapshotOffset;
    if (replayed > 0)
      this.logger.debug({ partition: this.name, replayed, producers: this.producers.size }, 'producer state rebuilt');
  }

  /** Forgets producers idle past the expiration time or wholly below the log start (maintenance). */
  protected async expireProducers(now: number): Promise<void> {
    if (this.producers.size === 0) return;
    await this.queue.run(async () => {
      const removed = this.producers.expire(now, this.producerIdExpirationMs, this.startOffset);
      if (removed > 0)
        this.logger.info(
          { partition: this.name, removed, remaining: this.producers.size },
          'expired idempotent producer state',
        );
    });
  }

  /** The log end moved back: forget producer batches that are gone (rebuild when trimming is not enough). */
  protected async trimProducers(): Promise<void> {
    if (this.producers.size === 0 && this.lastSnapshotOffset < 0) return;
    if (!this.producers.truncateTo(this.endOffset) || this.lastSnapshotOffset > this.endOffset)
      await this.rebuildProducers(null);
  }

  /** Writes a producer snapshot as of `offset` (segment roll: the new segment's base). Runs inside the queue. */
  protected async snapshotProducers(offset = this.endOffset): Promise<void> {
    if (this.producers.size === 0 && this.lastSnapshotOffset < 0) return;
    if (this.lastSnapshotOffset === offset) return;
    await writeSnapshot(this.fs, this.dir, offset, this.producers, this.logger);
    this.lastSnapshotOffset = offset;
  }

  /** Runs in the queue: a lookup found an index entry that does not point at its batch. */
  protected rebuildIndex(segment: Segment): Promise<void> {
    return this.queue.run(async () => {
      if (this.state === 'closed' || !this.segments.includes(segment))
        throw new LogClosedError(`segment ${segment.logPath}`);
      this.logger.warn({ file: segment.indexPath }, 'index does not match the log; rebuilding it');
      const result = await segment.rebuildInPlace();
      if (result.error) throw new CorruptLogError(segment.logPath, result.error.position, result.error.reason);
      if (segment !== this.active) await segment.persistIndexes(this.logger);
      // The active segment's index files on disk are the bad ones: close must rewrite them (see closeNow).
      else await this.markDirty();
    });
  }

  /** fsync the active segment from inside the queue (errors roll back like GroupCommit's). */
  protected async syncActive(): Promise<void> {
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
  protected async removeSegments(victims: Segment[]): Promise<number> {
    if (victims.length === 0) return 0;
    this.segments = this.segments.slice(victims.length);
    this.startOffset = Math.max(this.startOffset, this.segments[0]!.baseOffset);
    if (this.startOffset !== this.onDisk.logStartOffset) await this.writeCheckpoint(false);
    await deleteSegments(victims, this.logger);
    return victims.length;
  }

  protected async runCleanup(segment: Segment, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      this.goOffline(err, `cannot truncate ${segment.logPath}`);
      throw this.failure;
    }
  }
}
