// Persistence of the idempotent-producer table (producer-state.ts), as Kafka does it: a snapshot file
// `<20-digit offset>.snapshot` beside the segments holds the table as it was when the log ended at that
// offset; the table is rebuilt by loading the newest snapshot at or below the log end and replaying the
// batch headers (producerId, epoch, baseSequence: header bytes 43..61) from its offset to the log end.
//
// Snapshots are written (atomically: temp, fsync, rename) when a segment rolls, so a crash replays at most
// the active segment, which recovery scans anyway; skipped while the table is empty and no snapshot
// exists, so a partition that never saw an idempotent batch has no snapshot file at all, and without one
// only the active segment can hold idempotent batches (a sealed one would have made its roll write a
// snapshot). A clean shutdown stores the table in the clean checkpoint instead (one atomic write per
// partition either way), so a clean start reads nothing more and replays nothing. An unreadable snapshot
// falls back to an older one, or to replaying from the log start. Only the two newest snapshots are
// kept; snapshots above the log end (after a truncation) are deleted.
import { join } from 'node:path';
import type { StorageFs } from './fs.js';
import { readJsonFile, writeFileAtomic } from './atomic.js';
import { FileWindow, HEADER_WINDOW_BYTES } from './scan.js';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  Offsets,
  readInt64,
} from './format/record-batch.js';
import { CONTROL_TYPE_ABORT, CONTROL_TYPE_COMMIT, readControlRecord } from './format/control-batch.js';
import type { Segment } from './segment.js';
import { INDEX_MISMATCH, segmentFileName } from './segment.js';
import type { Logger } from './types.js';
import {
  type AbortedTransaction,
  isSnapshotProducers,
  lastSequenceOf,
  type ProducerStateTable,
  type SnapshotProducer,
} from './producer-state.js';

const SNAPSHOT_SUFFIX = '.snapshot';
const SNAPSHOT_FILE = /^(\d{20})\.snapshot$/;
const SNAPSHOTS_KEPT = 2;

interface SnapshotFile {
  version: 1;
  offset: number;
  producers: SnapshotProducer[];
}

function snapshotPath(dir: string, offset: number): string {
  return join(dir, segmentFileName(offset, SNAPSHOT_SUFFIX));
}

async function listSnapshots(fs: StorageFs, dir: string, listed?: readonly string[]): Promise<number[]> {
  const names = listed ?? (await fs.readdir(dir));
  return names
    .map((n) => SNAPSHOT_FILE.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Writes the table as of log end `offset`, then deletes all but the newest SNAPSHOTS_KEPT snapshots. */
export async function writeSnapshot(
  fs: StorageFs,
  dir: string,
  offset: number,
  table: ProducerStateTable,
  logger: Logger,
): Promise<void> {
  const file: SnapshotFile = { version: 1, offset, producers: table.toSnapshot() };
  await writeFileAtomic(fs, snapshotPath(dir, offset), `${JSON.stringify(file)}\n`);
  const offsets = await listSnapshots(fs, dir);
  for (const old of offsets.slice(0, Math.max(0, offsets.length - SNAPSHOTS_KEPT))) {
    await fs
      .unlink(snapshotPath(dir, old))
      .catch((err: unknown) =>
        logger.warn({ err, file: snapshotPath(dir, old) }, 'cannot delete an old producer snapshot'),
      );
  }
}

/** Deletes every snapshot (the log restarts empty). */
export async function deleteAllSnapshots(fs: StorageFs, dir: string): Promise<void> {
  for (const o of await listSnapshots(fs, dir)) await fs.unlink(snapshotPath(dir, o)).catch(() => {});
}

function isSnapshot(value: unknown, offset: number): value is SnapshotFile {
  const s = value as SnapshotFile;
  return (
    typeof s === 'object' && s !== null && s.version === 1 && s.offset === offset && isSnapshotProducers(s.producers)
  );
}

async function readSnapshot(
  fs: StorageFs,
  dir: string,
  offset: number,
  logger: Logger,
): Promise<SnapshotProducer[] | undefined> {
  const path = snapshotPath(dir, offset);
  try {
    const value = await readJsonFile<unknown>(fs, path);
    if (isSnapshot(value, offset)) return value.producers;
    logger.warn({ file: path }, 'producer snapshot has unexpected content; ignoring it');
  } catch (err) {
    if ((err as { code?: string }).code !== 'CORRUPT_METADATA') throw err;
    logger.warn({ file: path, err }, 'producer snapshot is garbled; ignoring it');
  }
  return undefined;
}

export interface RebuildContext {
  fs: StorageFs;
  dir: string;
  segments: readonly Segment[];
  logEndOffset: number;
  /**
   * The log was shut down cleanly and ends where the checkpoint says: the checkpoint's producer table
   * (absent = empty) is the table, nothing is read or replayed.
   */
  clean: { producers: SnapshotProducer[] | undefined } | null;
  /** The directory's names when the caller has just listed it (an open); else it is read. */
  names?: readonly string[];
  logger: Logger;
  /** Broker clock now: the last-append time of batches replayed from headers (see producer-state.ts). */
  nowMs: number;
  /** An ABORT marker replayed from the segment based at `segmentBase` (the txn index adds it back). */
  onAborted?(segmentBase: number, aborted: AbortedTransaction): Promise<void>;
}

/**
 * Rebuilds `table` for the log as it is now: newest readable snapshot at or below the log end, then the
 * batch headers after it. Deletes snapshots above the log end. Returns how many batches were replayed.
 */
export async function rebuildProducerState(
  table: ProducerStateTable,
  ctx: RebuildContext,
): Promise<{ replayed: number; lastSnapshotOffset: number }> {
  const { fs, dir, segments, logEndOffset } = ctx;
  if (ctx.clean) {
    table.loadSnapshot(ctx.clean.producers ?? [], ctx.nowMs);
    return { replayed: 0, lastSnapshotOffset: -1 };
  }
  const all = await listSnapshots(fs, dir, ctx.names);
  const offsets = all.filter((o) => o <= logEndOffset);
  for (const o of all) if (o > logEndOffset) await fs.unlink(snapshotPath(dir, o)).catch(() => {});
  const lastSnapshotOffset = offsets.length > 0 ? offsets[offsets.length - 1]! : -1;
  table.clear();
  let from = segments[0]?.baseOffset ?? 0;
  let found = false;
  for (let i = offsets.length - 1; i >= 0 && !found; i--) {
    const producers = await readSnapshot(fs, dir, offsets[i]!, ctx.logger);
    if (!producers) continue;
    table.loadSnapshot(producers, ctx.nowMs);
    from = Math.max(from, offsets[i]!);
    found = true;
  }
  if (offsets.length === 0) {
    // No snapshot was ever written: the table was empty at every roll, so idempotent batches can only
    // be in the active segment.
    if (segments.length === 0) return { replayed: 0, lastSnapshotOffset };
    from = segments[segments.length - 1]!.baseOffset;
  }
  let replayed = 0;
  for (const segment of segments) {
    if (segment.nextOffset <= from) continue;
    replayed += await replaySegment(table, segment, from, ctx);
  }
  return { replayed, lastSnapshotOffset };
}

/**
 * Records every idempotent batch of `segment` whose base offset is at or above `from`, and every
 * transaction marker (ending its producer's open transaction; an ABORT goes to `ctx.onAborted`).
 */
async function replaySegment(
  table: ProducerStateTable,
  segment: Segment,
  from: number,
  ctx: RebuildContext,
): Promise<number> {
  const nowMs = ctx.nowMs;
  let position = 0;
  if (from > segment.baseOffset) {
    const found = await segment.positionOf(from);
    position = found === INDEX_MISMATCH ? 0 : found;
  }
  const win = new FileWindow(segment.fh);
  const end = segment.size;
  let replayed = 0;
  while (position + BATCH_HEADER_SIZE <= end) {
    if (!win.has(position, BATCH_HEADER_SIZE)) await win.load(position, Math.min(HEADER_WINDOW_BYTES, end - position));
    if (!win.has(position, BATCH_HEADER_SIZE)) break;
    const buf = win.view();
    const at = position - win.start;
    const size = buf.readInt32BE(at + Offsets.batchLength) + BATCH_LOG_OVERHEAD;
    if (size < BATCH_HEADER_SIZE) break; // recovery validated the log; a bad length here means it changed under us
    const baseOffset = readInt64(buf, at + Offsets.baseOffset);
    const producerId = readInt64(buf, at + Offsets.producerId);
    const attributes = buf.readInt16BE(at + Offsets.attributes);
    if (producerId >= 0 && baseOffset >= from && (attributes & ATTR_CONTROL) !== 0) {
      if (!win.has(position, size)) await win.load(position, size);
      const control = win.has(position, size)
        ? readControlRecord(win.view(), position - win.start, position - win.start + size)
        : undefined;
      if (control && (control.type === CONTROL_TYPE_ABORT || control.type === CONTROL_TYPE_COMMIT)) {
        const epoch = win.view().readInt16BE(position - win.start + Offsets.producerEpoch);
        const aborted = table.recordMarker(producerId, epoch, baseOffset, control.type === CONTROL_TYPE_COMMIT);
        if (aborted && ctx.onAborted) await ctx.onAborted(segment.baseOffset, aborted);
      }
      position += size;
      continue;
    }
    if (producerId >= 0 && baseOffset >= from) {
      const lastOffsetDelta = buf.readInt32BE(at + Offsets.lastOffsetDelta);
      const firstSeq = buf.readInt32BE(at + Offsets.baseSequence);
      const info = {
        producerId,
        epoch: buf.readInt16BE(at + Offsets.producerEpoch),
        firstSeq,
        lastSeq: lastSequenceOf(firstSeq, lastOffsetDelta),
        transactional: (attributes & ATTR_TRANSACTIONAL) !== 0,
      };
      table.record(info, baseOffset, baseOffset + lastOffsetDelta, nowMs);
      replayed++;
    }
    position += size;
  }
  return replayed;
}
