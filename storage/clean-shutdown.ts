// The data directory's clean-shutdown file `clean-shutdown.json` (Kafka's `.kafka_cleanshutdown` marker and
// its recovery-point checkpoint in one file), written by LogManager.close() once every partition it lists
// has closed cleanly, and removed by the next open, durably before anything can change a partition. One
// entry per topic, one array per field, a partition's values at the same index in each (a start reads
// 10,000 partitions as a few arrays, not 10,000 rows):
//
//   { "version": 2,
//     "topics": [ { "topic": "<name>", "partitions": [<n>, …],
//                   "logStartOffset": […], "logEndOffset": […], "sizeInBytes": […], "segmentCount": […],
//                   "oldestMaxTimestamp": […], "oldestSize": […], "activeRollBaseTime": […], "activeSize": […],
//                   "segmentFiles": [<base offset>, <.log size>, …every segment of every partition, in order] }, … ] }
//
// (Version 1, written before, listed one row per partition; it is still read.)
//
// A listed partition was closed cleanly (its own partition.checkpoint says so, or it was never written)
// and holds no open or aborted transaction; the open starts it dormant from these values without reading its
// directory (lazy-partition-log.ts), once one stat per segment file found the sizes listed: a segment cut
// short, grown or gone since (outside damage) makes the open load the partition at start, as it always
// did, and refuse to start when a sealed segment is corrupt. A partition not listed (a failed close, a crash: the file is gone)
// is opened and recovered at start, as before. The values are a summary of files the partition owns: on its
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

/** The summary's number fields, in the order of a version 1 row (after topic and partition). */
const FIELDS = [
  'logStartOffset',
  'logEndOffset',
  'sizeInBytes',
  'segmentCount',
  'oldestMaxTimestamp',
  'oldestSize',
  'activeRollBaseTime',
  'activeSize',
] as const;
type Field = (typeof FIELDS)[number];
const TIME_FIELDS: ReadonlySet<Field> = new Set(['oldestMaxTimestamp', 'activeRollBaseTime']);

/**
 * One topic's listed partitions, column by column: row i is partition `partitions[i]`, its segments at
 * `segmentFiles[2 * firstFile[i] …]`. Built by reading the file, or row by row for writing it.
 */
export class TopicSummaries {
  constructor(
    readonly topic: string,
    readonly partitions: number[] = [],
    readonly columns: Record<Field, number[]> = {
      logStartOffset: [],
      logEndOffset: [],
      sizeInBytes: [],
      segmentCount: [],
      oldestMaxTimestamp: [],
      oldestSize: [],
      activeRollBaseTime: [],
      activeSize: [],
    },
    readonly segmentFiles: number[] = [],
    /** Index of each row's first segment (pairs) in segmentFiles. */
    readonly firstFile: number[] = [],
  ) {}

  get size(): number {
    return this.partitions.length;
  }

  add(partition: number, summary: PartitionSummary): void {
    this.partitions.push(partition);
    for (const field of FIELDS) this.columns[field].push(summary[field]);
    this.firstFile.push(this.segmentFiles.length / 2);
    for (const n of summary.segmentFiles) this.segmentFiles.push(n);
  }

  /** Appends row `row` of `from` (a dormant partition written back as it was read). */
  copyRow(from: TopicSummaries, row: number): void {
    this.partitions.push(from.partitions[row]!);
    for (const field of FIELDS) this.columns[field].push(from.columns[field][row]!);
    this.firstFile.push(this.segmentFiles.length / 2);
    const first = 2 * from.firstFile[row]!;
    const end = first + 2 * from.columns.segmentCount[row]!;
    for (let i = first; i < end; i++) this.segmentFiles.push(from.segmentFiles[i]!);
  }

  /** Row i as a summary object (made when its partition is first asked for). */
  summary(row: number): PartitionSummary {
    const c = this.columns;
    const first = 2 * this.firstFile[row]!;
    return {
      logStartOffset: c.logStartOffset[row]!,
      logEndOffset: c.logEndOffset[row]!,
      sizeInBytes: c.sizeInBytes[row]!,
      segmentCount: c.segmentCount[row]!,
      oldestMaxTimestamp: c.oldestMaxTimestamp[row]!,
      oldestSize: c.oldestSize[row]!,
      activeRollBaseTime: c.activeRollBaseTime[row]!,
      activeSize: c.activeSize[row]!,
      segmentFiles: this.segmentFiles.slice(first, first + 2 * c.segmentCount[row]!),
    };
  }

  /** Would maintenance have anything to do for row i (maintenanceDue, without making the summary)? */
  maintenanceDue(row: number, config: Required<PartitionConfig>, now: number): boolean {
    const c = this.columns;
    return maintenanceDue(
      {
        segmentCount: c.segmentCount[row]!,
        activeSize: c.activeSize[row]!,
        activeRollBaseTime: c.activeRollBaseTime[row]!,
        oldestMaxTimestamp: c.oldestMaxTimestamp[row]!,
        oldestSize: c.oldestSize[row]!,
        sizeInBytes: c.sizeInBytes[row]!,
      },
      config,
      now,
    );
  }

  /** Every segment file of row i is there with the size it had at the clean shutdown (one stat each). */
  async segmentsAsListed(fs: StorageFs, dir: string, row: number): Promise<boolean> {
    const files = this.segmentFiles;
    const first = 2 * this.firstFile[row]!;
    const end = first + 2 * this.columns.segmentCount[row]!;
    for (let i = first; i < end; i += 2) {
      const found = await fs.stat(join(dir, segmentFileName(files[i]!, LOG_SUFFIX)));
      if (found?.size !== files[i + 1]) return false;
    }
    return true;
  }
}

type V1Row = [string, number, number, number, number, number, number, number, number, number, number[]];

interface V1File {
  version: 1;
  partitions: V1Row[];
}

interface V2Topic extends Record<Field, number[]> {
  topic: string;
  partitions: number[];
  segmentFiles: number[];
}

interface V2File {
  version: 2;
  topics: V2Topic[];
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isTime = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= -1;

function isV1Row(row: unknown): row is V1Row {
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

function fromV1(file: V1File): Map<string, TopicSummaries> | undefined {
  if (!Array.isArray(file.partitions) || !file.partitions.every(isV1Row)) return undefined;
  const topics = new Map<string, TopicSummaries>();
  for (const [topic, partition, ...n] of file.partitions) {
    let summaries = topics.get(topic);
    if (!summaries) topics.set(topic, (summaries = new TopicSummaries(topic)));
    summaries.add(partition, {
      logStartOffset: n[0],
      logEndOffset: n[1],
      sizeInBytes: n[2],
      segmentCount: n[3],
      oldestMaxTimestamp: n[4],
      oldestSize: n[5],
      activeRollBaseTime: n[6],
      activeSize: n[7],
      segmentFiles: n[8],
    });
  }
  return topics;
}

/** Checks one topic's columns (plain loops: this runs once per start, over every partition, before JIT). */
function fromV2Topic(entry: V2Topic): TopicSummaries | undefined {
  if (typeof entry !== 'object' || entry === null || typeof entry.topic !== 'string') return undefined;
  const { partitions, segmentFiles } = entry;
  if (!Array.isArray(partitions) || !Array.isArray(segmentFiles)) return undefined;
  const n = partitions.length;
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    if (!isCount(partitions[i]) || seen.has(partitions[i]!)) return undefined;
    seen.add(partitions[i]!);
  }
  for (const field of FIELDS) {
    const column = entry[field];
    if (!Array.isArray(column) || column.length !== n) return undefined;
    const valid = TIME_FIELDS.has(field) ? isTime : isCount;
    for (let i = 0; i < n; i++) if (!valid(column[i])) return undefined;
  }
  for (let i = 0; i < segmentFiles.length; i++) if (!isCount(segmentFiles[i])) return undefined;
  const firstFile = new Array<number>(n);
  let files = 0;
  for (let i = 0; i < n; i++) {
    if (entry.logStartOffset[i]! > entry.logEndOffset[i]!) return undefined;
    firstFile[i] = files;
    files += entry.segmentCount[i]!;
  }
  if (segmentFiles.length !== 2 * files) return undefined;
  const columns = Object.fromEntries(FIELDS.map((field) => [field, entry[field]])) as Record<Field, number[]>;
  return new TopicSummaries(entry.topic, partitions, columns, segmentFiles, firstFile);
}

function fromV2(file: V2File): Map<string, TopicSummaries> | undefined {
  if (!Array.isArray(file.topics)) return undefined;
  const topics = new Map<string, TopicSummaries>();
  for (const entry of file.topics) {
    const summaries = fromV2Topic(entry);
    if (!summaries || topics.has(summaries.topic)) return undefined;
    topics.set(summaries.topic, summaries);
  }
  return topics;
}

/**
 * The summaries the file lists, by topic; undefined when there is no file. A garbled file is logged and
 * ignored: every partition is then opened and recovered as after a crash.
 */
export async function readCleanShutdown(
  fs: StorageFs,
  dataDir: string,
  logger: Logger,
): Promise<Map<string, TopicSummaries> | undefined> {
  const path = join(dataDir, CLEAN_SHUTDOWN_FILE);
  let file: V1File | V2File | undefined;
  try {
    file = await readJsonFile<V1File | V2File>(fs, path);
  } catch (err) {
    if ((err as { code?: string }).code !== 'CORRUPT_METADATA') throw err;
    logger.warn({ file: path, err }, 'clean-shutdown file is garbled; ignoring it and opening every partition');
    return new Map();
  }
  if (file === undefined) return undefined;
  const topics = file?.version === 2 ? fromV2(file) : file?.version === 1 ? fromV1(file) : undefined;
  if (!topics) {
    logger.warn({ file: path }, 'clean-shutdown file has unexpected fields; ignoring it and opening every partition');
    return new Map();
  }
  return topics;
}

/**
 * Removes the file: from now on the partitions may change, and a crash must not find the file claiming
 * they did not. The caller fsyncs the data directory before any of them changes.
 */
export async function removeCleanShutdown(fs: StorageFs, dataDir: string): Promise<void> {
  await fs.unlink(join(dataDir, CLEAN_SHUTDOWN_FILE));
}

export function writeCleanShutdown(fs: StorageFs, dataDir: string, topics: Iterable<TopicSummaries>): Promise<void> {
  const entries: V2Topic[] = [];
  for (const t of topics)
    if (t.size > 0)
      entries.push({ topic: t.topic, partitions: t.partitions, ...t.columns, segmentFiles: t.segmentFiles });
  const file: V2File = { version: 2, topics: entries };
  return writeFileAtomic(fs, join(dataDir, CLEAN_SHUTDOWN_FILE), `${JSON.stringify(file)}\n`);
}

/**
 * Would a loaded partition's maintenance (partition-log.ts runMaintenance: segment.ms roll, retention, the
 * cleaner's work on a compacted log) have anything to do? Errs towards yes: a dormant partition for which
 * this is true is loaded by the maintenance pass.
 */
export function maintenanceDue(
  summary: Pick<
    PartitionSummary,
    'segmentCount' | 'activeSize' | 'activeRollBaseTime' | 'oldestMaxTimestamp' | 'oldestSize' | 'sizeInBytes'
  >,
  config: Required<PartitionConfig>,
  now: number,
): boolean {
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
