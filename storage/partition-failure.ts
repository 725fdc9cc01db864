// What a partition does when a write or an fsync fails: cut the file back, or discard what was written since
// the last good fsync, and when even that cleanup fails, take the partition offline (every mutation then
// fails until it is reopened, and reopening runs recovery). README.md "Failures". Runs inside the queue.
import { StorageIOError, type StorageError } from './errors.js';
import type { GroupCommit } from './group-commit.js';
import type { LogSegments } from './log-segments.js';
import type { PartitionProducers } from './partition-producers.js';
import type { Segment } from './segment.js';
import type { TxnIndex } from './txn-index.js';
import type { Logger } from './types.js';

export interface FailureHandlerOptions {
  name: string;
  log: LogSegments;
  commit: GroupCommit;
  producers: PartitionProducers;
  txnIndex: TxnIndex;
  logger: Logger;
}

export class FailureHandler {
  /** Set when a failure could not be cleaned up. */
  #failure: StorageError | undefined;
  readonly #options: FailureHandlerOptions;

  constructor(options: FailureHandlerOptions) {
    this.#options = options;
  }

  get offline(): boolean {
    return this.#failure !== undefined;
  }

  /** Throws when the partition is offline. */
  checkOnline(): void {
    if (this.#failure) {
      throw new StorageIOError(
        `partition ${this.#options.name} is offline after an I/O error that could not be cleaned up; reopen it`,
        this.#failure,
      );
    }
  }

  /** Takes the partition offline and fails every flush waiter; returns the error to throw. */
  goOffline(cause: unknown, message: string): StorageError {
    const { name, logger, commit } = this.#options;
    const failure = new StorageIOError(`${message}; partition ${name} is offline`, cause);
    this.#failure = failure;
    logger.error({ err: cause, partition: name }, message);
    commit.failAll(failure);
    return failure;
  }

  /** Runs a cleanup step; if it fails, the partition goes offline and the step's caller gets that error. */
  async cleanUp(message: string, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      throw this.goOffline(err, message);
    }
  }

  /** After a failed write: cut the file back so no partial batch stays; if that fails too, go offline. */
  async cutBack(segment: Segment, position: number, cause: unknown): Promise<void> {
    try {
      await segment.cutBack(position);
    } catch (err) {
      this.goOffline(err, `cannot cut ${segment.logPath} back to ${position} after a failed write`);
    }
    this.#options.logger.error({ err: cause, file: segment.logPath, position }, 'append write failed');
  }

  /**
   * fsyncs the active segment from inside the queue; on failure rolls back (below) and throws. `reason`
   * names what the fsync was for in the error.
   */
  async syncActive(reason?: string): Promise<void> {
    const { log, commit } = this.#options;
    const segment = log.active;
    const offset = log.logEndOffset;
    const size = segment.size;
    try {
      await segment.fh.sync();
    } catch (err) {
      await this.rollbackUnflushed(err);
      const context = reason ? ` ${reason}; unflushed data was discarded` : '';
      throw new StorageIOError(`fsync of ${segment.logPath} failed${context}`, err);
    }
    segment.markFlushed(size);
    commit.advance(offset);
  }

  /**
   * fsync failed (GroupCommit or a sync in the queue). Following PostgreSQL's fsyncgate lesson, data written
   * after the last successful fsync is treated as lost: the active segment is truncated back to its flushed
   * size (which also evicts the unknown pages from the page cache), the log end moves back to the flushed
   * offset (the producer state and the aborted-transactions index with it), and every append waiting for a
   * flush fails.
   */
  async rollbackUnflushed(cause: unknown): Promise<void> {
    const { log, commit, producers, txnIndex, logger, name } = this.#options;
    const segment = log.active;
    const error = new StorageIOError(
      `fsync of ${segment.logPath} failed; data after offset ${commit.flushedOffset} was discarded`,
      cause,
    );
    if (this.#failure) return commit.failAll(error);
    // Hide the unknown data from readers first; the waiters learn of the failure only once the log is
    // consistent again, so a caller that sees the rejection never sees the discarded offsets.
    const lostFrom = commit.flushedOffset;
    const lostTo = log.logEndOffset;
    // A group-commit fsync still in flight could succeed during the truncation below and acknowledge
    // offsets that are about to be discarded and reused: it must not count any more.
    commit.invalidateInFlight();
    log.truncationStarted();
    log.hideFrom(lostFrom);
    try {
      await segment.truncateTo(segment.flushedSize);
    } catch (err) {
      this.goOffline(err, `cannot discard unflushed data of ${segment.logPath} after an fsync failure`);
      return commit.failAll(error);
    }
    // Never beyond the end readers knew: an append spanning segments that fails here still holds its
    // first part in this segment, unseen, until it cuts it away itself (Appender.discardPartialAppend).
    log.truncationEnded(Math.min(segment.nextOffset, lostTo));
    try {
      await producers.trimTo(log.all, log.logEndOffset);
    } catch (err) {
      this.goOffline(err, `cannot rebuild the producer state of ${name} after an fsync failure`);
      return commit.failAll(error);
    }
    // An ABORT marker among the discarded data must not stay in the aborted-transactions index: its
    // transaction is open again, and the offsets it covered are reused.
    try {
      await txnIndex.truncateTo(log.logEndOffset);
    } catch (err) {
      this.goOffline(err, `cannot drop discarded aborts from the transaction index of ${name} after an fsync failure`);
      return commit.failAll(error);
    }
    commit.reset(log.logEndOffset);
    commit.failAll(error);
    logger.error(
      { err: cause, file: segment.logPath, from: lostFrom, to: lostTo },
      'fsync failed; discarded unflushed data',
    );
  }
}
