// A partition's log as the rest of the broker sees it, and when it is loaded. Dormant, it is a summary
// (clean-shutdown.ts): its offsets and sizes, nothing open, no index read, no producer state in memory;
// its first use that needs more (a read, an append, a time lookup, maintenance with work to do) loads the
// LoadedPartitionLog (partition-log.ts) from its directory, and from then on every call goes to it.
//
// Lifecycle: dormant → loading → loaded; a dormant partition may also be frozen (its directory is being
// deleted: loads are refused) and closed (nothing to write: its files are as its clean close left them).
// Once loaded, the loaded log owns open/frozen/closing/closed.
//
// Why dormant answers are right: a partition is dormant only when it closed cleanly and holds no open or
// aborted transaction (LogManager lists only those in the clean-shutdown file), so until its first load
// its log end is its flushed offset, nothing was truncated, and no transaction bounds what readers see.
//
// Concurrency: concurrent first uses share one load (`#loading`); a failed load is thrown to its callers,
// logged, and tried again by the next use.
import type { PartitionConfig, ResolvedPartitionConfig } from './config.js';
import { resolvePartitionConfig } from './config.js';
import { asStorageError, LogClosedError } from './errors.js';
import {
  type AbortedTransaction,
  type AppendResult,
  LoadedPartitionLog,
  type PartitionLogOptions,
} from './partition-log.js';
import type { ReadOptions, ReadResult } from './partition-read.js';
import type { Segment } from './segment.js';
import { maintenanceDue, type PartitionSummary } from './clean-shutdown.js';
import type { TransactionMarker } from './format/control-batch.js';
import type { EpochEnd } from './leader-epochs.js';
import type { PartitionCheckpoint } from './checkpoint.js';
import { isSnapshotProducers } from './producer-state.js';
import { noopLogger, systemClock } from './types.js';

export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  readonly #options: PartitionLogOptions;
  #config: ResolvedPartitionConfig;
  #summary: PartitionSummary | undefined;
  #dormantState: 'dormant' | 'frozen' | 'closed' = 'dormant';
  #loading: Promise<LoadedPartitionLog> | undefined;
  #loaded: LoadedPartitionLog | undefined;
  /** What must be durable before this partition may change (its LogManager's data-directory fsync). */
  readonly #beforeLoad: (() => Promise<void>) | undefined;

  private constructor(
    options: PartitionLogOptions,
    summary: PartitionSummary | undefined,
    beforeLoad?: () => Promise<void>,
  ) {
    this.#beforeLoad = beforeLoad;
    this.topic = options.topic;
    this.partition = options.partition;
    this.dir = options.dir;
    this.#options = options;
    this.#config = resolvePartitionConfig(options.config);
    this.#summary = summary;
  }

  /** Opens (and recovers) the partition in `options.dir` now. */
  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    const log = new PartitionLog(options, undefined);
    log.#loaded = await LoadedPartitionLog.open(options);
    return log;
  }

  /**
   * A partition known from its summary (clean-shutdown.ts), loaded on first use, once `beforeLoad` has
   * made durable what the LogManager deferred (its own directory entry, the clean-shutdown file's removal).
   */
  static dormant(
    options: PartitionLogOptions,
    summary: PartitionSummary,
    beforeLoad?: () => Promise<void>,
  ): PartitionLog {
    return new PartitionLog(options, summary, beforeLoad);
  }

  /** Nothing of it is loaded yet. */
  get isDormant(): boolean {
    return this.#loaded === undefined;
  }

  /**
   * What the next open may trust without reading the directory, once closed: undefined when it did not
   * close cleanly or holds transactions a dormant partition could not answer for.
   */
  cleanSummary(): PartitionSummary | undefined {
    return this.#loaded ? this.#loaded.cleanSummary() : this.#summary;
  }

  /** The loaded log, loading it first if needed. Throws LogClosedError when frozen or closed while dormant. */
  load(): Promise<LoadedPartitionLog> {
    if (this.#loaded) return Promise.resolve(this.#loaded);
    if (this.#dormantState !== 'dormant')
      return Promise.reject(new LogClosedError(`partition ${this.topic}-${this.partition}`));
    if (this.#loading) return this.#loading;
    // Asked for only by the load that starts: a promise made and dropped here would be unhandled on failure.
    const ready = this.#beforeLoad?.() ?? Promise.resolve();
    this.#loading = ready
      .then(() => LoadedPartitionLog.open({ ...this.#options, config: this.#config }, this.#cleanCheckpoint()))
      .then(
        (loaded) => {
          this.#loaded = loaded;
          this.#loading = undefined;
          this.#summary = undefined;
          return loaded;
        },
        (err: unknown) => {
          this.#loading = undefined;
          (this.#options.logger ?? noopLogger).error(
            { err, partition: `${this.topic}-${this.partition}` },
            'cannot load partition',
          );
          // A failed fsync or file creation reaches the caller as a storage error (KAFKA_STORAGE_ERROR on the
          // wire, retriable when space may free up), as the same failure in a loaded log's append would.
          throw asStorageError(err, `cannot load partition ${this.topic}-${this.partition}`);
        },
      );
    return this.#loading;
  }

  /**
   * The clean checkpoint the summary stands for (clean-shutdown.ts, version 3); undefined: the partition's
   * own counts (also when the file's producer table for it is garbled: its own, or recovery, decides then).
   */
  #cleanCheckpoint(): PartitionCheckpoint | undefined {
    const summary = this.#summary!;
    if (!summary.checkpoint) return undefined;
    const { producers } = summary.checkpoint;
    if (producers !== undefined && !isSnapshotProducers(producers)) {
      (this.#options.logger ?? noopLogger).warn(
        { partition: `${this.topic}-${this.partition}` },
        'the clean-shutdown file has a garbled producer table for this partition; loading it from its own files',
      );
      return undefined;
    }
    return {
      version: 1,
      topic: this.topic,
      partition: this.partition,
      logStartOffset: summary.logStartOffset,
      recoveryPoint: summary.logEndOffset,
      cleanShutdown: true,
      ...(producers ? { producers } : {}),
    };
  }

  get config(): ResolvedPartitionConfig {
    return this.#loaded?.config ?? this.#config;
  }

  updateConfig(config: PartitionConfig): void {
    this.#config = resolvePartitionConfig(config);
    this.#loaded?.updateConfig(config);
  }

  get logStartOffset(): number {
    return this.#loaded?.logStartOffset ?? this.#summary!.logStartOffset;
  }
  /** Next offset to be assigned; every offset below it is written (readable). */
  get logEndOffset(): number {
    return this.#loaded?.logEndOffset ?? this.#summary!.logEndOffset;
  }
  /** Every offset below this is fsynced. flushedOffset <= logEndOffset. */
  get flushedOffset(): number {
    return this.#loaded?.flushedOffset ?? this.#summary!.logEndOffset;
  }
  /** Changes whenever a truncation starts or ends (LoadedPartitionLog.truncationCount); 0 while dormant. */
  get truncationCount(): number {
    return this.#loaded?.truncationCount ?? 0;
  }
  get sizeInBytes(): number {
    return this.#loaded?.sizeInBytes ?? this.#summary!.sizeInBytes;
  }
  /** A dormant partition created lazily has no segment file yet, but counts the one its first load makes. */
  get segmentCount(): number {
    return this.#loaded?.segmentCount ?? Math.max(1, this.#summary!.segmentCount);
  }
  /** -1 while dormant: a dormant partition holds no open transaction. */
  get firstUnstableOffset(): number {
    return this.#loaded?.firstUnstableOffset ?? -1;
  }
  /** None while dormant: a dormant partition holds no aborted transaction. */
  abortedTransactions(from: number, to: number): AbortedTransaction[] {
    return this.#loaded?.abortedTransactions(from, to) ?? [];
  }
  /** The loaded segments (the log cleaner's view); none while dormant: the cleaner sees loaded partitions only. */
  get segments(): readonly Segment[] {
    return this.#loaded?.segments ?? [];
  }
  producerLastOffsets(): Map<number, number> {
    return this.#loaded?.producerLastOffsets() ?? new Map();
  }

  // The calls below run on the loaded log, loading it first. They return the loaded log's promise directly
  // (no extra async frame) once it is loaded: append and read are the hot paths.

  append(batches: Buffer, options?: { leaderEpoch?: number; maxBatchBytes?: number }): Promise<AppendResult> {
    if (this.#loaded) return this.#loaded.append(batches, options);
    return this.load().then((log) => log.append(batches, options));
  }

  appendMarker(
    marker: Omit<TransactionMarker, 'timestamp'>,
    options?: { leaderEpoch?: number },
  ): Promise<AppendResult> {
    return this.load().then((log) => log.appendMarker(marker, options));
  }

  appendReplicated(batches: Buffer): Promise<AppendResult> {
    if (this.#loaded) return this.#loaded.appendReplicated(batches);
    return this.load().then((log) => log.appendReplicated(batches));
  }

  latestLeaderEpoch(): Promise<number> {
    return this.load().then((log) => log.latestLeaderEpoch());
  }

  endOffsetForLeaderEpoch(epoch: number): Promise<EpochEnd> {
    return this.load().then((log) => log.endOffsetForLeaderEpoch(epoch));
  }

  read(offset: number, options: ReadOptions): Promise<ReadResult> {
    if (this.#loaded) return this.#loaded.read(offset, options);
    return this.load().then((log) => log.read(offset, options));
  }

  /** `read()` when the partition is loaded and memory serves it, in this call; null: call `read()`. */
  readNow(offset: number, options: ReadOptions): ReadResult | null {
    return this.#loaded ? this.#loaded.readNow(offset, options) : null;
  }

  /** Where `read(offset, options)` would end, when the partition is loaded and its index tells; else null. */
  plannedReadEnd(offset: number, options: ReadOptions): number | null {
    return this.#loaded ? this.#loaded.plannedReadEnd(offset, options) : null;
  }

  offsetForTimestamp(timestamp: number): Promise<{ offset: number; timestamp: number } | null> {
    return this.load().then((log) => log.offsetForTimestamp(timestamp));
  }

  /** Resolves once every offset written before the call is fsynced (a dormant partition has nothing unflushed). */
  async flush(): Promise<void> {
    if (this.#loaded) return this.#loaded.flush();
    if (this.#dormantState === 'closed') throw new LogClosedError(`partition ${this.topic}-${this.partition}`);
  }

  deleteRecordsBefore(offset: number): Promise<void> {
    return this.load().then((log) => log.deleteRecordsBefore(offset));
  }

  enforceRetention(): Promise<number> {
    return this.load().then((log) => log.enforceRetention());
  }

  truncateTo(offset: number): Promise<void> {
    return this.load().then((log) => log.truncateTo(offset));
  }

  truncateFullyAndStartAt(offset: number): Promise<void> {
    return this.load().then((log) => log.truncateFullyAndStartAt(offset));
  }

  replaceSegments(
    old: readonly Segment[],
    layout: Segment,
    removedAborts?: ReadonlySet<number>,
  ): Promise<Segment | null> {
    return this.load().then((log) => log.replaceSegments(old, layout, removedAborts));
  }

  persistIndexes(segment: Segment): Promise<void> {
    return this.load().then((log) => log.persistIndexes(segment));
  }

  /** A dormant partition is loaded only when its maintenance has something to do (clean-shutdown.ts). */
  async runMaintenance(): Promise<void> {
    if (!this.#loaded) {
      const now = (this.#options.clock ?? systemClock).now();
      if (this.#dormantState !== 'dormant' || !maintenanceDue(this.#summary!, this.#config, now)) return;
    }
    await (await this.load()).runMaintenance();
  }

  /** `cleanShutdownFile`: see LoadedPartitionLog.close. */
  async close(options?: { cleanShutdownFile?: boolean }): Promise<void> {
    await this.#loading?.catch(() => {});
    if (this.#loaded) return this.#loaded.close(options);
    this.#dormantState = 'closed';
  }

  async freeze(): Promise<void> {
    await this.#loading?.catch(() => {});
    if (this.#loaded) return this.#loaded.freeze();
    if (this.#dormantState === 'dormant') this.#dormantState = 'frozen';
  }

  unfreeze(): void {
    if (this.#loaded) this.#loaded.unfreeze();
    else if (this.#dormantState === 'frozen') this.#dormantState = 'dormant';
  }

  async discard(): Promise<void> {
    if (this.#loaded) return this.#loaded.discard();
    if (this.#dormantState === 'frozen') this.#dormantState = 'closed';
  }
}
