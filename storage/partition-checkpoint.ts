// What a partition's checkpoint file says now, and the only writer of it (the file's format: checkpoint.ts,
// README.md "partition.checkpoint"). Runs inside the partition's queue.
//
// Invariant: the file claims a clean shutdown only while the log is exactly what close() left; the first
// mutation after a clean open calls markDirty() before it touches the log. A partition loaded from the
// clean-shutdown file (clean-shutdown.ts, version 3) was opened clean too, whatever its own file says:
// `unchanged` tracks that, and the file is rewritten by markDirty() only when it claims a clean shutdown.
import type { StorageFs } from './fs.js';
import { writeCheckpoint } from './checkpoint.js';
import { trustedLogStart } from './partition-load.js';
import type { LogSegments } from './log-segments.js';
import type { PartitionProducers } from './partition-producers.js';

export interface CheckpointOnDisk {
  clean: boolean;
  /** -1: there is no checkpoint file. */
  recoveryPoint: number;
  logStartOffset: number;
}

export interface RecoveryCheckpointOptions {
  fs: StorageFs;
  dir: string;
  topic: string;
  partition: number;
  log: LogSegments;
  producers: PartitionProducers;
  /** Every offset below it is fsynced (GroupCommit). */
  flushedOffset(): number;
}

export class RecoveryCheckpoint {
  #onDisk: CheckpointOnDisk;
  #unchanged: boolean;
  readonly #options: RecoveryCheckpointOptions;

  /** `unchanged`: the log was opened clean (from this file or the clean-shutdown file) and is as it was. */
  constructor(options: RecoveryCheckpointOptions, onDisk: CheckpointOnDisk, unchanged: boolean) {
    this.#options = options;
    this.#onDisk = onDisk;
    this.#unchanged = unchanged;
  }

  /** The file claims a clean shutdown. */
  get clean(): boolean {
    return this.#onDisk.clean;
  }

  /** Nothing changed since a clean open or a clean close: a close has nothing to write. */
  get unchanged(): boolean {
    return this.#unchanged;
  }

  /** markDirty() has nothing left to do: the log may change without another write. */
  get markedDirty(): boolean {
    return !this.#unchanged && !this.#onDisk.clean;
  }

  get recoveryPoint(): number {
    return this.#onDisk.recoveryPoint;
  }

  get logStartOffset(): number {
    return this.#onDisk.logStartOffset;
  }

  /**
   * A write would change what the next recovery does (partition-load.ts): it trusts the log start the file
   * gives (none: the first segment's base), always scans the active segment when not clean, and scans a
   * sealed segment only when it ends past the recovery point. So the file is behind when its start is not
   * the log's, when its recovery point lies past the log end (a truncation below it), or when a sealed
   * segment fsynced since ends past its recovery point. A recovery point inside the active segment
   * changes nothing: a partition with one segment never needs the write (an atomic write: two fsyncs).
   */
  get behind(): boolean {
    const { log } = this.#options;
    const onDisk = this.#onDisk;
    const fileStart = onDisk.logStartOffset < 0 ? undefined : onDisk.logStartOffset; // -1: no file
    const startOnDisk = trustedLogStart(fileStart, log.all[0]!.baseOffset);
    if (startOnDisk !== log.logStartOffset) return true;
    if (onDisk.recoveryPoint > log.logEndOffset) return true;
    const sealedEnd = log.active.baseOffset;
    return log.count > 1 && onDisk.recoveryPoint < sealedEnd && this.#options.flushedOffset() > onDisk.recoveryPoint;
  }

  /** Before the first mutation after a clean open: the file must stop claiming a clean shutdown. */
  async markDirty(): Promise<void> {
    if (this.#onDisk.clean) await this.write(false);
    this.#unchanged = false;
  }

  /**
   * Writes the log start and the recovery point: the flushed offset, or with `clean` (close, after its
   * final fsync) the log end and the producer table as of it (see producer-snapshot.ts).
   */
  async write(clean: boolean): Promise<void> {
    const { fs, dir, topic, partition, log, producers } = this.#options;
    const recoveryPoint = clean ? log.logEndOffset : this.#options.flushedOffset();
    const logStartOffset = log.logStartOffset;
    const table = clean ? producers.forCheckpoint() : undefined;
    await writeCheckpoint(fs, dir, {
      version: 1,
      topic,
      partition,
      logStartOffset,
      recoveryPoint,
      cleanShutdown: clean,
      ...(table ? { producers: table } : {}),
    });
    this.#onDisk = { clean, recoveryPoint, logStartOffset };
    if (clean) this.#unchanged = true;
  }
}
