// The data directory's clean-shutdown file `clean-shutdown.json` (Kafka's `.kafka_cleanshutdown` marker and
// its recovery-point checkpoint in one file), written by LogManager.close() once every partition it lists
// has closed cleanly, and removed by the next open, durably before anything can change a partition:
//
//   { "version": 1,
//     "partitions": [ ["<topic>", <partition>, <logStartOffset>, <logEndOffset>, <sizeInBytes>, <segments>,
//                      <oldest segment's max timestamp>, <oldest segment's size>,
//                      <active segment's roll base time>, <active segment's size>,
//                      [<base offset>, <.log size>, …every segment]], … ] }
//
// A listed partition was closed cleanly (its own partition.checkpoint says so, or it was never written)
// and holds no open or aborted transaction; the open starts it dormant from this row without reading its
// directory (lazy-partition-log.ts), once one stat per segment file found the sizes listed: a segment cut
// short, grown or gone since (outside damage) makes the open load the partition at start, as it always
// did, and refuse to start when a sealed segment is corrupt. A partition not listed (a failed close, a crash: the file is gone)
// is opened and recovered at start, as before. The rows are a summary of files the partition owns: on its
// first use the partition loads from those files, and they win.
import { join } from 'node:path';
import type { StorageFs } from './fs.js';
import { readJsonFile, writeFileAtomic } from './atomic.js';
import type { Logger } from './types.js';
import type { PartitionConfig } from './config.js';
import { LOG_SUFFIX, segmentFileName } from './segment.js';

export const CLEAN_SHUTDOWN_FILE = 'clean-shutdown.json';

/** What a dormant partition answers without loading, and what decides whether maintenance must load it. */
export interface PartitionSummary {
  logStartOffset: number;
  logEndOffset: number;
  sizeInBytes: number;
  /** 0: the directory holds no segment yet (created lazily); the first load creates it. */
  segmentCount: number;
  /** Newest batch timestamp of the oldest segment (-1: empty): when time retention can first delete it. */
  oldestMaxTimestamp: number;
  oldestSize: number;
  /** When the active segment started (segment.ms rolls); -1: empty. */
  activeRollBaseTime: number;
  activeSize: number;
  /** Base offset and .log size of every segment, in order, flat: [base, size, base, size, …]. */
  segmentFiles: readonly number[];
}

/** A partition created and never written: its directory exists, empty. */
export const EMPTY_SUMMARY: Readonly<PartitionSummary> = Object.freeze({
  logStartOffset: 0,
  logEndOffset: 0,
  sizeInBytes: 0,
  segmentCount: 0,
  oldestMaxTimestamp: -1,
  oldestSize: 0,
  activeRollBaseTime: -1,
  activeSize: 0,
  segmentFiles: Object.freeze([]),
});

type Row = [string, number, number, number, number, number, number, number, number, number, number[]];

interface CleanShutdownFile {
  version: 1;
  partitions: Row[];
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isTime = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= -1;

function isRow(row: unknown): row is Row {
  if (!Array.isArray(row) || row.length !== 11 || typeof row[0] !== 'string') return false;
  const [, partition, start, end, size, segments, oldestTs, oldestSize, rollBase, activeSize, files] = row;
  return (
    [partition, start, end, size, segments, oldestSize, activeSize].every(isCount) &&
    Array.isArray(files) &&
    files.length === segments * 2 &&
    files.every(isCount) &&
    isTime(oldestTs) &&
    isTime(rollBase) &&
    start <= end
  );
}

const keyOf = (topic: string, partition: number) => `${topic}-${partition}`;

/**
 * The summaries the file lists, by partition directory name (`<topic>-<partition>`); undefined when there is
 * no file. A garbled file is logged and ignored: every partition is then opened and recovered as after a crash.
 */
export async function readCleanShutdown(
  fs: StorageFs,
  dataDir: string,
  logger: Logger,
): Promise<Map<string, PartitionSummary> | undefined> {
  const path = join(dataDir, CLEAN_SHUTDOWN_FILE);
  let file: CleanShutdownFile | undefined;
  try {
    file = await readJsonFile<CleanShutdownFile>(fs, path);
  } catch (err) {
    if ((err as { code?: string }).code !== 'CORRUPT_METADATA') throw err;
    logger.warn({ file: path, err }, 'clean-shutdown file is garbled; ignoring it and opening every partition');
    return new Map();
  }
  if (file === undefined) return undefined;
  if (file?.version !== 1 || !Array.isArray(file.partitions) || !file.partitions.every(isRow)) {
    logger.warn({ file: path }, 'clean-shutdown file has unexpected fields; ignoring it and opening every partition');
    return new Map();
  }
  const summaries = new Map<string, PartitionSummary>();
  for (const [topic, partition, ...n] of file.partitions) {
    summaries.set(keyOf(topic, partition), {
      segmentFiles: n[8],
      logStartOffset: n[0],
      logEndOffset: n[1],
      sizeInBytes: n[2],
      segmentCount: n[3],
      oldestMaxTimestamp: n[4],
      oldestSize: n[5],
      activeRollBaseTime: n[6],
      activeSize: n[7],
    });
  }
  return summaries;
}

/**
 * Removes the file: from now on the partitions may change, and a crash must not find the file claiming
 * they did not. The caller fsyncs the data directory before any of them changes.
 */
export async function removeCleanShutdown(fs: StorageFs, dataDir: string): Promise<void> {
  await fs.unlink(join(dataDir, CLEAN_SHUTDOWN_FILE));
}

export function writeCleanShutdown(
  fs: StorageFs,
  dataDir: string,
  partitions: Iterable<{ topic: string; partition: number; summary: PartitionSummary }>,
): Promise<void> {
  const rows: Row[] = [];
  for (const { topic, partition, summary: s } of partitions)
    rows.push([
      topic,
      partition,
      s.logStartOffset,
      s.logEndOffset,
      s.sizeInBytes,
      s.segmentCount,
      s.oldestMaxTimestamp,
      s.oldestSize,
      s.activeRollBaseTime,
      s.activeSize,
      [...s.segmentFiles],
    ]);
  const file: CleanShutdownFile = { version: 1, partitions: rows };
  return writeFileAtomic(fs, join(dataDir, CLEAN_SHUTDOWN_FILE), `${JSON.stringify(file)}\n`);
}

/** Every segment file of the summary is there with the size it had at the clean shutdown (one stat each). */
export async function segmentsAsListed(fs: StorageFs, dir: string, summary: PartitionSummary): Promise<boolean> {
  const files = summary.segmentFiles;
  for (let i = 0; i < files.length; i += 2) {
    const found = await fs.stat(join(dir, segmentFileName(files[i]!, LOG_SUFFIX)));
    if (found?.size !== files[i + 1]) return false;
  }
  return true;
}

/**
 * Would a loaded partition's maintenance (partition-log.ts runMaintenance: segment.ms roll, retention, the
 * cleaner's work on a compacted log) have anything to do? Errs towards yes: a dormant partition for which
 * this is true is loaded by the maintenance pass.
 */
export function maintenanceDue(summary: PartitionSummary, config: Required<PartitionConfig>, now: number): boolean {
  if (summary.segmentCount === 0) return false;
  const rollDue =
    summary.activeSize > 0 && summary.activeRollBaseTime >= 0 && now - summary.activeRollBaseTime >= config.segmentMs;
  if (rollDue) return true;
  if (config.cleanupPolicy !== 'delete') return summary.segmentCount > 1;
  if (summary.segmentCount < 2) return false;
  const byTime =
    config.retentionMs >= 0 && summary.oldestMaxTimestamp >= 0 && now - summary.oldestMaxTimestamp > config.retentionMs;
  const bySize = config.retentionBytes >= 0 && summary.sizeInBytes - summary.oldestSize >= config.retentionBytes;
  return byTime || bySize;
}
