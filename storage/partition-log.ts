// The partition log's public API (state and failure handling live in partition-core.ts).
//
// Concurrency: every mutation (append's write, roll, truncate, retention, checkpoint, close) runs in one
// SerialQueue, so positions and offsets need no locks and concurrent appends get offsets in call order.
// Reads never enter the queue: they snapshot sizes and offsets synchronously and hold a segment reference.
// fsyncs run outside the queue (GroupCommit) so appends keep writing while a flush is in flight.
import type { PartitionConfig } from './config.js';
import { resolvePartitionConfig } from './config.js';
import { INDEX_MISMATCH, type Segment } from './segment.js';
import { parseBatches } from './append-batches.js';
import type { ParsedBatches } from './append-batches.js';
import { patchBaseOffset } from './format/record-batch.js';
import {
  CorruptLogError,
  InvalidRecordError,
  LogClosedError,
  OffsetOutOfRangeError,
  StorageError,
  StorageIOError,
  asStorageError,
} from './errors.js';
import { offsetForTimestamp, readLog, segmentFor } from './partition-read.js';
import type { ReadOptions, ReadResult } from './partition-read.js';
import { deleteSegments, retentionVictims } from './retention.js';
import { PartitionCore } from './partition-core.js';
import { planProducerAppend } from './producer-state.js';
import { deleteAllSnapshots } from './producer-snapshot.js';
import { skipBatches } from './append-batches.js';
import type { AppendResult, PartitionLogOptions } from './partition-core.js';

export type { ReadOptions, ReadResult };
export type { AppendResult, PartitionLogOptions } from './partition-core.js';
export { DEFAULT_TAIL_CACHE_BYTES, DEFAULT_PRODUCER_ID_EXPIRATION_MS } from './partition-core.js';

export class PartitionLog extends PartitionCore {
  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    const log = new PartitionLog(options);
    await log.load(options.repair ?? false);
    return log;
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
  /** Changes whenever a truncation starts or ends (see PartitionCore.truncations): equal values before and after a read mean no truncation overlapped it or came after it. */
  get truncationCount(): number {
    return this.truncations;
  }
  get sizeInBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }
  get segmentCount(): number {
    return this.segments.length;
  }

  /** `maxBatchBytes`: refuse (RecordTooLargeError, nothing written) any batch larger than this. */
  async append(batches: Buffer, options: { leaderEpoch?: number; maxBatchBytes?: number } = {}): Promise<AppendResult> {
    this.checkWritable();
    const parsed = parseBatches(batches, options.maxBatchBytes);
    const { result, flushed } = await this.mutate(() => this.writeBatches(batches, parsed, options.leaderEpoch));
    if (flushed) await flushed;
    return result;
  }

  private async writeBatches(buf: Buffer, parsed: ParsedBatches, leaderEpoch: number | undefined) {
    let duplicateOffset = -1;
    if (parsed.producers) {
      // Idempotent batches: checked here, in the queue, against every append before this one.
      const plan = planProducerAppend(this.producers, parsed.producers, this.name);
      if (plan.duplicates === parsed.positions.length)
        return this.duplicateResult(plan.firstOffset, plan.lastOffset, parsed.recordCount);
      if (plan.duplicates > 0) {
        duplicateOffset = plan.firstOffset;
        ({ buf, parsed } = skipBatches(buf, parsed, plan.duplicates));
      }
    }
    // Synchronous checks first: an append that needs neither pays for no extra await.
    if (this.onDisk.clean) await this.markDirty();
    const baseOffset = this.endOffset;
    const n = parsed.positions.length;
    const baseOffsets = new Array<number>(n);
    const lastOffsets = new Array<number>(n);
    let next = baseOffset;
    for (let i = 0; i < n; i++) {
      baseOffsets[i] = next;
      next += parsed.lastOffsetDeltas[i]! + 1;
      lastOffsets[i] = next - 1;
    }
    if (next > Number.MAX_SAFE_INTEGER) {
      throw new InvalidRecordError(
        `append to ${this.name} refused: the log end would pass 2^53 - 1, the largest offset a Number keeps exactly`,
      );
    }
    for (let i = 0; i < n; i++) patchBaseOffset(buf, parsed.positions[i]!, baseOffsets[i]!, leaderEpoch);
    // Batches go to the active segment in runs, each run one positional write; the roll check holds per
    // batch. Usually there is one run. Until the last run is written the log end stays put, so readers see
    // none of an append that spans segments before all of it is there (and none of it if a part fails).
    let start: { segment: Segment; position: number } | undefined;
    try {
      for (let from = 0; from < n; ) {
        let to = from;
        let bytes = 0;
        while (to < n && !this.needsRoll(bytes, parsed.sizes[to]!, lastOffsets[to]!)) bytes += parsed.sizes[to++]!;
        if (to === from) {
          await this.roll();
          continue;
        }
        const segment = this.active;
        const position = segment.size;
        start ??= { segment, position };
        try {
          await segment.write(buf.subarray(parsed.positions[from]!, to === n ? buf.length : parsed.positions[to]));
        } catch (err) {
          await this.cutBack(segment, position, err);
          throw new StorageIOError(`append to ${segment.logPath} failed; nothing was stored`, err);
        }
        if (segment.rollBaseTime < 0) segment.rollBaseTime = this.clock.now();
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
        const producers = parsed.producers;
        if (producers) {
          const now = this.clock.now();
          for (let i = from; i < to; i++)
            if (producers[i]) this.producers.record(producers[i]!, baseOffsets[i]!, lastOffsets[i]!, now);
        }
        from = to;
      }
    } catch (err) {
      const wrotePart = start && (this.active !== start.segment || start.segment.size > start.position);
      if (wrotePart && !this.failure) await this.discardPartialAppend(start!.segment, start!.position);
      throw err;
    }
    this.endOffset = next;
    this.cache.add(buf, parsed.positions, baseOffsets, lastOffsets);
    const first = duplicateOffset >= 0 ? duplicateOffset : baseOffset;
    const result: AppendResult = {
      baseOffset: first,
      lastOffset: next - 1,
      recordCount: parsed.recordCount,
      logAppendTime: -1,
    };
    const flush = this.cfg.flush;
    if (flush.kind === 'interval') this.armFlushTimer(flush.ms);
    return { result, flushed: flush.kind === 'always' ? this.commit.waitFor(next) : undefined };
  }

  /**
   * A later part of an append failed after earlier parts were written (to `segment` from `position`, and to
   * segments rolled after it): cut all of them away, so the append stored nothing, as a failed append must.
   * Readers never saw them (the log end had not moved). If this cleanup fails the partition goes offline.
   */
  private async discardPartialAppend(segment: Segment, position: number): Promise<void> {
    const index = this.segments.indexOf(segment);
    const later = index < 0 ? [] : this.segments.slice(index + 1);
    try {
      if (later.length > 0) {
        this.segments = this.segments.slice(0, index + 1);
        await deleteSegments(later, this.logger);
      }
      if (index >= 0 && segment.size > position) await segment.truncateTo(position);
      await this.active.fh.sync();
      await this.fs.syncDir(this.dir);
      await this.trimProducers();
    } catch (err) {
      this.goOffline(err, `cannot remove the written part of a failed append to ${this.name}`);
      throw this.failure;
    }
    this.logger.warn(
      { partition: this.name, from: this.endOffset, segmentsRemoved: later.length },
      'an append spanning segments failed part-way; its written part was removed',
    );
  }

  /**
   * Every batch of the append is a retry of batches already in the log: nothing is written, the answer
   * carries the original offsets, and (flush=always) it waits until those are fsynced — if they are
   * rolled back instead, this append fails too and the producer's next retry is appended.
   */
  private duplicateResult(firstOffset: number, lastOffset: number, recordCount: number) {
    const result: AppendResult = { baseOffset: firstOffset, lastOffset, recordCount, logAppendTime: -1 };
    return { result, flushed: this.cfg.flush.kind === 'always' ? this.commit.waitFor(lastOffset + 1) : undefined };
  }

  async read(offset: number, options: ReadOptions): Promise<ReadResult> {
    if (this.state === 'closed') throw new LogClosedError(`partition ${this.name}`);
    return readLog(this.view, offset, options);
  }

  async offsetForTimestamp(timestamp: number): Promise<{ offset: number; timestamp: number } | null> {
    if (this.state === 'closed') throw new LogClosedError(`partition ${this.name}`);
    return offsetForTimestamp(this.view, timestamp);
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

  async enforceRetention(): Promise<number> {
    return this.mutate(async () => {
      const victims = retentionVictims(this.segments, this.startOffset, this.cfg, this.clock.now(), true);
      if (victims.length > 0) await this.markDirty();
      const count = await this.removeSegments(victims);
      if (count > 0)
        this.logger.info(
          { partition: this.name, deleted: count, logStartOffset: this.startOffset },
          'retention deleted segments',
        );
      return count;
    });
  }

  async truncateTo(offset: number): Promise<void> {
    await this.mutate(async () => {
      if (offset >= this.endOffset) return;
      this.truncations++;
      this.commit.invalidateInFlight();
      await this.markDirty();
      if (offset <= this.startOffset) return this.truncateFully(Math.max(offset, 0));
      const segment = segmentFor(this.segments, offset);
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
    const segment = await this.createSegment(offset);
    this.segments = [segment];
    // A segment with the same base offset shares its file name with the new one: close it, do not unlink it.
    for (const s of old) if (s.baseOffset === offset) void s.close().catch(() => {});
    await deleteSegments(
      old.filter((s) => s.baseOffset !== offset),
      this.logger,
    );
    this.startOffset = offset;
    this.producers.clear();
    await deleteAllSnapshots(this.fs, this.dir);
    this.lastSnapshotOffset = -1;
    await this.afterTruncation();
  }

  private async afterTruncation(): Promise<void> {
    await this.runCleanup(this.active, () => this.active.fh.sync());
    await this.fs.syncDir(this.dir);
    this.endOffset = this.active.nextOffset;
    this.cache.clear();
    await this.runCleanup(this.active, () => this.trimProducers());
    this.truncations++;
    this.commit.failAll(
      new StorageError(`partition ${this.name} was truncated to ${this.endOffset}`, {
        code: 'TRUNCATED',
        retriable: true,
      }),
    );
    this.commit.reset(this.endOffset);
    await this.writeCheckpoint(false);
  }

  /** Segment.ms rolls, retention, due interval flushes, checkpoint of the recovery point. */
  async runMaintenance(): Promise<void> {
    if (this.state !== 'open' || this.failure) return;
    const now = this.clock.now();
    const active = this.active;
    if (active.size > 0 && now - active.rollBaseTime >= this.cfg.segmentMs) {
      await this.mutate(async () => {
        if (this.active !== active) return;
        await this.markDirty();
        await this.roll();
      });
    }
    await this.enforceRetention();
    await this.expireProducers(now);
    const flush = this.cfg.flush;
    if (
      flush.kind === 'interval' &&
      this.endOffset > this.commit.flushedOffset &&
      now - this.commit.lastFlushTime >= flush.ms
    ) {
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
      // Still clean since a clean open (every mutation marks the checkpoint dirty first): the index files
      // and the clean checkpoint on disk already describe this log, and rewriting them would cost three
      // fsyncs and three directory fsyncs per partition — minutes of shutdown for 10,000 idle partitions.
      if (!this.failure && !this.onDisk.clean && !this.neverWritten()) {
        await this.syncActive();
        await this.active.persistIndexes(this.logger);
        await this.writeCheckpoint(true); // with the producer table
      }
    } catch (err) {
      error = err;
    }
    this.commit.failAll(new LogClosedError(`partition ${this.name}`));
    await Promise.all(this.segments.map((s) => s.close().catch(() => {})));
    this.cache.clear();
    this.state = 'closed';
    this.logger.info(
      { partition: this.name, logEndOffset: this.endOffset, clean: error === undefined },
      'partition closed',
    );
    if (error) throw asStorageError(error, `closing partition ${this.name} failed`);
  }

  /**
   * Created and never written (nor truncated, nor trimmed: those write a checkpoint): one empty segment
   * and no checkpoint on disk. Reopening it scans an empty file, which is instant and recovers nothing,
   * so its close writes nothing either.
   */
  private neverWritten(): boolean {
    return this.onDisk.recoveryPoint < 0 && this.segments.length === 1 && this.active.size === 0;
  }

  /**
   * Refuses mutations from now on (LogClosedError) and waits for the queued ones; reads go on and no file is
   * written. The partition's directory is about to be deleted: discard() follows, or unfreeze() if it was not.
   */
  async freeze(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'frozen';
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.queue.run(async () => {});
    // Readers in progress keep reading after the directory is renamed, through open descriptors.
    await Promise.all(this.segments.filter((s) => s.readers > 0).map((s) => s.fh.keepOpen().catch(() => {})));
  }

  unfreeze(): void {
    if (this.state === 'frozen') this.state = 'open';
  }

  /**
   * Closes a frozen log without writing anything (no flush, no index files, no checkpoint: its files are
   * being deleted, and the disk may be full). Each segment's file closes after its last reader.
   */
  async discard(): Promise<void> {
    if (this.state !== 'frozen') return;
    this.state = 'closed';
    this.commit.failAll(new LogClosedError(`partition ${this.name}`));
    this.cache.clear();
    await Promise.all(this.segments.map((s) => s.close().catch(() => {})));
  }
}
