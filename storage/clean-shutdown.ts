// The data directory's clean-shutdown file `clean-shutdown.json` (Kafka's `.kafka_cleanshutdown` marker and
// its recovery-point checkpoint in one file), written by LogManager.close() once every partition it lists
// has closed cleanly, and renamed to the clean base `clean-base.json` by the next open, durably before
// anything can change a partition; from then on the change journal (change-journal.ts) lists the base
// partitions that may have changed. One
// entry per topic, one array per field, a partition's values at the same index in each (a start reads
// 10,000 partitions as a few arrays, not 10,000 rows):
//
//   { "version": 3,
//     "topics": [ { "topic": "<name>", "partitions": [<n>, …],
//                   "logStartOffset": […], "logEndOffset": […], "sizeInBytes": […], "segmentCount": […],
//                   "oldestMaxTimestamp": […], "oldestSize": […], "activeRollBaseTime": […], "activeSize": […],
//                   "segmentFiles": [<base offset>, <.log size>, …every segment of every partition, in order],
//                   "producers": { "<partition>": <producer table>, … } }, … ] }
//
// Version 3 is also every listed partition's clean checkpoint: a partition closed by LogManager.close()
// fsyncs its log and writes no partition.checkpoint of its own; this file, written (fsynced) only after
// every close returned, says its log start, that its recovery point is its log end, and
// (`producers`, only for partitions idempotent producers wrote to) its producer table as of the log end,
// in partition.checkpoint's format. A partition loaded from a version 3 entry trusts it as it would a clean
// partition.checkpoint. Versions 1 (one row per partition) and 2 (the columns without `producers`) were
// written when every listed partition also had a clean partition.checkpoint: they are still read, and their
// partitions load from their own checkpoints as before.
//
// A listed partition was closed cleanly (its log fsynced, nothing left to recover)
// and holds no open or aborted transaction; the open starts it dormant from these values without reading its
// directory (lazy-partition-log.ts), once one stat per segment file found the sizes listed: a segment cut
// short, grown or gone since (outside damage) makes the open load the partition at start, as it always
// did, and refuse to start when a sealed segment is corrupt. A partition not listed (a failed close, one
// created since) is opened and recovered at start, as before; so is a base partition the change journal
// lists. The values are a summary of files the partition owns: on its first use the partition loads from
// those files, and they win.
import { join } from 'node:path';
import type { StorageFs } from './fs.js';
import { readJsonFile, unlinkIfPresent, writeFileAtomic } from './atomic.js';
import type { Logger } from './types.js';
import type { PartitionConfig } from './config.js';
import { LOG_SUFFIX, segmentFileName } from './segment.js';
import type { SnapshotProducer } from './producer-state.js';

export const CLEAN_SHUTDOWN_FILE = 'clean-shutdown.json';
/** The last clean-shutdown file, renamed by the start after it (see keepCleanShutdownAsBase). */
export const CLEAN_BASE_FILE = 'clean-base.json';

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
  /**
   * Set when the summary stands for the partition's clean checkpoint (version 3; a closed partition's own):
   * its producer table as of the log end (undefined: none; as read from the file, not yet checked). Unset:
   * the partition's own checkpoint counts.
   */
  checkpoint?: { producers: SnapshotProducer[] | undefined };
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
  checkpoint: Object.freeze({ producers: undefined }),
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
    /** Partition → producer table, for the rows that have one (version 3). */
    readonly producers = new Map<number, SnapshotProducer[]>(),
    /** Partitions whose clean checkpoint is their own partition.checkpoint (rows of a version 1 or 2 file). */
    readonly ownCheckpoint = new Set<number>(),
  ) {}

  get size(): number {
    return this.partitions.length;
  }

  /** A closed partition's summary; it stands for the partition's checkpoint only when it says so. */
  add(partition: number, summary: PartitionSummary): void {
    this.partitions.push(partition);
    for (const field of FIELDS) this.columns[field].push(summary[field]);
    this.firstFile.push(this.segmentFiles.length / 2);
    for (const n of summary.segmentFiles) this.segmentFiles.push(n);
    if (!summary.checkpoint) this.ownCheckpoint.add(partition);
    const producers = summary.checkpoint?.producers;
    if (producers && producers.length > 0) this.producers.set(partition, producers);
  }

  /** Appends row `row` of `from` (a dormant partition written back as it was read). */
  copyRow(from: TopicSummaries, row: number): void {
    const partition = from.partitions[row]!;
    this.partitions.push(partition);
    for (const field of FIELDS) this.columns[field].push(from.columns[field][row]!);
    this.firstFile.push(this.segmentFiles.length / 2);
    const first = 2 * from.firstFile[row]!;
    const end = first + 2 * from.columns.segmentCount[row]!;
    for (let i = first; i < end; i++) this.segmentFiles.push(from.segmentFiles[i]!);
    if (from.ownCheckpoint.has(partition)) this.ownCheckpoint.add(partition);
    const producers = from.producers.get(partition);
    if (producers) this.producers.set(partition, producers);
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
      ...(this.ownCheckpoint.has(this.partitions[row]!)
        ? {}
        : { checkpoint: { producers: this.producers.get(this.partitions[row]!) } }),
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

interface V3Topic extends V2Topic {
  /** Partition (as a string key) → producer table (partition.checkpoint's `producers`). */
  producers?: Record<string, SnapshotProducer[]>;
  /** Partitions whose clean checkpoint is their own partition.checkpoint: rows carried over from a version 1 or 2 file. */
  ownCheckpoint?: number[];
}

interface V3File {
  version: 3;
  topics: V3Topic[];
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

/**
 * Checks one topic's columns (plain loops: this runs once per start, over every partition, before JIT).
 * `version` 2: every row's clean checkpoint is its partition's own.
 */
function fromColumns(entry: V3Topic, version: 2 | 3): TopicSummaries | undefined {
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
  const producers = new Map<number, SnapshotProducer[]>();
  const own = new Set<number>(version === 2 ? partitions : []);
  if (version === 3) {
    if (entry.producers !== undefined) {
      if (typeof entry.producers !== 'object' || entry.producers === null) return undefined;
      // A table is checked when its partition loads (PartitionLog), not here for every partition at start.
      for (const [key, table] of Object.entries(entry.producers)) {
        const partition = Number(key);
        if (!seen.has(partition)) return undefined;
        producers.set(partition, table);
      }
    }
    if (entry.ownCheckpoint !== undefined) {
      if (!Array.isArray(entry.ownCheckpoint)) return undefined;
      for (const partition of entry.ownCheckpoint) {
        if (!seen.has(partition)) return undefined;
        own.add(partition);
      }
    }
  }
  return new TopicSummaries(entry.topic, partitions, columns, segmentFiles, firstFile, producers, own);
}

function fromTopics(file: V2File | V3File): Map<string, TopicSummaries> | undefined {
  if (!Array.isArray(file.topics)) return undefined;
  const topics = new Map<string, TopicSummaries>();
  for (const entry of file.topics) {
    const summaries = fromColumns(entry, file.version);
    if (!summaries || topics.has(summaries.topic)) return undefined;
    topics.set(summaries.topic, summaries);
  }
  return topics;
}

/**
 * The summaries the file (`name`: the clean-shutdown file or the clean base) lists, by topic; undefined
 * when there is no file. A garbled file is logged and ignored: every partition is then opened and
 * recovered as after a crash.
 */
export async function readCleanShutdown(
  fs: StorageFs,
  dataDir: string,
  logger: Logger,
  name: typeof CLEAN_SHUTDOWN_FILE | typeof CLEAN_BASE_FILE = CLEAN_SHUTDOWN_FILE,
): Promise<Map<string, TopicSummaries> | undefined> {
  const path = join(dataDir, name);
  let file: V1File | V2File | V3File | undefined;
  try {
    file = await readJsonFile<V1File | V2File | V3File>(fs, path);
  } catch (err) {
    if ((err as { code?: string }).code !== 'CORRUPT_METADATA') throw err;
    logger.warn({ file: path, err }, 'clean-shutdown file is garbled; ignoring it and opening every partition');
    return new Map();
  }
  if (file === undefined) return undefined;
  const version = file?.version;
  const topics =
    version === 3 || version === 2
      ? fromTopics(file as V2File | V3File)
      : version === 1
        ? fromV1(file as V1File)
        : undefined;
  if (!topics) {
    logger.warn({ file: path }, 'clean-shutdown file has unexpected fields; ignoring it and opening every partition');
    return new Map();
  }
  return topics;
}

/**
 * Renames the clean-shutdown file to the clean base (replacing an older base): from now on the partitions
 * may change, and a crash must not find a clean-shutdown file claiming they did not. The base keeps the
 * summaries of the partitions the change journal (change-journal.ts) does not list. The caller fsyncs the
 * data directory before any of them changes.
 */
export async function keepCleanShutdownAsBase(fs: StorageFs, dataDir: string): Promise<void> {
  await fs.rename(join(dataDir, CLEAN_SHUTDOWN_FILE), join(dataDir, CLEAN_BASE_FILE));
}

/** Removes the clean base once a newer clean-shutdown file is durable (no error when there is none). */
export async function removeCleanBase(fs: StorageFs, dataDir: string): Promise<void> {
  await unlinkIfPresent(fs, join(dataDir, CLEAN_BASE_FILE));
}

/** Writes the file (version 3), fsynced: call once every listed partition's close has returned. */
export function writeCleanShutdown(fs: StorageFs, dataDir: string, topics: Iterable<TopicSummaries>): Promise<void> {
  const entries: V3Topic[] = [];
  for (const t of topics) {
    if (t.size === 0) continue;
    const entry: V3Topic = { topic: t.topic, partitions: t.partitions, ...t.columns, segmentFiles: t.segmentFiles };
    if (t.producers.size > 0) entry.producers = Object.fromEntries(t.producers) as Record<string, SnapshotProducer[]>;
    if (t.ownCheckpoint.size > 0) entry.ownCheckpoint = [...t.ownCheckpoint];
    entries.push(entry);
  }
  const file: V3File = { version: 3, topics: entries };
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
