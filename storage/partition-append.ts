// The append path of one partition: assigns offsets, writes batches to the active segment in runs, rolls
// segments, records idempotent batches, and removes the written part of an append that fails part-way.
// Runs inside the partition's queue (concurrency: see partition-log.ts).
import type { PartitionConfig } from './config.js';
import type { StorageFs } from './fs.js';
import type { ParsedBatches } from './append-batches.js';
import { skipBatches } from './append-batches.js';
import { Offsets, patchBaseOffset, readInt64, stampLogAppendTime } from './format/record-batch.js';
import { InvalidRecordError, StorageIOError } from './errors.js';
import type { GroupCommit } from './group-commit.js';
import type { LogSegments } from './log-segments.js';
import type { PartitionProducers } from './partition-producers.js';
import type { FailureHandler } from './partition-failure.js';
import type { RecoveryCheckpoint } from './partition-checkpoint.js';
import { deleteSegments } from './retention.js';
import type { Segment } from './segment.js';
import type { Clock, Logger } from './types.js';

/** Offsets in a segment are 32-bit relative to its base (the `.index` and `.timeindex` entries). */
const MAX_RELATIVE_OFFSET = 0x7fff_ffff;

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  recordCount: number;
  /**
   * The time every batch of the append was stamped with (timestampType LogAppendTime); -1 for CreateTime, and
   * for a retry of batches already in the log (the time of their first append is not kept).
   */
  logAppendTime: number;
}

/** An append's answer, and under flush=always the fsync it must wait for (outside the queue). */
export interface WrittenAppend {
  result: AppendResult;
  flushed: Promise<void> | undefined;
}

export interface AppenderOptions {
  name: string;
  dir: string;
  fs: StorageFs;
  clock: Clock;
  logger: Logger;
  log: LogSegments;
  commit: GroupCommit;
  producers: PartitionProducers;
  failures: FailureHandler;
  checkpoint: RecoveryCheckpoint;
  config(): Readonly<PartitionConfig>;
  /** A new empty segment file at `baseOffset`, counted against the open-file budget. */
  newSegment(baseOffset: number): Promise<Segment>;
  /** flush=interval: an append was written; flush within `ms`. */
  scheduleFlush(ms: number): void;
}

export class Appender {
  readonly #options: AppenderOptions;

  constructor(options: AppenderOptions) {
    this.#options = options;
  }

  /**
   * `leaderEpoch`: stamp every batch with it (cluster mode); undefined keeps the batches' own.
   * `replicated`: a follower's copy of its leader's batches: they keep their offsets (the first at or after
   * the log end, each after the one before) and epochs, and the leader already checked their producers.
   */
  async append(
    buf: Buffer,
    parsed: ParsedBatches,
    leaderEpoch: number | undefined,
    replicated = false,
  ): Promise<WrittenAppend> {
    const { log, producers, checkpoint, failures } = this.#options;
    let duplicateOffset = -1;
    if (parsed.producers && !replicated) {
      // Idempotent batches: checked here, in the queue, against every append before this one.
      const plan = producers.plan(parsed.producers);
      if (plan.duplicates === parsed.positions.length)
        return this.#duplicateResult(plan.firstOffset, plan.lastOffset, parsed.recordCount);
      if (plan.duplicates > 0) {
        duplicateOffset = plan.firstOffset;
        ({ buf, parsed } = skipBatches(buf, parsed, plan.duplicates));
      }
    }
    // Synchronous checks first: an append that needs neither pays for no extra await.
    if (!checkpoint.markedDirty) await checkpoint.markDirty();
    const baseOffset = log.logEndOffset;
    const n = parsed.positions.length;
    const { baseOffsets, lastOffsets, next } = this.#offsets(buf, parsed, replicated);
    if (!replicated)
      for (let i = 0; i < n; i++) patchBaseOffset(buf, parsed.positions[i]!, baseOffsets[i]!, leaderEpoch);
    // A follower keeps its leader's stamps: only the leader stamps the append time.
    const appendTime = replicated ? -1 : this.#stampAppendTime(buf, parsed);
    // Batches go to the active segment in runs, each run one positional write; the roll check holds per
    // batch. Usually there is one run. Until the last run is written the log end stays put, so readers see
    // none of an append that spans segments before all of it is there (and none of it if a part fails).
    let start: { segment: Segment; position: number } | undefined;
    try {
      for (let from = 0; from < n; ) {
        let to = from;
        let bytes = 0;
        while (to < n && !this.#needsRoll(bytes, parsed.sizes[to]!, lastOffsets[to]!)) bytes += parsed.sizes[to++]!;
        if (to === from) {
          await this.roll();
          continue;
        }
        const segment = log.active;
        const position = segment.size;
        start ??= { segment, position };
        try {
          await segment.write(
            buf.subarray(parsed.positions[from]!, to === n ? buf.length : parsed.positions[to]),
            this.#options.config().segmentBytes,
          );
        } catch (err) {
          await failures.cutBack(segment, position, err);
          throw new StorageIOError(`append to ${segment.logPath} failed; nothing was stored`, err);
        }
        this.#written(segment, position, parsed, from, to, baseOffsets, lastOffsets);
        from = to;
      }
    } catch (err) {
      const wrotePart = start && (log.active !== start.segment || start.segment.size > start.position);
      if (wrotePart && !failures.offline) await this.#discardPartialAppend(start!.segment, start!.position);
      throw err;
    }
    return this.#appended(
      buf,
      parsed,
      baseOffsets,
      lastOffsets,
      next,
      duplicateOffset >= 0 ? duplicateOffset : baseOffset,
      appendTime,
    );
  }

  /**
   * append() (not replicated) done synchronously when nothing in it would wait: the checkpoint already
   * marked dirty, no duplicate batch of an idempotent producer to skip, no roll, one small write the file
   * can take at once (Segment.writeNow). Null, having changed nothing, when it would wait: then append().
   * A failed write returns the promise of the failure's handling (as append(): cut back, then rejected).
   * For the partition's queue to run at once (SerialQueue.runNow), so a caught-up producer's append is
   * one call, not a chain of async frames.
   */
  appendNow(
    buf: Buffer,
    parsed: ParsedBatches,
    leaderEpoch: number | undefined,
  ): WrittenAppend | Promise<WrittenAppend> | null {
    const { log, producers, checkpoint } = this.#options;
    if (!checkpoint.markedDirty) return null;
    if (parsed.producers) {
      const plan = producers.plan(parsed.producers);
      if (plan.duplicates === parsed.positions.length)
        return this.#duplicateResult(plan.firstOffset, plan.lastOffset, parsed.recordCount);
      if (plan.duplicates > 0) return null;
    }
    const n = parsed.positions.length;
    const baseOffset = log.logEndOffset;
    const { baseOffsets, lastOffsets, next } = this.#offsets(buf, parsed, false);
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      if (this.#needsRoll(bytes, parsed.sizes[i]!, lastOffsets[i]!)) return null;
      bytes += parsed.sizes[i]!;
    }
    const segment = log.active;
    const first = parsed.positions[0]!;
    if (!segment.canWriteNow(buf.length - first)) return null;
    for (let i = 0; i < n; i++) patchBaseOffset(buf, parsed.positions[i]!, baseOffsets[i]!, leaderEpoch);
    const appendTime = this.#stampAppendTime(buf, parsed);
    const position = segment.size;
    const bytesWritten = first === 0 ? buf : buf.subarray(first);
    try {
      // canWriteNow said it writes now; were it not written after all, append() patches the same offsets
      // again (and stamps its own append time).
      if (!segment.writeNow(bytesWritten)) return null;
    } catch (err) {
      return this.#failedWriteNow(segment, position, err);
    }
    this.#written(segment, position, parsed, 0, n, baseOffsets, lastOffsets);
    return this.#appended(buf, parsed, baseOffsets, lastOffsets, next, baseOffset, appendTime);
  }

  /**
   * timestampType LogAppendTime: every batch gets the clock's time as its maxTimestamp (and the LogAppendTime
   * attribute; its CRC is computed again), which the time index, retention and lookups by time then use.
   * Returns that time, or -1 (CreateTime: the batches are left as sent, with no work per batch).
   */
  #stampAppendTime(buf: Buffer, parsed: ParsedBatches): number {
    if (this.#options.config().timestampType !== 'LogAppendTime') return -1;
    const now = this.#options.clock.now();
    for (let i = 0; i < parsed.positions.length; i++) {
      stampLogAppendTime(buf, parsed.positions[i]!, parsed.sizes[i]!, now);
      parsed.maxTimestamps[i] = now;
    }
    return now;
  }

  /** What append() does when a write fails, for appendNow's write. */
  async #failedWriteNow(segment: Segment, position: number, err: unknown): Promise<never> {
    const { log, failures } = this.#options;
    await failures.cutBack(segment, position, err);
    const wrotePart = log.active !== segment || segment.size > position;
    if (wrotePart && !failures.offline) await this.#discardPartialAppend(segment, position);
    throw new StorageIOError(`append to ${segment.logPath} failed; nothing was stored`, err);
  }

  /** Each batch's base and last offset, from the log end (`replicated`: the batches' own, checked). */
  #offsets(buf: Buffer, parsed: ParsedBatches, replicated: boolean) {
    const { log, name } = this.#options;
    const n = parsed.positions.length;
    const baseOffsets = new Array<number>(n);
    const lastOffsets = new Array<number>(n);
    let next = log.logEndOffset;
    for (let i = 0; i < n; i++) {
      if (replicated) {
        const own = readInt64(buf, parsed.positions[i]! + Offsets.baseOffset);
        if (own < next)
          throw new InvalidRecordError(
            `replicated batch ${i} of ${name} starts at offset ${own}, below ${next} (the log end or the batch before)`,
          );
        next = own;
      }
      baseOffsets[i] = next;
      next += parsed.lastOffsetDeltas[i]! + 1;
      lastOffsets[i] = next - 1;
    }
    if (next > Number.MAX_SAFE_INTEGER) {
      throw new InvalidRecordError(
        `append to ${name} refused: the log end would pass 2^53 - 1, the largest offset a Number keeps exactly`,
      );
    }
    return { baseOffsets, lastOffsets, next };
  }

  /** Batches `from`..`to` were written at `position` of `segment`: its index and the producers' table. */
  #written(
    segment: Segment,
    position: number,
    parsed: ParsedBatches,
    from: number,
    to: number,
    baseOffsets: number[],
    lastOffsets: number[],
  ): void {
    const { clock, producers } = this.#options;
    if (segment.rollBaseTime < 0) segment.rollBaseTime = clock.now();
    const first = parsed.positions[from]!;
    for (let i = from; i < to; i++)
      segment.visitBatch(
        position + parsed.positions[i]! - first,
        baseOffsets[i]!,
        lastOffsets[i]!,
        parsed.maxTimestamps[i]!,
        parsed.sizes[i]!,
      );
    // Recorded per run: a roll after it snapshots the table as of the next segment's base.
    const batchProducers = parsed.producers;
    if (batchProducers) {
      const now = clock.now();
      for (let i = from; i < to; i++)
        if (batchProducers[i]) producers.record(batchProducers[i]!, baseOffsets[i]!, lastOffsets[i]!, now);
    }
  }

  /** Every batch is written: the log end moves (readers see the append), and the answer. */
  #appended(
    buf: Buffer,
    parsed: ParsedBatches,
    baseOffsets: number[],
    lastOffsets: number[],
    next: number,
    first: number,
    logAppendTime: number,
  ): WrittenAppend {
    this.#options.log.appended(next, buf, parsed.positions, baseOffsets, lastOffsets);
    const result: AppendResult = {
      baseOffset: first,
      lastOffset: next - 1,
      recordCount: parsed.recordCount,
      logAppendTime,
    };
    const flush = this.#options.config().flush;
    if (flush.kind === 'interval') this.#options.scheduleFlush(flush.ms);
    return { result, flushed: flush.kind === 'always' ? this.#options.commit.waitFor(next) : undefined };
  }

  /**
   * Seals the active segment and starts a new one where it ends (the log end, or, inside an append that
   * spans segments, the end of what that append wrote so far). The sealed segment is fsynced first, which
   * keeps the invariant that only the active segment holds unflushed data.
   */
  async roll(): Promise<void> {
    const { log, failures, producers, logger, dir, fs, name } = this.#options;
    const old = log.active;
    try {
      await old.trim();
    } catch (err) {
      throw new StorageIOError(`cannot cut ${old.logPath} to its batches before sealing it`, err);
    }
    await failures.syncActive('while rolling');
    await old.persistIndexes(logger);
    // The producer table as of the new segment's base: a crash then replays at most the active segment.
    const base = old.nextOffset;
    await producers.snapshotAt(base);
    let segment: Segment;
    try {
      segment = await this.#options.newSegment(base);
      await fs.syncDir(dir);
    } catch (err) {
      throw new StorageIOError(`cannot create segment ${base} in ${dir}`, err);
    }
    log.push(segment);
    logger.debug({ partition: name, baseOffset: segment.baseOffset }, 'rolled a new segment');
  }

  /**
   * Must the active segment roll before it takes a batch of `bytes` ending at offset `lastOffset`, with
   * `pending` bytes of the same append placed before it? Checked per batch, so no segment passes
   * `segmentBytes` or its 32-bit relative offsets; only a batch alone in its segment may be larger.
   * (Synchronous: hot path.)
   */
  #needsRoll(pending: number, bytes: number, lastOffset: number): boolean {
    const segment = this.#options.log.active;
    const config = this.#options.config();
    const size = segment.size + pending;
    if (size === 0) return false;
    if (size + bytes > config.segmentBytes || lastOffset - segment.baseOffset > MAX_RELATIVE_OFFSET) return true;
    return segment.size > 0 && this.#options.clock.now() - segment.rollBaseTime >= config.segmentMs;
  }

  /**
   * A later part of an append failed after earlier parts were written (to `segment` from `position`, and to
   * segments rolled after it): cut all of them away, so the append stored nothing, as a failed append must.
   * Readers never saw them (the log end had not moved). If this cleanup fails the partition goes offline.
   */
  async #discardPartialAppend(segment: Segment, position: number): Promise<void> {
    const { log, failures, producers, logger, dir, fs, name } = this.#options;
    const stillThere = log.includes(segment);
    const later = log.removeAfter(segment);
    await failures.cleanUp(`cannot remove the written part of a failed append to ${name}`, async () => {
      if (later.length > 0) await deleteSegments(later, logger);
      if (stillThere && segment.size > position) await segment.truncateTo(position);
      await log.active.fh.sync();
      await fs.syncDir(dir);
      await producers.trimTo(log.all, log.logEndOffset);
    });
    logger.warn(
      { partition: name, from: log.logEndOffset, segmentsRemoved: later.length },
      'an append spanning segments failed part-way; its written part was removed',
    );
  }

  /**
   * Every batch of the append is a retry of batches already in the log: nothing is written, the answer
   * carries the original offsets, and (flush=always) it waits until those are fsynced — if they are
   * rolled back instead, this append fails too and the producer's next retry is appended.
   */
  #duplicateResult(firstOffset: number, lastOffset: number, recordCount: number): WrittenAppend {
    const result: AppendResult = { baseOffset: firstOffset, lastOffset, recordCount, logAppendTime: -1 };
    const always = this.#options.config().flush.kind === 'always';
    return { result, flushed: always ? this.#options.commit.waitFor(lastOffset + 1) : undefined };
  }
}
