// The log cleaner (Kafka's LogCleaner): one per LogManager, it compacts partitions whose cleanup policy
// includes `compact`, keeping the last record of every key. It knows files and records, nothing of the network.
//
// A run on one partition (Kafka's algorithm, README.md "Log compaction"):
//   1. Cleanable: the sealed segments before the first one younger than min.compaction.lag.ms and before the
//      first open transaction (so every transactional batch met has its marker); the active segment is never
//      cleaned. Dirty: the cleanable segments from the cleaner checkpoint's firstDirtyOffset.
//   2. The offset map (offset-map.ts, fixed memory) takes key → latest offset over the dirty segments, whole
//      segments while they fit: when it fills, the run stops at the start of the segment it was in.
//   3. Every segment below that point is rewritten, in groups of consecutive segments that fit one segment
//      (segment.bytes, 2^31 relative offsets), keeping a record unless a later offset holds its key, it has
//      no key, or it is a tombstone that has been through a cleaning delete.retention.ms ago
//      (cleaner-checkpoint.ts). Offsets, timestamps and headers are kept; a batch that loses records is
//      rewritten (batch-records.ts); an emptied batch that is the last one of a producer the partition
//      still tracks is kept empty, so its sequence numbers survive (Kafka does the same). Transactions
//      (cleaner-transactions.ts): aborted data is removed, committed data is compacted like the rest, and a
//      COMMIT/ABORT marker goes once no data of its transaction is left before it and delete.retention.ms
//      has passed, taking its .txnindex entry with it.
//   4. Each group's cleaned file is fsynced and swapped in under the partition's queue (cleaner-swap.ts).
// Concurrency: reading and writing happen outside the partition's queue (segments are sealed: nothing writes
// them; each is retained while read, so retention deleting it meanwhile leaves its inode readable); only
// the swap enters the queue, and is refused if retention or truncation removed the group meanwhile. Appends
// and fetches never wait for the cleaner except for the swap's renames and fsyncs. I/O is throttled.
import type { StorageFs } from './fs.js';
import type { Clock, Logger } from './types.js';
import type { PartitionLog } from './lazy-partition-log.js';
import { Segment } from './segment.js';
import { isCompacted } from './config.js';
import { LogClosedError } from './errors.js';
import { OffsetMap, keyHash } from './offset-map.js';
import { Throttler } from './throttler.js';
import { readBatchRecords, rewriteBatch, type RecordCodecs, type RecordView } from './batch-records.js';
import { cleanedLogPath } from './cleaner-swap.js';
import { CleanerTransactions } from './cleaner-transactions.js';
import {
  afterRun,
  type CleanerCheckpoint,
  readCleanerCheckpoint,
  tombstoneHorizon,
  writeCleanerCheckpoint,
} from './cleaner-checkpoint.js';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  Offsets,
  readInt64,
} from './format/record-batch.js';

export interface LogCleanerOptions {
  fs: StorageFs;
  clock: Clock;
  logger: Logger;
  /** Memory of the offset map in bytes (Kafka's log.cleaner.dedupe.buffer.size). Default 32 MiB: 1.25 M keys. */
  dedupeBufferBytes?: number;
  /** Reads plus writes per second at most (Kafka's log.cleaner.io.max.bytes.per.second). Default unlimited. */
  ioBytesPerSecond?: number;
  /** Sleep between looks for work when no partition needs cleaning (Kafka's log.cleaner.backoff.ms). */
  backoffMs?: number;
  /** Bytes read or written at a time. Default 1 MiB. */
  ioBufferBytes?: number;
  /** Codecs to read and rewrite compressed batches; without them compressed batches are kept whole. */
  codecs?: RecordCodecs;
}

export const DEFAULT_DEDUPE_BUFFER_BYTES = 32 * 1024 * 1024;
export const DEFAULT_CLEANER_BACKOFF_MS = 15_000;
const DEFAULT_IO_BUFFER_BYTES = 1024 * 1024;
const MAX_RELATIVE_OFFSET = 0x7fff_ffff;

/** What one run did. */
export interface CleanResult {
  partition: string;
  /** Every offset below it is now clean (the new firstDirtyOffset). */
  cleanedUpTo: number;
  segmentsBefore: number;
  segmentsAfter: number;
  bytesRead: number;
  bytesWritten: number;
  recordsRemoved: number;
  durationMs: number;
}

export interface CleanerStats {
  runs: number;
  bytesRead: number;
  bytesWritten: number;
  recordsRemoved: number;
  /** Wall time spent in runs, ms. */
  busyMs: number;
  failures: number;
}

class CleanerStopped extends Error {}

/** The cleanable part of a log now, and how dirty it is. */
interface Cleanable {
  segments: Segment[];
  /** Index in `segments` of the first dirty segment. */
  firstDirtyIndex: number;
  dirtyBytes: number;
  totalBytes: number;
  overdue: boolean;
}

export class LogCleaner {
  readonly #options: LogCleanerOptions;
  readonly #logs: () => Iterable<PartitionLog>;
  readonly #checkpoints = new WeakMap<PartitionLog, CleanerCheckpoint>();
  readonly #failedAt = new WeakMap<PartitionLog, number>();
  #map: OffsetMap | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  /** The run in progress, so that a partition closing can wait for it. */
  #current: { log: PartitionLog; done: Promise<unknown> } | undefined;
  readonly stats: CleanerStats = { runs: 0, bytesRead: 0, bytesWritten: 0, recordsRemoved: 0, busyMs: 0, failures: 0 };

  constructor(options: LogCleanerOptions, logs: () => Iterable<PartitionLog>) {
    this.#options = options;
    this.#logs = logs;
  }

  /** Starts the background loop: clean the dirtiest partition, or sleep backoffMs. */
  start(): void {
    if (this.#loop) return;
    this.#stopping = false;
    this.#loop = this.#run();
  }

  /** Stops the loop; a run in progress is abandoned at its next batch (its cleaned file deleted). */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
    await this.#current?.done.catch(() => {});
    this.#loop = undefined;
  }

  /** Waits for a run on `log` to end (a partition about to close or be deleted). */
  async quiesce(log: PartitionLog): Promise<void> {
    if (this.#current?.log === log) await this.#current.done.catch(() => {});
  }

  async #run(): Promise<void> {
    const backoff = this.#options.backoffMs ?? DEFAULT_CLEANER_BACKOFF_MS;
    while (!this.#stopping) {
      const result = await this.cleanDirtiest().catch(() => null);
      if (this.#stopping) break;
      if (result) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff);
        timer.unref();
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /** Cleans the partition with the highest dirty ratio among those due; null when none is. */
  async cleanDirtiest(): Promise<CleanResult | null> {
    const now = this.#options.clock.now();
    let best: { log: PartitionLog; ratio: number } | undefined;
    for (const log of this.#logs()) {
      if (!isCompacted(log.config)) continue;
      const failedAt = this.#failedAt.get(log);
      if (failedAt !== undefined && now - failedAt < (this.#options.backoffMs ?? DEFAULT_CLEANER_BACKOFF_MS)) continue;
      const c = this.#cleanable(log, await this.#checkpoint(log), now);
      if (c.dirtyBytes === 0) continue;
      const ratio = c.dirtyBytes / c.totalBytes;
      if (ratio < log.config.minCleanableDirtyRatio && !c.overdue) continue;
      const rank = c.overdue ? ratio + 1 : ratio;
      if (!best || rank > best.ratio) best = { log, ratio: rank };
    }
    return best ? this.clean(best.log) : null;
  }

  /**
   * Cleans `log` now, whatever its dirty ratio (a compacted partition with sealed segments; null otherwise, or
   * when another run holds the cleaner). Errors are logged and counted; the partition is retried after backoffMs.
   */
  async clean(log: PartitionLog): Promise<CleanResult | null> {
    if (this.#current || !isCompacted(log.config)) return null;
    const done = this.#clean(log);
    this.#current = { log, done };
    try {
      return await done;
    } catch (err) {
      if (err instanceof CleanerStopped || err instanceof LogClosedError) return null;
      this.stats.failures++;
      this.#failedAt.set(log, this.#options.clock.now());
      this.#options.logger.error({ err, partition: `${log.topic}-${log.partition}` }, 'log cleaning failed');
      return null;
    } finally {
      this.#current = undefined;
    }
  }

  async #checkpoint(log: PartitionLog): Promise<CleanerCheckpoint> {
    let cp = this.#checkpoints.get(log);
    if (!cp) {
      cp = await readCleanerCheckpoint(this.#options.fs, log.dir);
      this.#checkpoints.set(log, cp);
    }
    return cp;
  }

  #cleanable(log: PartitionLog, cp: CleanerCheckpoint, now: number): Cleanable {
    const { minCompactionLagMs, maxCompactionLagMs } = log.config;
    const sealed = log.segments.slice(0, -1);
    let end = sealed.length;
    if (minCompactionLagMs > 0) {
      const young = sealed.findIndex((s) => s.maxTimestamp >= 0 && now - s.maxTimestamp < minCompactionLagMs);
      if (young >= 0) end = young;
    }
    const unstable = log.firstUnstableOffset;
    if (unstable >= 0) {
      const open = sealed.findIndex((s) => s.nextOffset > unstable);
      if (open >= 0 && open < end) end = open;
    }
    const segments = sealed.slice(0, end);
    const firstDirty = Math.max(cp.firstDirtyOffset, log.logStartOffset);
    let firstDirtyIndex = segments.findIndex((s) => s.nextOffset > firstDirty && s.size > 0);
    if (firstDirtyIndex < 0) firstDirtyIndex = segments.length;
    let dirtyBytes = 0;
    let totalBytes = 0;
    segments.forEach((s, i) => {
      totalBytes += s.size;
      if (i >= firstDirtyIndex) dirtyBytes += s.size;
    });
    const first = segments[firstDirtyIndex];
    const overdue = first !== undefined && first.rollBaseTime >= 0 && now - first.rollBaseTime > maxCompactionLagMs;
    return { segments, firstDirtyIndex, dirtyBytes, totalBytes, overdue };
  }

  async #clean(log: PartitionLog): Promise<CleanResult | null> {
    const { fs, clock, logger } = this.#options;
    const started = performance.now();
    const name = `${log.topic}-${log.partition}`;
    const cp = await this.#checkpoint(log);
    const now = clock.now();
    const { segments, firstDirtyIndex } = this.#cleanable(log, cp, now);
    if (segments.length === 0) return null;
    const throttle = new Throttler(this.#options.ioBytesPerSecond ?? Number.POSITIVE_INFINITY);
    const io = { read: 0, written: 0, removed: 0 };
    this.#map ??= new OffsetMap(this.#options.dedupeBufferBytes ?? DEFAULT_DEDUPE_BUFFER_BYTES);
    const map = this.#map;
    map.clear();
    const txns = new CleanerTransactions(log.abortedTransactions(log.logStartOffset, nextBase(log, segments)));
    // 2. The offset map over the dirty segments, whole segments while they fit.
    let endIndex = firstDirtyIndex;
    for (let i = firstDirtyIndex; i < segments.length; i++) {
      const fits = await this.#mapSegment(segments[i]!, map, txns, throttle, io);
      if (!fits) {
        if (i === firstDirtyIndex) {
          logger.warn(
            { partition: name, segment: segments[i]!.logPath, mapKeys: map.maxEntries },
            'the offset map cannot hold the keys of one segment; cleaning what comes before it (raise the dedupe buffer)',
          );
        }
        break;
      }
      endIndex = i + 1;
    }
    const cleanedUpTo = endIndex < segments.length ? segments[endIndex]!.baseOffset : nextBase(log, segments);
    // 3-4. Rewrite and swap, group by group, every segment below the map's end.
    const horizon = tombstoneHorizon(cp, now, log.config.deleteRetentionMs);
    const producerLast = log.producerLastOffsets();
    const toClean = segments.slice(0, Math.max(endIndex, firstDirtyIndex));
    const before = log.segments.length;
    for (const group of groupSegments(toClean, log.config.segmentBytes)) {
      const swapped = await this.#cleanGroup(log, group, { map, txns, horizon, producerLast, throttle, io });
      if (!swapped) return null;
    }
    if (endIndex > firstDirtyIndex || cleanedUpTo > cp.firstDirtyOffset) {
      const next = afterRun(cp, cleanedUpTo, now, log.config.deleteRetentionMs);
      await writeCleanerCheckpoint(fs, log.dir, next);
      this.#checkpoints.set(log, next);
    }
    const durationMs = performance.now() - started;
    const result: CleanResult = {
      partition: name,
      cleanedUpTo,
      segmentsBefore: before,
      segmentsAfter: log.segments.length,
      bytesRead: io.read,
      bytesWritten: io.written,
      recordsRemoved: io.removed,
      durationMs,
    };
    this.stats.runs++;
    this.stats.bytesRead += io.read;
    this.stats.bytesWritten += io.written;
    this.stats.recordsRemoved += io.removed;
    this.stats.busyMs += durationMs;
    logger.info(result, 'log cleaned');
    return result;
  }

  /** Puts every keyed record of the segment into the map; false when the map filled before its end. */
  async #mapSegment(
    segment: Segment,
    map: OffsetMap,
    txns: CleanerTransactions,
    throttle: Throttler,
    io: { read: number },
  ): Promise<boolean> {
    let fits = true;
    await this.#forEachBatch(segment, throttle, io, async (batch) => {
      // Markers hold no keys; aborted data supersedes nothing (a key's value in an aborted transaction must
      // not remove its committed one). Committed transactional data counts like any other.
      const attributes = batch.readInt16BE(Offsets.attributes);
      if ((attributes & ATTR_CONTROL) !== 0) return true;
      if (
        (attributes & ATTR_TRANSACTIONAL) !== 0 &&
        txns.isAborted(readInt64(batch, Offsets.producerId), readInt64(batch, Offsets.baseOffset))
      )
        return true;
      const records = await readBatchRecords(batch, this.#options.codecs);
      if (!records) return true;
      for (const r of records.records) {
        if (r.key && !map.put(keyHash(r.key), r.offset)) {
          fits = false;
          return false;
        }
      }
      return true;
    });
    return fits;
  }

  /** Writes the group's kept batches to the cleaned file and swaps it in. False: the log changed, run abandoned. */
  async #cleanGroup(
    log: PartitionLog,
    group: Segment[],
    ctx: {
      map: OffsetMap;
      txns: CleanerTransactions;
      horizon: number;
      producerLast: Map<number, number>;
      throttle: Throttler;
      io: { read: number; written: number; removed: number };
    },
  ): Promise<boolean> {
    const { fs } = this.#options;
    const base = group[0]!.baseOffset;
    const path = cleanedLogPath(log.dir, base);
    const layout = Segment.layout(log.dir, base, log.config.indexIntervalBytes, fs);
    layout.rollBaseTime = group[0]!.rollBaseTime;
    const out = await fs.open(path, 'w+');
    const bufferBytes = this.#options.ioBufferBytes ?? DEFAULT_IO_BUFFER_BYTES;
    const pending = Buffer.allocUnsafe(bufferBytes);
    let pendingBytes = 0;
    let position = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      await out.write(pending.subarray(0, pendingBytes), position - pendingBytes);
      ctx.io.written += pendingBytes;
      await ctx.throttle.done(pendingBytes);
      pendingBytes = 0;
    };
    /** The cleaned file is ours to delete until the swap takes it (see PartitionLog.replaceSegments). */
    let ours = true;
    try {
      for (const segment of group) {
        await this.#forEachBatch(segment, ctx.throttle, ctx.io, async (batch) => {
          const kept = await this.#filterBatch(batch, ctx);
          if (!kept) return true;
          const lastOffset = readInt64(kept, Offsets.baseOffset) + kept.readInt32BE(Offsets.lastOffsetDelta);
          layout.visitBatch(
            position,
            readInt64(kept, Offsets.baseOffset),
            lastOffset,
            readInt64(kept, Offsets.maxTimestamp),
            kept.length,
          );
          if (pendingBytes + kept.length > bufferBytes) await flush();
          if (kept.length > bufferBytes) {
            await out.write(kept, position);
            ctx.io.written += kept.length;
            await ctx.throttle.done(kept.length);
          } else {
            kept.copy(pending, pendingBytes);
            pendingBytes += kept.length;
          }
          position += kept.length;
          return true;
        });
      }
      await flush();
      await out.sync();
      await out.close();
      this.#checkStopping();
      ours = false;
      const segment = await log.replaceSegments(group, layout, ctx.txns.removedAborts);
      if (!segment) {
        await fs.unlink(path).catch(() => {});
        return false;
      }
      await log.persistIndexes(segment);
      return true;
    } finally {
      if (ours) {
        await out.close().catch(() => {});
        await fs.unlink(path).catch(() => {});
      }
    }
  }

  /** The batch as it stays in the cleaned log: unchanged, rewritten with fewer records, or null (dropped). */
  async #filterBatch(
    batch: Buffer,
    ctx: {
      map: OffsetMap;
      txns: CleanerTransactions;
      horizon: number;
      producerLast: Map<number, number>;
      io: { removed: number };
    },
  ): Promise<Buffer | null> {
    const attributes = batch.readInt16BE(Offsets.attributes);
    const producerId = readInt64(batch, Offsets.producerId);
    const baseOffset = readInt64(batch, Offsets.baseOffset);
    if ((attributes & ATTR_CONTROL) !== 0)
      return ctx.txns.marker(producerId, baseOffset, baseOffset < ctx.horizon) ? null : batch;
    const fate = ctx.txns.dataBatch(producerId, baseOffset, (attributes & ATTR_TRANSACTIONAL) !== 0);
    const records = await readBatchRecords(batch, this.#options.codecs);
    if (!records) return fate === 'aborted' ? null : batch;
    const retain = (r: RecordView): boolean => {
      if (fate === 'aborted' || !r.key) return false;
      if (ctx.map.get(keyHash(r.key)) > r.offset) return false;
      return !(r.tombstone && r.offset < ctx.horizon);
    };
    const kept = records.records.filter(retain);
    ctx.io.removed += records.records.length - kept.length;
    const lastOffset = baseOffset + batch.readInt32BE(Offsets.lastOffsetDelta);
    const producersLast = producerId >= 0 && ctx.producerLast.get(producerId) === lastOffset;
    if (kept.length === 0 && !producersLast) return null;
    if (kept.length === records.records.length) return batch;
    return rewriteBatch(batch, records, kept, this.#options.codecs);
  }

  /**
   * Calls `visit` with every batch of a sealed segment in order (a view valid until `visit` resolves); stops
   * when it returns false. The segment is retained meanwhile: retention unlinking it leaves it readable.
   */
  async #forEachBatch(
    segment: Segment,
    throttle: Throttler,
    io: { read: number },
    visit: (batch: Buffer) => Promise<boolean>,
  ): Promise<void> {
    const chunkBytes = this.#options.ioBufferBytes ?? DEFAULT_IO_BUFFER_BYTES;
    let buffer = Buffer.allocUnsafe(chunkBytes);
    segment.retain();
    try {
      const end = segment.size;
      let position = 0;
      while (position < end) {
        this.#checkStopping();
        const n = await segment.fh.read(buffer, 0, Math.min(buffer.length, end - position), position);
        io.read += n;
        await throttle.done(n);
        let at = 0;
        while (at + BATCH_HEADER_SIZE <= n) {
          const size = buffer.readInt32BE(at + Offsets.batchLength) + BATCH_LOG_OVERHEAD;
          if (size < BATCH_HEADER_SIZE) throw new Error(`${segment.logPath}: bad batch length at ${position + at}`);
          if (at + size > n) break;
          if (!(await visit(buffer.subarray(at, at + size)))) return;
          at += size;
        }
        if (at === 0) {
          // One batch larger than the buffer: read it whole.
          const size = buffer.readInt32BE(Offsets.batchLength) + BATCH_LOG_OVERHEAD;
          if (n < BATCH_HEADER_SIZE || size > end - position)
            throw new Error(`${segment.logPath}: truncated batch at ${position}`);
          buffer = Buffer.allocUnsafe(size);
          continue;
        }
        position += at;
      }
    } finally {
      segment.release();
    }
  }

  #checkStopping(): void {
    if (this.#stopping) throw new CleanerStopped();
  }
}

/** The offset after the cleanable segments: the base of the segment that follows the last of them. */
function nextBase(log: PartitionLog, segments: Segment[]): number {
  const all = log.segments;
  const last = segments[segments.length - 1]!;
  return all[all.indexOf(last) + 1]?.baseOffset ?? last.nextOffset;
}

/** Consecutive segments whose total fits one segment and whose offsets fit a segment's relative offsets. */
function groupSegments(segments: Segment[], maxBytes: number): Segment[][] {
  const groups: Segment[][] = [];
  let group: Segment[] = [];
  let bytes = 0;
  for (const s of segments) {
    const first = group[0];
    const fits =
      first !== undefined && bytes + s.size <= maxBytes && s.nextOffset - 1 - first.baseOffset <= MAX_RELATIVE_OFFSET;
    if (!fits && group.length > 0) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(s);
    bytes += s.size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
