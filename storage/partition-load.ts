// Recovery: opening a partition directory, finding its segments, loading or rebuilding their indexes and
// recovering the unflushed tail, before the partition log's other owners are built on the result.
//
// Algorithm (README.md "Recovery"): with a clean-shutdown checkpoint every segment loads its index files and
// validates only the batches after its last index entry. Otherwise segments that end at or below the
// recovery point load the same way, and the others (always including the last) are scanned batch by batch
// (length, magic, counts, CRC-32C, dense offsets) and their indexes rebuilt. A bad batch in the last
// segment is a torn tail: the file is truncated there. A bad batch in a sealed segment is a CorruptLogError
// naming the file and byte position, or with `repair` the log is truncated there and later segments dropped.
import { join } from 'node:path';
import type { StorageFs } from './fs.js';
import type { FilePool } from './file-pool.js';
import { Segment, LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, segmentFileName } from './segment.js';
import { CorruptLogError, asStorageError } from './errors.js';
import { CHECKPOINT_FILE, readCheckpoint } from './checkpoint.js';
import type { PartitionCheckpoint } from './checkpoint.js';
import { TEMP_SUFFIX } from './atomic.js';
import { finishSwaps } from './cleaner-swap.js';
import type { Logger, Clock } from './types.js';

export interface LoadContext {
  fs: StorageFs;
  files: FilePool;
  dir: string;
  indexIntervalBytes: number;
  repair: boolean;
  logger: Logger;
  clock: Clock;
  /**
   * The partition's clean checkpoint as the clean-shutdown file gives it (clean-shutdown.ts, version 3),
   * trusted instead of partition.checkpoint (which is still read: what it says is `onDisk`).
   */
  cleanCheckpoint?: PartitionCheckpoint;
}

/** A recovered partition: segments in offset order, never overlapping (at least one), all fsynced, and where its log starts. */
export interface RecoveredPartition {
  segments: Segment[];
  logStartOffset: number;
  /** What recovery trusted: partition.checkpoint, or the clean-shutdown file's entry standing for it. */
  checkpoint: PartitionCheckpoint | undefined;
  /** What partition.checkpoint says (undefined: no file, or garbled). */
  onDisk: PartitionCheckpoint | undefined;
  /** Some segment was scanned: the caller writes a new checkpoint. */
  recovered: boolean;
  /** The directory held no segment: one was created, empty. */
  fresh: boolean;
  /** The directory's names as recovery listed them (its transaction indexes and producer snapshots are among them). */
  names: readonly string[];
}

/**
 * Loads the partition in `ctx.dir` (below), creates its first segment when it has none, fsyncs recovered
 * segments (a process crash leaves their data in the page cache only) and settles the log start.
 */
export async function recoverPartition(ctx: LoadContext & { name: string }): Promise<RecoveredPartition> {
  let loaded: LoadedPartition;
  try {
    loaded = await loadPartition(ctx);
  } catch (err) {
    throw asStorageError(err, `cannot open partition ${ctx.name} in ${ctx.dir}`);
  }
  const { segments, checkpoint, onDisk, recovered, names } = loaded;
  const fresh = segments.length === 0;
  if (fresh) {
    const base = checkpoint?.logStartOffset ?? 0;
    segments.push(await Segment.create(ctx.fs, ctx.dir, base, ctx.indexIntervalBytes, ctx.files, loaded.empty));
  }
  const logEndOffset = segments[segments.length - 1]!.nextOffset;
  let logStartOffset = trustedLogStart(checkpoint?.logStartOffset, segments[0]!.baseOffset);
  if (logStartOffset > logEndOffset) {
    ctx.logger.warn(
      { partition: ctx.name, logStartOffset, logEndOffset },
      'log start offset beyond the recovered log end; moving it back',
    );
    logStartOffset = logEndOffset;
  }
  if (recovered) for (const s of segments) await s.fh.sync();
  for (const s of segments) s.markFlushed(s.size);
  return { segments, logStartOffset, checkpoint, onDisk, recovered, fresh, names };
}

/** The log start a recovery takes from a checkpoint's (none: undefined) and the first segment's base, before any clamp to the log end. */
export function trustedLogStart(checkpointStart: number | undefined, firstSegmentBase: number): number {
  return Math.max(checkpointStart ?? 0, firstSegmentBase);
}

interface LoadedPartition {
  segments: Segment[];
  checkpoint: PartitionCheckpoint | undefined;
  onDisk: PartitionCheckpoint | undefined;
  /** True when any segment was scanned (no clean shutdown): the caller fsyncs and re-checkpoints. */
  recovered: boolean;
  /** The directory held nothing at all (no file of any segment). */
  empty?: boolean;
  names: readonly string[];
}

const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex)$/;

/**
 * Lists segment base offsets, deleting temp files and index files whose .log is gone, and returns the names
 * it listed (those it deleted among them) for the rest of the open, which reads no directory again. A directory
 * that does not exist yet (a partition being created) is made, empty. undefined: the directory is empty (no
 * checkpoint either: not worth a failing read — a thrown ENOENT per new partition is measurable at 10,000).
 */
async function listSegments(
  ctx: LoadContext,
): Promise<{ bases: number[]; indexed: Set<number>; names: string[] } | undefined> {
  let names: string[];
  try {
    names = await ctx.fs.readdir(ctx.dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await ctx.fs.mkdir(ctx.dir);
    return undefined;
  }
  if (names.length === 0) return undefined;
  // A cleaner swap a crash interrupted is finished (committed) or its output dropped (not), before the
  // segments are listed: the list then holds either the old segments or the cleaned one (cleaner-swap.ts).
  const swaps = await finishSwaps(ctx.fs, ctx.dir, names, ctx.logger);
  if (swaps.finished + swaps.discarded > 0) names = await ctx.fs.readdir(ctx.dir);
  const logs = new Set(names.filter((n) => n.endsWith(LOG_SUFFIX)));
  // Segments with an index file (an .index or .timeindex) in the directory.
  const indexed = new Set<number>();
  for (const name of names) {
    const m = SEGMENT_FILE.exec(name);
    const orphan = m && m[2] !== 'log' && !logs.has(`${m[1]}${LOG_SUFFIX}`);
    if (name.endsWith(TEMP_SUFFIX) || orphan) await ctx.fs.unlink(join(ctx.dir, name)).catch(() => {});
    else if (m && m[2] !== 'log') indexed.add(Number(m[1]));
  }
  const bases = [...logs]
    .map((n) => SEGMENT_FILE.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  return { bases, indexed, names };
}

async function loadPartition(ctx: LoadContext): Promise<LoadedPartition> {
  const listed = await listSegments(ctx);
  if (!listed)
    return { segments: [], checkpoint: undefined, onDisk: undefined, recovered: false, empty: true, names: [] };
  const { bases, indexed, names } = listed;
  // No read for a checkpoint the listing does not hold (a new partition's): a failed open builds an error.
  const onDisk = names.includes(CHECKPOINT_FILE) ? await readCheckpoint(ctx.fs, ctx.dir, ctx.logger) : undefined;
  const checkpoint = ctx.cleanCheckpoint ?? onDisk;
  const clean = checkpoint?.cleanShutdown === true;
  const recoveryPoint = clean ? Number.POSITIVE_INFINITY : (checkpoint?.recoveryPoint ?? 0);
  const segments: Segment[] = [];
  let recovered = false;
  try {
    for (let i = 0; i < bases.length; i++) {
      const isLast = i === bases.length - 1;
      const nextBase = isLast ? Number.POSITIVE_INFINITY : bases[i + 1]!;
      const { segment, fileSize } = await Segment.open(ctx.fs, ctx.dir, bases[i]!, ctx.indexIntervalBytes, ctx.files);
      segments.push(segment);
      const scan = isLast ? !clean : nextBase > recoveryPoint;
      // Scanning an empty file recovers nothing (a partition closed before anything was written to it).
      recovered ||= scan && fileSize > 0;
      const stop = await loadOne(ctx, segment, fileSize, scan, isLast);
      // A scanned segment with no index file on disk: nothing there can disagree with what the scan built.
      if (scan && !indexed.has(segment.baseOffset)) segment.noIndexFiles();
      if (stop) await dropSegmentFiles(ctx, bases.slice(i + 1));
      const prev = segments[segments.length - 2];
      // A segment starting after the previous one's last offset is a compacted gap; one starting before it overlaps.
      const gap = prev !== undefined && prev.nextOffset > segment.baseOffset;
      if (gap) await onGap(ctx, segments, bases.slice(i + 1));
      if (stop || gap) break;
    }
  } catch (err) {
    await Promise.all(segments.map((s) => s.close().catch(() => {})));
    throw err;
  }
  return { segments, checkpoint, onDisk, recovered, names };
}

/** Loads or scans one segment. Returns true when later segments were dropped (repair). */
async function loadOne(
  ctx: LoadContext,
  segment: Segment,
  fileSize: number,
  scan: boolean,
  isLast: boolean,
): Promise<boolean> {
  if (!scan) {
    // A sealed segment keeps index files (written at its roll); the active one's are its close's to write.
    if ((await segment.load(fileSize, ctx.clock.now())) && (isLast || !segment.loadedWithoutIndexFiles)) return false;
    ctx.logger.info({ file: segment.indexPath }, 'index files missing or inconsistent; rebuilding them from the log');
  }
  const result = await segment.rebuild(fileSize);
  if (segment.rollBaseTime < 0) segment.rollBaseTime = ctx.clock.now();
  if (!scan && !result.error) await segment.persistIndexes(ctx.logger);
  if (!result.error) return false;
  const { position, reason } = result.error;
  if (!isLast && !ctx.repair) throw new CorruptLogError(segment.logPath, position, reason);
  await segment.fh.truncate(position);
  const details = { file: segment.logPath, position, droppedBytes: fileSize - position, reason };
  if (isLast) {
    ctx.logger.warn(details, 'truncated a torn or corrupt tail of the log');
    return false;
  }
  ctx.logger.warn(details, 'repair: truncated a corrupt sealed segment and dropped every later segment');
  return true;
}

/** A segment starts before the previous one ends. */
async function onGap(ctx: LoadContext, segments: Segment[], laterBases: number[]): Promise<void> {
  const segment = segments[segments.length - 1]!;
  const prev = segments[segments.length - 2]!;
  const reason = `log reaches offset ${prev.nextOffset} but the next segment ${segment.logPath} starts at ${segment.baseOffset}`;
  if (!ctx.repair) throw new CorruptLogError(prev.logPath, prev.size, reason);
  segments.pop();
  await segment.close();
  await dropSegmentFiles(ctx, [segment.baseOffset, ...laterBases]);
  ctx.logger.warn({ file: prev.logPath, position: prev.size, reason }, 'repair: dropped segments after a gap');
}

/** Called after repair truncated a sealed segment: removes the files of every later segment. */
async function dropSegmentFiles(ctx: LoadContext, bases: number[]): Promise<void> {
  for (const base of bases) {
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      await ctx.fs.unlink(join(ctx.dir, segmentFileName(base, suffix))).catch(() => {});
    }
  }
}
