// The idempotent-producer state of one partition: the table (producer-state.ts) and its snapshot files
// (producer-snapshot.ts), kept describing exactly the batches in the log (README.md "Producer state").
// Every method runs inside the partition's queue.
import type { StorageFs } from './fs.js';
import type { Segment } from './segment.js';
import type { Clock, Logger } from './types.js';
import {
  type AbortedTransaction,
  type ProducerAppendPlan,
  type ProducerBatchInfo,
  ProducerStateTable,
  type SnapshotProducer,
  planProducerAppend,
} from './producer-state.js';
import { deleteAllSnapshots, rebuildProducerState, writeSnapshot } from './producer-snapshot.js';

/** Kafka's producer.id.expiration.ms default. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 24 * 60 * 60 * 1000;

export interface PartitionProducersOptions {
  name: string;
  fs: StorageFs;
  dir: string;
  clock: Clock;
  logger: Logger;
  expirationMs: number;
  /** A replayed ABORT marker (rebuild): the aborted-transactions index takes it back. */
  onAborted(segmentBase: number, aborted: AbortedTransaction): Promise<void>;
}

export class PartitionProducers {
  readonly #table = new ProducerStateTable();
  /** Offset of the newest snapshot file, -1 when there is none. */
  #lastSnapshotOffset = -1;
  readonly #options: PartitionProducersOptions;

  constructor(options: PartitionProducersOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#table.size;
  }

  /** Checks an append's idempotent batches against the table (throws ProducerSequenceError). */
  plan(batches: ReadonlyArray<ProducerBatchInfo | null>): ProducerAppendPlan {
    return planProducerAppend(this.#table, batches, this.#options.name);
  }

  /** A batch is written: `info`'s producer now has it at firstOffset..lastOffset. */
  record(info: ProducerBatchInfo, firstOffset: number, lastOffset: number, appendMs: number): void {
    this.#table.record(info, firstOffset, lastOffset, appendMs);
  }

  /** The lowest first offset of an open transaction here, -1 when none (bounds the last stable offset). */
  firstUnstableOffset(): number {
    return this.#table.firstUnstableOffset();
  }

  /** Throws ProducerSequenceError (INVALID_PRODUCER_EPOCH) for a marker older than the producer's epoch. */
  checkMarker(producerId: number, epoch: number): void {
    this.#table.checkMarker(producerId, epoch, this.#options.name);
  }

  /** A marker was written at `offset`; the aborted transaction it closes, if any. */
  recordMarker(producerId: number, epoch: number, offset: number, commit: boolean): AbortedTransaction | null {
    return this.#table.recordMarker(producerId, epoch, offset, commit);
  }

  /** The table as of the log end, for a clean-shutdown checkpoint; undefined when empty. */
  forCheckpoint(): SnapshotProducer[] | undefined {
    return this.#table.size > 0 ? this.#table.toSnapshot() : undefined;
  }

  /**
   * Replays the newest snapshot and the batch headers after it (open, or a trim that lost history).
   * `clean`: the clean checkpoint's table, which is the whole state (nothing read or replayed). `names`: the
   * directory's listing when the caller has just made it (an open), so the snapshots are found without another.
   */
  async rebuild(
    segments: readonly Segment[],
    logEndOffset: number,
    clean: { producers: SnapshotProducer[] | undefined } | null,
    names?: readonly string[],
  ): Promise<void> {
    const { fs, dir, logger, clock, name } = this.#options;
    const { replayed, lastSnapshotOffset } = await rebuildProducerState(this.#table, {
      fs,
      dir,
      segments,
      logEndOffset,
      clean,
      names,
      logger,
      nowMs: clock.now(),
      onAborted: this.#options.onAborted,
    });
    this.#lastSnapshotOffset = lastSnapshotOffset;
    if (replayed > 0)
      logger.debug({ partition: name, replayed, producers: this.#table.size }, 'producer state rebuilt');
  }

  /** The log end moved back: forget batches that are gone (rebuild when trimming is not enough). */
  async trimTo(segments: readonly Segment[], logEndOffset: number): Promise<void> {
    if (this.#table.size === 0 && this.#lastSnapshotOffset < 0) return;
    if (!this.#table.truncateTo(logEndOffset) || this.#lastSnapshotOffset > logEndOffset)
      await this.rebuild(segments, logEndOffset, null);
  }

  /** Writes a snapshot as of `offset` (a roll: the new segment's base). */
  async snapshotAt(offset: number): Promise<void> {
    if (this.#table.size === 0 && this.#lastSnapshotOffset < 0) return;
    if (this.#lastSnapshotOffset === offset) return;
    const { fs, dir, logger } = this.#options;
    await writeSnapshot(fs, dir, offset, this.#table, logger);
    this.#lastSnapshotOffset = offset;
  }

  /** Forgets producers idle past the expiration time or wholly below the log start (maintenance). */
  expire(now: number, logStartOffset: number): void {
    const { expirationMs, logger, name } = this.#options;
    const removed = this.#table.expire(now, expirationMs, logStartOffset);
    if (removed > 0)
      logger.info({ partition: name, removed, remaining: this.#table.size }, 'expired idempotent producer state');
  }

  /** The log restarts empty: no producer and no snapshot is left. */
  async clear(): Promise<void> {
    this.#table.clear();
    await deleteAllSnapshots(this.#options.fs, this.#options.dir);
    this.#lastSnapshotOffset = -1;
  }
}
