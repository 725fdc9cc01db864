// One partition's log, loaded: the public API, its lifecycle (open, frozen, closing, closed) and the composition of
// the owners that do the work. The rest of the engine reaches it through PartitionLog (lazy-partition-log.ts),
// which keeps a partition dormant (nothing open, nothing in memory) until its first use (README.md "The partition log: who owns what"):
//   recovery           partition-load.ts        opening a directory, scanning and cutting a torn tail
//   segments & offsets log-segments.ts         the segment list, log start/end, tail cache, truncation count
//   append             partition-append.ts      offsets, writes in runs, rolls
//   read               partition-read.ts        reads and time lookups (never mutates)
//   failures           partition-failure.ts     cut-back after a failed write, rollback after a failed fsync, offline
//   flush              group-commit.ts          fsyncs shared by concurrent appends
//   checkpoint         partition-checkpoint.ts  what partition.checkpoint says and its only writer
//   producers          partition-producers.ts   idempotent-producer table and its snapshots, open transactions
//   aborted txns       txn-index.ts             the aborted transactions per segment (.txnindex)
// Truncation and retention, which move the log's ends, are here: they drive several owners at once.
//
// Concurrency: every mutation (append's write, roll, truncation, retention, checkpoint, rollback after a
// failed fsync, close) runs in one SerialQueue, so file positions and offsets need no locks and concurrent
// appends get offsets in call order. Reads never enter the queue: they snapshot the log start and end
// synchronously and hold a reference on the segment they read (Segment.retain), so a segment removed
// meanwhile closes its file after their last read. fsyncs run outside the queue (GroupCommit), so appends
// keep writing while a flush is in flight; a rollback after a failed one enters the queue like any mutation.
import type { StorageFs } from './fs.js';
import { nodeFs } from './fs.js';
import type { PartitionConfig, ResolvedPartitionConfig } from './config.js';
import { resolvePartitionConfig } from './config.js';
import type { Clock, Logger } from './types.js';
import { noopLogger, systemClock } from './types.js';
import { SerialQueue } from './serial-queue.js';
import { INDEX_MISMATCH, Segment } from './segment.js';
import { FilePool } from './file-pool.js';
import { type ParsedBatches, parseBatches } from './append-batches.js';
import { CorruptLogError, LogClosedError, OffsetOutOfRangeError, StorageError, asStorageError } from './errors.js';
import { GroupCommit } from './group-commit.js';
import { LogSegments } from './log-segments.js';
import { LogReader } from './partition-read.js';
import type { ReadOptions, ReadResult } from './partition-read.js';
import { type RecoveredPartition, recoverPartition } from './partition-load.js';
import { Appender, type AppendResult, type WrittenAppend } from './partition-append.js';
import { FailureHandler } from './partition-failure.js';
import { RecoveryCheckpoint } from './partition-checkpoint.js';
import { DEFAULT_PRODUCER_ID_EXPIRATION_MS, PartitionProducers } from './partition-producers.js';
import { deleteSegments, retentionVictims } from './retention.js';
import { completeSwap, writeSwapRecord } from './cleaner-swap.js';
import { TxnIndex } from './txn-index.js';
import {
  buildControlBatch,
  CONTROL_TYPE_ABORT,
  CONTROL_TYPE_COMMIT,
  isControlBatch,
  readControlRecord,
  type TransactionMarker,
} from './format/control-batch.js';
import { readBatchHeader } from './format/record-batch.js';
import { type EpochEnd, LeaderEpochs } from './leader-epochs.js';
import type { AbortedTransaction } from './producer-state.js';
import type { TailCacheBudget } from './tail-cache-budget.js';
import type { PartitionCheckpoint } from './checkpoint.js';
import type { PartitionSummary } from './clean-shutdown.js';
import type { RecordCodecs } from './batch-records.js';

export type { AppendResult, ReadOptions, ReadResult, AbortedTransaction };
export { DEFAULT_PRODUCER_ID_EXPIRATION_MS };

export const DEFAULT_TAIL_CACHE_BYTES = 4 * 1024 * 1024;

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
  /** The bound shared with the other partitions' tail caches (tail-cache-budget.ts). Default: none. */
  tailCacheBudget?: TailCacheBudget;
  /** Forget an idempotent producer this long after its last append (default 1 day; producer-state.ts). */
  producerIdExpirationMs?: number;
  /** The open-file budget shared with other partitions (file-pool.ts). Default: unlimited, files stay open. */
  files?: FilePool;
  /**
   * Record codecs (storage knows none), for lookups by time inside compressed batches (Segment.findByTimestamp).
   * Default: none, and such a lookup answers to the batch.
   */
  codecs?: RecordCodecs;
}

interface Environment {
  config: ResolvedPartitionConfig;
  fs: StorageFs;
  files: FilePool;
  clock: Clock;
  logger: Logger;
}

export class LoadedPartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  readonly #name: string;
  #config: ResolvedPartitionConfig;
  readonly #fs: StorageFs;
  readonly #files: FilePool;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #queue = new SerialQueue();
  /** 'frozen': mutations refused while the partition's directory is being deleted (then discarded, or thawed). */
  #state: 'open' | 'frozen' | 'closing' | 'closed' = 'open';
  #closing: Promise<void> | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  readonly #log: LogSegments;
  readonly #commit: GroupCommit;
  readonly #producers: PartitionProducers;
  readonly #txnIndex: TxnIndex;
  readonly #checkpoint: RecoveryCheckpoint;
  readonly #failures: FailureHandler;
  readonly #appender: Appender;
  readonly #reader: LogReader;
  /** The leader-epoch history: built on first use (replication), then kept by appends and truncations. */
  #epochs: LeaderEpochs | undefined;
  /** Closed for the clean-shutdown file, whose entry stands for the checkpoint this close did not write. */
  #inCleanShutdownFile = false;

  /**
   * Opens (and recovers) the partition in `options.dir`. `cleanCheckpoint`: the clean-shutdown file's entry
   * for it, which stands for a clean partition.checkpoint (clean-shutdown.ts, version 3).
   */
  static async open(options: PartitionLogOptions, cleanCheckpoint?: PartitionCheckpoint): Promise<LoadedPartitionLog> {
    const env: Environment = {
      config: resolvePartitionConfig(options.config),
      fs: options.fs ?? nodeFs,
      files: options.files ?? new FilePool(),
      clock: options.clock ?? systemClock,
      logger: options.logger ?? noopLogger,
    };
    const name = `${options.topic}-${options.partition}`;
    const recovered = await recoverPartition({
      ...env,
      name,
      dir: options.dir,
      indexIntervalBytes: env.config.indexIntervalBytes,
      repair: options.repair ?? false,
      cleanCheckpoint,
    });
    const log = new LoadedPartitionLog(options, env, recovered);
    await log.#finishOpen(recovered);
    return log;
  }

  private constructor(options: PartitionLogOptions, env: Environment, recovered: RecoveredPartition) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.dir = options.dir;
    this.#name = `${this.topic}-${this.partition}`;
    this.#config = env.config;
    this.#fs = env.fs;
    this.#files = env.files;
    this.#clock = env.clock;
    this.#logger = env.logger;
    const { segments, logStartOffset, checkpoint, onDisk } = recovered;
    for (const s of segments) s.fh.onPressure = this.#relieve;
    const log = new LogSegments(
      segments,
      logStartOffset,
      options.tailCacheBytes ?? DEFAULT_TAIL_CACHE_BYTES,
      options.tailCacheBudget,
    );
    this.#log = log;
    this.#commit = new GroupCommit({
      snapshot: () => ({ segment: log.active, offset: log.logEndOffset, size: log.active.size }),
      rollback: (err) => this.#queue.run(() => this.#failures.rollbackUnflushed(err)),
      now: () => this.#clock.now(),
    });
    this.#commit.reset(log.logEndOffset);
    this.#txnIndex = new TxnIndex(this.#fs, this.dir);
    this.#producers = new PartitionProducers({
      onAborted: (segmentBase, aborted) => this.#txnIndex.add(segmentBase, aborted),
      name: this.#name,
      fs: this.#fs,
      dir: this.dir,
      clock: this.#clock,
      logger: this.#logger,
      expirationMs: options.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS,
    });
    this.#checkpoint = new RecoveryCheckpoint(
      {
        fs: this.#fs,
        dir: this.dir,
        topic: this.topic,
        partition: this.partition,
        log,
        producers: this.#producers,
        flushedOffset: () => this.#commit.flushedOffset,
      },
      {
        clean: onDisk?.cleanShutdown === true,
        recoveryPoint: onDisk?.recoveryPoint ?? -1,
        logStartOffset: onDisk?.logStartOffset ?? -1,
      },
      checkpoint?.cleanShutdown === true && checkpoint.recoveryPoint === log.logEndOffset && !recovered.recovered,
    );
    this.#failures = new FailureHandler({
      name: this.#name,
      log,
      commit: this.#commit,
      producers: this.#producers,
      txnIndex: this.#txnIndex,
      logger: this.#logger,
    });
    this.#appender = new Appender({
      name: this.#name,
      dir: this.dir,
      fs: this.#fs,
      clock: this.#clock,
      logger: this.#logger,
      log,
      commit: this.#commit,
      producers: this.#producers,
      failures: this.#failures,
      checkpoint: this.#checkpoint,
      config: () => this.#config,
      newSegment: (baseOffset) => this.#newSegment(baseOffset),
      scheduleFlush: (ms) => this.#scheduleFlush(ms),
    });
    this.#reader = new LogReader(log, this.#name, (segment) => this.#rebuildIndex(segment), options.codecs);
  }

  /** The producer table and the checkpoint a recovery calls for. */
  async #finishOpen({ segments, checkpoint, recovered, fresh, names }: RecoveredPartition): Promise<void> {
    const log = this.#log;
    try {
      // A clean checkpoint holds the producer table as of its recovery point = the log end.
      const clean = checkpoint?.cleanShutdown === true && checkpoint.recoveryPoint === log.logEndOffset;
      await this.#txnIndex.load(names);
      const cleanTable = clean ? { producers: checkpoint.producers } : null;
      await this.#producers.rebuild(log.all, log.logEndOffset, cleanTable, names);
      await this.#txnIndex.truncateTo(log.logEndOffset);
    } catch (err) {
      await Promise.all(segments.map((s) => s.close().catch(() => {})));
      throw asStorageError(err, `cannot rebuild the producer state of partition ${this.#name}`);
    }
    // A recovery fsynced what it scanned; a new checkpoint is written only when the file is behind what the
    // next recovery would trust or scan (RecoveryCheckpoint.behind): else the file still holds. A new partition
    // needs no checkpoint (none = recover from offset 0, i.e. nothing), only its first segment's directory
    // entry made durable; its parent directory entry is the caller's (LogManager).
    if (recovered) {
      if (this.#checkpoint.behind) await this.#checkpoint.write(false);
    } else if (fresh) await this.#fs.syncDir(this.dir);
    this.#logger.info(
      {
        partition: this.#name,
        logStartOffset: log.logStartOffset,
        logEndOffset: log.logEndOffset,
        segments: segments.length,
        recovered,
      },
      'partition opened',
    );
  }

  get config(): ResolvedPartitionConfig {
    return this.#config;
  }

  updateConfig(config: PartitionConfig): void {
    this.#config = resolvePartitionConfig(config);
    for (const s of this.#log.all) s.indexIntervalBytes = this.#config.indexIntervalBytes;
    if (this.#config.flush.kind !== 'interval' && this.#flushTimer) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = undefined;
    }
  }

  get logStartOffset(): number {
    return this.#log.logStartOffset;
  }
  /** Next offset to be assigned; every offset below it is written (readable). */
  get logEndOffset(): number {
    return this.#log.logEndOffset;
  }
  /** Every offset below this is fsynced. flushedOffset <= logEndOffset. */
  get flushedOffset(): number {
    return this.#commit.flushedOffset;
  }
  /** Changes whenever a truncation starts or ends: equal values before and after a read mean no truncation overlapped it or came after it. */
  get truncationCount(): number {
    return this.#log.truncationCount;
  }
  get sizeInBytes(): number {
    return this.#log.sizeInBytes;
  }
  get segmentCount(): number {
    return this.#log.count;
  }

  /** `maxBatchBytes`: refuse (RecordTooLargeError, nothing written) any batch larger than this. */
  /**
   * Not an async function: with the queue idle and nothing in the append that waits (Appender.appendNow),
   * it is done in this call, inside the queue (SerialQueue.runNow), and the promise returned is the only
   * one made; else queued as every mutation.
   */
  append(batches: Buffer, options: { leaderEpoch?: number; maxBatchBytes?: number } = {}): Promise<AppendResult> {
    let now: WrittenAppend | Promise<WrittenAppend> | null;
    let parsed: ParsedBatches;
    try {
      this.#checkWritable();
      parsed = parseBatches(batches, options.maxBatchBytes);
      // appendNow's null (it would wait) and the queue's (busy) mean the same: queue the append.
      now = this.#queue.runNow(() => this.#appendNow(batches, parsed, options.leaderEpoch), null) as
        | WrittenAppend
        | Promise<WrittenAppend>
        | null;
    } catch (error) {
      return Promise.reject(error);
    }
    if (now === null) return this.#appendQueued(batches, parsed, options);
    if (now instanceof Promise)
      return now.then(({ result, flushed }) => (flushed ? flushed.then(() => result) : result));
    const { result, flushed } = now;
    return flushed ? flushed.then(() => result) : Promise.resolve(result);
  }

  #appendNow(
    batches: Buffer,
    parsed: ParsedBatches,
    leaderEpoch: number | undefined,
  ): WrittenAppend | Promise<WrittenAppend> | null {
    const before = this.#log.logEndOffset;
    const written = this.#appender.appendNow(batches, parsed, leaderEpoch);
    if (
      written !== null &&
      !(written instanceof Promise) &&
      this.#epochs &&
      leaderEpoch !== undefined &&
      this.#log.logEndOffset > before
    )
      this.#epochs.observe(leaderEpoch, before);
    return written;
  }

  async #appendQueued(
    batches: Buffer,
    parsed: ParsedBatches,
    options: { leaderEpoch?: number; maxBatchBytes?: number },
  ): Promise<AppendResult> {
    const { result, flushed } = await this.#mutate(async () => {
      const before = this.#log.logEndOffset;
      const written = await this.#appender.append(batches, parsed, options.leaderEpoch);
      if (this.#epochs && options.leaderEpoch !== undefined && this.#log.logEndOffset > before)
        this.#epochs.observe(options.leaderEpoch, before);
      return written;
    });
    if (flushed) await flushed;
    return result;
  }

  /**
   * A follower's append of its leader's batches as they are: same offsets (the first at or after the log
   * end; a compacted leader may leave gaps), same leader epochs, same producer ids and sequences (the
   * leader checked them; the producer table here records them, so exactly-once survives a failover), and
   * transaction markers recorded like the leader's. Waits for the flush policy like append().
   */
  async appendReplicated(batches: Buffer): Promise<AppendResult> {
    this.#checkWritable();
    const parsed = parseBatches(batches, undefined, 'replication');
    const { result, flushed } = await this.#mutate(async () => {
      const written = await this.#appender.append(batches, parsed, undefined, true);
      for (const position of parsed.positions) {
        const header = readBatchHeader(batches, position);
        this.#epochs?.observe(header.partitionLeaderEpoch, header.baseOffset);
        if (!isControlBatch(batches, position)) continue;
        const control = readControlRecord(batches, position, position + header.sizeInBytes);
        if (control?.type !== CONTROL_TYPE_ABORT && control?.type !== CONTROL_TYPE_COMMIT) continue;
        const commit = control.type === CONTROL_TYPE_COMMIT;
        const aborted = this.#producers.recordMarker(
          header.producerId,
          header.producerEpoch,
          header.baseOffset,
          commit,
        );
        if (aborted) await this.#txnIndex.add(this.#log.segmentFor(header.baseOffset).baseOffset, aborted);
      }
      return written;
    });
    if (flushed) await flushed;
    return result;
  }

  /** The newest leader epoch of the log's batches (-1: none). Builds the epoch history on first use. */
  async latestLeaderEpoch(): Promise<number> {
    return (await this.#leaderEpochs()).latest;
  }

  /**
   * Kafka's OffsetForLeaderEpoch for this log: the largest epoch at or below `epoch` and the offset where it
   * ends (the next epoch's first offset, or the log end). A follower truncates to it (KIP-101/279).
   */
  async endOffsetForLeaderEpoch(epoch: number): Promise<EpochEnd> {
    const epochs = await this.#leaderEpochs();
    return epochs.endOf(epoch, this.#log.logEndOffset);
  }

  #leaderEpochs(): Promise<LeaderEpochs> {
    if (this.#epochs) return Promise.resolve(this.#epochs);
    return this.#queue.run(async () => {
      this.#epochs ??= await LeaderEpochs.build(this.#log.all);
      return this.#epochs;
    });
  }

  /**
   * Writes a transaction marker (a control batch: COMMIT or ABORT) for `producerId`, ending its open
   * transaction in this partition; an ABORT goes to the aborted-transactions index. Only a transaction
   * coordinator calls this. Throws ProducerSequenceError (INVALID_PRODUCER_EPOCH) for an epoch older than
   * the producer's. In cluster mode the leader stamps it with its `leaderEpoch`, as append() does.
   */
  async appendMarker(
    marker: Omit<TransactionMarker, 'timestamp'>,
    options: { leaderEpoch?: number } = {},
  ): Promise<AppendResult> {
    this.#checkWritable();
    const batch = buildControlBatch({ ...marker, timestamp: this.#clock.now() });
    const parsed = parseBatches(batch, undefined, 'coordinator');
    const { leaderEpoch } = options;
    const { result, flushed } = await this.#mutate(async () => {
      this.#producers.checkMarker(marker.producerId, marker.producerEpoch);
      const before = this.#log.logEndOffset;
      const written = await this.#appender.append(batch, parsed, leaderEpoch);
      if (this.#epochs && leaderEpoch !== undefined && this.#log.logEndOffset > before)
        this.#epochs.observe(leaderEpoch, before);
      const offset = written.result.baseOffset;
      const aborted = this.#producers.recordMarker(marker.producerId, marker.producerEpoch, offset, marker.commit);
      if (aborted) await this.#txnIndex.add(this.#log.segmentFor(offset).baseOffset, aborted);
      return written;
    });
    if (flushed) await flushed;
    return result;
  }

  /**
   * The first offset of a transaction still open in this partition, -1 when none is: the last stable
   * offset (what read_committed consumers may read up to) is the lower of it and the high watermark.
   */
  get firstUnstableOffset(): number {
    return this.#producers.firstUnstableOffset();
  }

  /** Aborted transactions whose data overlaps offsets [from, to), oldest first (read_committed fetches). */
  abortedTransactions(from: number, to: number): AbortedTransaction[] {
    const end = Math.min(to, this.#log.logEndOffset);
    return this.#txnIndex.overlapping(Math.max(from, this.#log.logStartOffset), end);
  }

  read(offset: number, options: ReadOptions): Promise<ReadResult> {
    if (this.#state === 'closed') return Promise.reject(new LogClosedError(`partition ${this.#name}`));
    return this.#reader.read(offset, options);
  }

  /** `read()` when memory serves it, in this call (LogReader.readNow); null: call `read()`. */
  readNow(offset: number, options: ReadOptions): ReadResult | null {
    if (this.#state === 'closed') return null;
    return this.#reader.readNow(offset, options);
  }

  /** Where `read(offset, options)` would end, when the index tells without reading (LogReader.plannedReadEnd). */
  plannedReadEnd(offset: number, options: ReadOptions): number | null {
    if (this.#state === 'closed') return null;
    return this.#reader.plannedReadEnd(offset, options);
  }

  async offsetForTimestamp(timestamp: number): Promise<{ offset: number; timestamp: number } | null> {
    if (this.#state === 'closed') throw new LogClosedError(`partition ${this.#name}`);
    return this.#reader.offsetForTimestamp(timestamp);
  }

  /** Resolves once every offset written before the call is fsynced. */
  async flush(): Promise<void> {
    if (this.#state === 'closed') throw new LogClosedError(`partition ${this.#name}`);
    await this.#commit.waitFor(this.#log.logEndOffset);
  }

  async deleteRecordsBefore(offset: number): Promise<void> {
    await this.#mutate(async () => {
      const log = this.#log;
      if (offset > log.logEndOffset)
        throw new OffsetOutOfRangeError(offset, log.logStartOffset, log.logEndOffset, this.#name);
      if (offset <= log.logStartOffset) return;
      // The new start must not point past what a crash could keep.
      if (offset > this.#commit.flushedOffset) await this.#failures.syncActive();
      await this.#checkpoint.markDirty();
      log.moveStart(offset);
      await this.#checkpoint.write(false);
      if (log.active.nextOffset <= offset && log.active.size > 0) await this.#appender.roll();
      await this.#removeOldest(retentionVictims(log.all, log.logStartOffset, this.#config, this.#clock.now(), false));
    });
  }

  async enforceRetention(): Promise<number> {
    return this.#mutate(async () => {
      const log = this.#log;
      const victims = retentionVictims(log.all, log.logStartOffset, this.#config, this.#clock.now(), true);
      if (victims.length > 0) await this.#checkpoint.markDirty();
      await this.#removeOldest(victims);
      if (victims.length > 0)
        this.#logger.info(
          { partition: this.#name, deleted: victims.length, logStartOffset: log.logStartOffset },
          'retention deleted segments',
        );
      return victims.length;
    });
  }

  /** Removes whole segments from the front; the log start moves to the first remaining offset. */
  async #removeOldest(victims: Segment[]): Promise<void> {
    if (victims.length === 0) return;
    this.#log.removeOldest(victims.length);
    for (const s of victims) this.#txnIndex.forgetSegment(s.baseOffset);
    if (this.#log.logStartOffset !== this.#checkpoint.logStartOffset) await this.#checkpoint.write(false);
    await deleteSegments(victims, this.#logger);
  }

  async truncateTo(offset: number): Promise<void> {
    await this.#mutate(async () => {
      const log = this.#log;
      if (offset >= log.logEndOffset) return;
      log.truncationStarted();
      this.#commit.invalidateInFlight();
      await this.#checkpoint.markDirty();
      if (offset <= log.logStartOffset) return this.#truncateFully(Math.max(offset, 0));
      const segment = log.segmentFor(offset);
      let position = await segment.positionOf(offset);
      if (position === INDEX_MISMATCH) {
        await segment.rebuildInPlace();
        position = await segment.positionOf(offset);
        if (position === INDEX_MISMATCH) throw new CorruptLogError(segment.logPath, 0, 'index does not match the log');
      }
      const removed = log.removeAfter(segment);
      for (const s of removed) this.#txnIndex.forgetSegment(s.baseOffset);
      await deleteSegments(removed, this.#logger);
      const at = position;
      await this.#failures.cleanUp(`cannot truncate ${segment.logPath}`, () => segment.truncateTo(at));
      await this.#afterTruncation();
    });
  }

  /**
   * Replication: drops every segment and restarts the log empty at `offset`, which may lie past the log end
   * (a follower whose log ends below its leader's log start restarts at that start: Kafka's
   * truncateFullyAndStartAt). Durable like truncateTo.
   */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new RangeError(`cannot restart partition ${this.#name} at offset ${offset}`);
    await this.#mutate(async () => {
      this.#log.truncationStarted();
      this.#commit.invalidateInFlight();
      await this.#checkpoint.markDirty();
      await this.#truncateFully(offset);
    });
  }

  /** Drops every segment and restarts the log empty at `offset` (replication: below the log start). */
  async #truncateFully(offset: number): Promise<void> {
    const old = this.#log.replaceAll(await this.#newSegment(offset));
    this.#epochs = undefined; // rebuilt from the (empty) log when next asked
    // A segment with the same base offset shares its file name with the new one: close it, do not unlink it.
    for (const s of old) if (s.baseOffset === offset) void s.close().catch(() => {});
    await deleteSegments(
      old.filter((s) => s.baseOffset !== offset),
      this.#logger,
    );
    await this.#producers.clear();
    for (const s of old) this.#txnIndex.forgetSegment(s.baseOffset);
    await this.#txnIndex.truncateTo(0);
    await this.#afterTruncation();
  }

  async #afterTruncation(): Promise<void> {
    const log = this.#log;
    const active = log.active;
    await this.#failures.cleanUp(`cannot truncate ${active.logPath}`, () => active.fh.sync());
    await this.#fs.syncDir(this.dir);
    log.truncationEnded(active.nextOffset);
    this.#epochs?.truncateTo(log.logEndOffset);
    await this.#failures.cleanUp(`cannot truncate ${active.logPath}`, async () => {
      await this.#txnIndex.truncateTo(log.logEndOffset);
      await this.#producers.trimTo(log.all, log.logEndOffset);
    });
    this.#commit.failAll(
      new StorageError(`partition ${this.#name} was truncated to ${log.logEndOffset}`, {
        code: 'TRUNCATED',
        retriable: true,
      }),
    );
    this.#commit.reset(log.logEndOffset);
    await this.#checkpoint.write(false);
  }

  /** The segments now, in offset order, the last one active: what the cleaner reads (log-cleaner.ts). */
  get segments(): readonly Segment[] {
    return this.#log.all;
  }

  /** Producer id → last offset of its newest batch, for every producer the table holds (the cleaner keeps those batches). */
  producerLastOffsets(): Map<number, number> {
    const out = new Map<number, number>();
    for (const [producerId, batches] of this.#producers.forCheckpoint() ?? []) {
      const last = batches[batches.length - 1];
      if (last) out.set(producerId, last[4]);
    }
    return out;
  }

  /**
   * The cleaner's swap (cleaner-swap.ts), in the queue: `old`, a run of consecutive sealed segments, is
   * replaced by the cleaned file `<old[0] base>.log.cleaned` (fsynced; `layout` describes it). Returns the new
   * segment, or null, changing nothing, when `old` is no longer a run of this log's sealed segments (retention or truncation
   * came first): the caller deletes its cleaned file. When it throws, the cleaned file is this log's: the
   * caller leaves it for the next open's recovery.
   */
  async replaceSegments(
    old: readonly Segment[],
    layout: Segment,
    removedAborts: ReadonlySet<number> = new Set(),
  ): Promise<Segment | null> {
    return this.#mutate(async () => {
      const all = this.#log.all;
      const at = all.indexOf(old[0]!);
      const run = at >= 0 && old.every((s, i) => all[at + i] === s) && at + old.length < all.length;
      if (!run) return null;
      await this.#checkpoint.markDirty();
      const base = old[0]!.baseOffset;
      const replaces = old.slice(1).map((s) => s.baseOffset);
      // Readers in progress keep their descriptors: the files are renamed over and unlinked below.
      await Promise.all(old.filter((s) => s.readers > 0).map((s) => s.fh.keepOpen().catch(() => {})));
      // From the swap record on, a failure may leave files the segment list no longer describes (the record
      // may have reached the disk even if its write failed): the partition goes offline, and its next open
      // finishes the swap or discards the cleaned file (cleaner-swap.ts).
      let segment: Segment;
      try {
        await this.#txnIndex.merge(
          old.map((s) => s.baseOffset),
          removedAborts,
        );
        await writeSwapRecord(this.#fs, this.dir, base, replaces);
        await completeSwap(this.#fs, this.dir, base, replaces);
        ({ segment } = await Segment.open(this.#fs, this.dir, base, this.#config.indexIntervalBytes, this.#files));
      } catch (err) {
        throw this.#failures.goOffline(err, `cannot finish the cleaner's swap of ${old[0]!.logPath}`);
      }
      segment.adopt(layout);
      segment.fh.onPressure = this.#relieve;
      this.#log.replaceRun(old, segment);
      for (const s of old) void s.close().catch(() => {});
      return segment;
    });
  }

  /** Writes a sealed segment's index files (after the cleaner's swap), outside the queue: nothing else writes them. */
  async persistIndexes(segment: Segment): Promise<void> {
    await segment.persistIndexes(this.#logger);
  }

  /** Segment.ms rolls, retention, due interval flushes, checkpoint of the recovery point. */
  async runMaintenance(): Promise<void> {
    if (this.#state !== 'open' || this.#failures.offline) return;
    const now = this.#clock.now();
    const log = this.#log;
    const active = log.active;
    if (active.size > 0 && now - active.rollBaseTime >= this.#config.segmentMs) {
      await this.#mutate(async () => {
        if (log.active !== active) return;
        await this.#checkpoint.markDirty();
        await this.#appender.roll();
      });
    }
    await this.enforceRetention();
    if (this.#producers.size > 0) await this.#queue.run(async () => this.#producers.expire(now, log.logStartOffset));
    const flush = this.#config.flush;
    if (
      flush.kind === 'interval' &&
      log.logEndOffset > this.#commit.flushedOffset &&
      now - this.#commit.lastFlushTime >= flush.ms
    ) {
      await this.flush();
    }
    const checkpoint = this.#checkpoint;
    if (!checkpoint.clean && !checkpoint.unchanged && checkpoint.behind) {
      await this.#mutate(() => this.#checkpoint.write(false));
    }
  }

  /**
   * Flushes, persists the active segment's indexes (when behind: Segment.persistIndexesOnClose) and a
   * clean-shutdown checkpoint, closes the files. `cleanShutdownFile`: the caller (LogManager.close) lists
   * this partition's cleanSummary() in the clean-shutdown file it fsyncs once every close has returned, and
   * that entry stands for the checkpoint, which is then not written (unless cleanSummary() has none to give).
   */
  close(options: { cleanShutdownFile?: boolean } = {}): Promise<void> {
    if (this.#state !== 'open') return this.#closing ?? Promise.resolve();
    this.#state = 'closing';
    this.#closing = this.#queue.run(() => this.#closeNow(options.cleanShutdownFile === true));
    return this.#closing;
  }

  async #closeNow(cleanShutdownFile: boolean): Promise<void> {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    const log = this.#log;
    let error: unknown;
    try {
      // Still clean since a clean open (every mutation marks the checkpoint dirty first): the index files
      // and the clean checkpoint on disk (or the clean-shutdown file's entry) already describe this log, and
      // rewriting them would cost fsyncs per partition — minutes of shutdown for 10,000 idle partitions.
      if (!this.#failures.offline && !this.#checkpoint.unchanged && !this.#neverWritten()) {
        const active = log.active;
        const trimmed = await active.trim();
        if (trimmed || this.#commit.flushedOffset < log.logEndOffset || active.flushedSize < active.size)
          await this.#failures.syncActive();
        await active.persistIndexesOnClose(this.#logger);
        if (cleanShutdownFile && this.#summarizable()) this.#inCleanShutdownFile = true;
        else await this.#checkpoint.write(true); // with the producer table
      }
    } catch (err) {
      error = err;
    }
    // An error (its stack) only for waiters: 10,000 partitions closing would build 10,000 for nobody.
    if (this.#commit.waiting) this.#commit.failAll(new LogClosedError(`partition ${this.#name}`));
    await Promise.all(log.all.map((s) => s.close().catch(() => {})));
    log.dropCache();
    this.#state = 'closed';
    this.#logger.info(
      { partition: this.#name, logEndOffset: log.logEndOffset, clean: error === undefined },
      'partition closed',
    );
    if (error) throw asStorageError(error, `closing partition ${this.#name} failed`);
  }

  /**
   * Closed, and what is on disk is what a clean open trusts without scanning: a clean checkpoint, or a
   * partition never written (one empty segment, nothing to recover).
   */
  get closedClean(): boolean {
    return (
      this.#state === 'closed' &&
      !this.#failures.offline &&
      (this.#checkpoint.unchanged || this.#inCleanShutdownFile || this.#neverWritten())
    );
  }

  /**
   * Once closed cleanly, what the next open may trust without reading the directory, and (version 3 of the
   * clean-shutdown file) the partition's clean checkpoint: undefined when it did not close cleanly or holds
   * transactions a dormant partition could not answer for.
   */
  cleanSummary(): PartitionSummary | undefined {
    if (!this.closedClean || !this.#summarizable()) return undefined;
    const segments = this.#log.all;
    const oldest = segments[0]!;
    const active = segments[segments.length - 1]!;
    return {
      logStartOffset: this.logStartOffset,
      logEndOffset: this.logEndOffset,
      sizeInBytes: this.sizeInBytes,
      segmentCount: segments.length,
      oldestMaxTimestamp: oldest.maxTimestamp,
      oldestSize: oldest.size,
      activeRollBaseTime: active.size > 0 ? active.rollBaseTime : -1,
      activeSize: active.size,
      segmentFiles: segments.flatMap((s) => [s.baseOffset, s.size]),
      checkpoint: { producers: this.#producers.forCheckpoint() },
    };
  }

  /** No open and no aborted transaction: a dormant partition (clean-shutdown.ts) answers for everything else. */
  #summarizable(): boolean {
    return (
      this.firstUnstableOffset < 0 && this.abortedTransactions(this.logStartOffset, this.logEndOffset).length === 0
    );
  }

  /**
   * Created and never written (nor truncated, nor trimmed: those write a checkpoint): one empty segment
   * and no checkpoint on disk. Reopening it scans an empty file, which is instant and recovers nothing,
   * so its close writes nothing either.
   */
  #neverWritten(): boolean {
    return this.#checkpoint.recoveryPoint < 0 && this.#log.count === 1 && this.#log.active.size === 0;
  }

  /**
   * Refuses mutations from now on (LogClosedError) and waits for the queued ones; reads go on and no file is
   * written. The partition's directory is about to be deleted: discard() follows, or unfreeze() if it was not.
   */
  async freeze(): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = 'frozen';
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    await this.#queue.run(async () => {});
    // Readers in progress keep reading after the directory is renamed, through open descriptors.
    const read = this.#log.all.filter((s) => s.readers > 0);
    await Promise.all(read.map((s) => s.fh.keepOpen().catch(() => {})));
  }

  unfreeze(): void {
    if (this.#state === 'frozen') this.#state = 'open';
  }

  /**
   * Closes a frozen log without writing anything (no flush, no index files, no checkpoint: its files are
   * being deleted, and the disk may be full). Each segment's file closes after its last reader.
   */
  async discard(): Promise<void> {
    if (this.#state !== 'frozen') return;
    this.#state = 'closed';
    this.#commit.failAll(new LogClosedError(`partition ${this.#name}`));
    this.#log.dropCache();
    await Promise.all(this.#log.all.map((s) => s.close().catch(() => {})));
  }

  #checkWritable(): void {
    if (this.#state !== 'open') throw new LogClosedError(`partition ${this.#name}`);
    this.#failures.checkOnline();
  }

  /** Runs a mutation in the serial queue after re-checking that the log is writable. */
  #mutate<T>(task: () => Promise<T>): Promise<T> {
    this.#checkWritable();
    return this.#queue.run(async () => {
      this.#checkWritable();
      return task();
    });
  }

  /** A new empty segment file, counted against the open-file budget. */
  async #newSegment(baseOffset: number): Promise<Segment> {
    const segment = await Segment.create(this.#fs, this.dir, baseOffset, this.#config.indexIntervalBytes, this.#files);
    segment.fh.onPressure = this.#relieve;
    return segment;
  }

  /**
   * The file pool is over budget and this partition's active segment holds unflushed data, so its file
   * cannot be closed: flush it (the pool closes it once it is clean and idle).
   */
  readonly #relieve = (): void => {
    if (this.#state === 'open' && !this.#failures.offline)
      this.flush().catch((err) => this.#logger.warn({ err, partition: this.#name }, 'flush to free a file failed'));
  };

  /** flush=interval: one timer at a time; maintenance flushes too if the timer was lost. */
  #scheduleFlush(ms: number): void {
    if (this.#flushTimer) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      if (this.#state === 'open')
        this.flush().catch((err) => this.#logger.error({ err, partition: this.#name }, 'interval flush failed'));
    }, ms);
    this.#flushTimer.unref();
  }

  /** A lookup found an index entry that does not point at its batch: rebuild that index, in the queue. */
  #rebuildIndex(segment: Segment): Promise<void> {
    return this.#queue.run(async () => {
      if (this.#state === 'closed' || !this.#log.includes(segment))
        throw new LogClosedError(`segment ${segment.logPath}`);
      this.#logger.warn({ file: segment.indexPath }, 'index does not match the log; rebuilding it');
      const result = await segment.rebuildInPlace();
      if (result.error) throw new CorruptLogError(segment.logPath, result.error.position, result.error.reason);
      if (segment !== this.#log.active) await segment.persistIndexes(this.#logger);
      // The active segment's index files on disk are the bad ones: close must rewrite them (see #closeNow).
      else await this.#checkpoint.markDirty();
    });
  }
}
