// Owns every partition of a data directory: `<dataDir>/<topic>-<partition>/`. Finds them all at start,
// creates them, deletes topics (topic-trash.ts), and runs maintenance (segment.ms rolls, retention, interval
// flushes, recovery-point checkpoints) on an unref'd timer or when a test calls runMaintenance().
//
// Lazy partitions: after a clean shutdown (clean-shutdown.ts lists every partition that closed cleanly) a
// partition starts dormant and is loaded on first use (lazy-partition-log.ts); one not listed — after a
// failed close, or a partition directory put there by hand — is opened and recovered at start, before
// anything is served. The start keeps the clean-shutdown file as the clean base, and a base partition is
// listed in the change journal (change-journal.ts) before it may change: after a crash, the base rows the
// journal does not list start dormant too, and only the listed partitions are recovered. A new partition is its directory only (a mkdir); its first segment is made by
// its first load. Until a dormant partition is first asked for (get(), create(), maintenance with work
// for it) it is a row of its topic's table (`DormantTopic`): no object of its own, so a start registers
// 10,000 partitions as a few arrays.
//
// Deferred fsyncs of the data directory: neither the clean-shutdown file's rename to the clean base (nor
// the change journal's creation) nor a new partition's directory entry is fsynced when made, but before
// the journal's first line, and before a new partition's first load. Until then losing them to a power cut
// changes nothing: the clean-shutdown file still describes the untouched partitions, and a topic's missing
// empty directories are made again at start from topics.json (src/broker/registries/topics.ts).
import { join } from 'node:path';
import type { StorageFs } from './fs.js';
import { nodeFs } from './fs.js';
import { resolvePartitionConfig, type PartitionConfig, type ResolvedPartitionConfig } from './config.js';
import type { Clock, Logger } from './types.js';
import { noopLogger, systemClock } from './types.js';
import { PartitionLog } from './lazy-partition-log.js';
import type { PartitionLogOptions } from './partition-log.js';
import {
  CLEAN_BASE_FILE,
  CLEAN_SHUTDOWN_FILE,
  EMPTY_SUMMARY,
  keepCleanShutdownAsBase,
  readCleanShutdown,
  removeCleanBase,
  TopicSummaries,
  writeCleanShutdown,
} from './clean-shutdown.js';
import { CHANGE_JOURNAL_FILE, type ChangedPartitions, ChangeJournal } from './change-journal.js';
import { mapWithConcurrency } from './concurrency.js';
import { mkdirDurable } from './durable-dir.js';
import { LogClosedError, StorageError, StorageIOError } from './errors.js';
import { TopicTrash, TRASH_SUFFIX } from './topic-trash.js';
import { FilePool, type FileStats } from './file-pool.js';
import { openFileLimit, segmentFileBudget } from './file-budget.js';
import { isValidTopicName, TOPIC_NAME_RULE } from './format/topic-name.js';
import { LogCleaner, type LogCleanerOptions } from './log-cleaner.js';
import type { RecordCodecs } from './batch-records.js';
import { DEFAULT_TAIL_CACHE_TOTAL_BYTES, TailCacheBudget } from './tail-cache-budget.js';

export interface LogManagerOptions {
  dataDir: string;
  /** The settings of a topic's partitions found on disk; asked once per topic at open. */
  configFor: (topic: string) => PartitionConfig;
  fs?: StorageFs;
  clock?: Clock;
  logger?: Logger;
  repair?: boolean;
  /** Default 30 000; 0 disables the timer (call runMaintenance yourself). */
  maintenanceIntervalMs?: number;
  /** Per-partition tail cache bound (see PartitionLog). */
  tailCacheBytes?: number;
  /** Bound of all the partitions' tail caches together (tail-cache-budget.ts). Default 256 MiB. */
  tailCacheTotalBytes?: number;
  /** How long an idempotent producer's state outlives its last append (see PartitionLog). */
  producerIdExpirationMs?: number;
  /** Segment files kept open at most (file-pool.ts). Default: half the process's descriptor limit (file-budget.ts). */
  maxOpenSegmentFiles?: number;
  /** The log cleaner of compacted partitions (log-cleaner.ts); false: none runs. Default: one, with its defaults. */
  cleaner?: CleanerSettings | false;
  /** The partitions' record codecs (PartitionLogOptions.codecs). */
  codecs?: RecordCodecs;
}

/** The cleaner's settings a LogManager passes on (it gives the file system, clock and logger). */
export type CleanerSettings = Omit<LogCleanerOptions, 'fs' | 'clock' | 'logger'>;

/** Open segment files, and the process limit the budget was derived from (undefined: unknown or given). */
export interface LogManagerFileStats extends FileStats {
  processLimit: number | undefined;
}

/** A partition number in a directory name: up to 9 decimal digits, no sign. */
const MAX_PARTITION_DIGITS = 9;
const PARTITION_DIGITS = new RegExp(`^\\d{1,${MAX_PARTITION_DIGITS}}$`);
const MAX_PARTITION = 10 ** MAX_PARTITION_DIGITS - 1;
/** LogManager.open's default maintenance interval (retention, segment.ms rolls, interval flushes, checkpoints). */
const DEFAULT_MAINTENANCE_INTERVAL_MS = 30_000;
/** NAME_MAX of Linux file systems (ext4, xfs, btrfs, tmpfs): the longest directory name, in bytes. */
const MAX_DIR_NAME_BYTES = 255;
/** Partitions opened (or stat'ed) at once at start: enough to keep libuv's thread pool busy. */
export const FS_CONCURRENCY = 32;
/** Partitions closing at once in close(): their fsyncs keep the thread pool busy, their descriptors stay few. */
const CLOSE_CONCURRENCY = 256;

/** `<topic>-<partition>`, split on the last '-'; undefined when the name is not a partition directory. */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | undefined {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const topic = name.slice(0, dash);
  const digits = name.slice(dash + 1);
  if (!PARTITION_DIGITS.test(digits) || !isValidTopicName(topic)) return undefined;
  return { topic, partition: Number(digits) };
}

const keyOf = (topic: string, partition: number) => `${topic}-${partition}`;

interface Entry {
  topic: string;
  partition: number;
  log: Promise<PartitionLog>;
}

/** A topic's dormant partitions nobody has asked for yet: rows of its clean-shutdown summaries. */
interface DormantTopic {
  summaries: TopicSummaries;
  config: ResolvedPartitionConfig;
  /** Partition → row in `summaries`, for the partitions without a PartitionLog object yet. */
  rows: Map<number, number>;
}

/** LogManager.tailCacheStats. */
export interface TailCacheStats {
  bytes: number;
  pinnedBytes: number;
  maxBytes: number;
}

export class LogManager {
  private readonly logs = new Map<string, Entry>();
  private readonly opened = new Map<string, PartitionLog>();
  private readonly dormant = new Map<string, DormantTopic>();
  private timer: NodeJS.Timeout | undefined;
  private maintaining: Promise<void> | undefined;
  private closed = false;
  private readonly dirSync: { running?: Promise<void>; next?: Promise<void> } = {};
  /** The clean base's rename and the change journal's creation made durable (see the file comment); reset when it failed. */
  private cleanBaseTaken: Promise<void> | undefined;
  /** Marks base partitions changed before they change (change-journal.ts); undefined: there is no clean base. */
  private journal: ChangeJournal | undefined;
  private readonly trash: TopicTrash;
  private readonly files: FilePool;
  private readonly tailCacheBudget: TailCacheBudget;
  private readonly processLimit: number | undefined;
  /** Compacts partitions whose cleanup policy says so; undefined when disabled. */
  readonly cleaner: LogCleaner | undefined;

  private constructor(
    private readonly options: LogManagerOptions,
    private readonly fs: StorageFs,
    private readonly logger: Logger,
  ) {
    this.trash = new TopicTrash(options.dataDir, fs, logger);
    this.processLimit = openFileLimit();
    this.files = new FilePool(options.maxOpenSegmentFiles ?? segmentFileBudget(this.processLimit), logger);
    this.tailCacheBudget = new TailCacheBudget(options.tailCacheTotalBytes ?? DEFAULT_TAIL_CACHE_TOTAL_BYTES);
    if (options.cleaner !== false)
      this.cleaner = new LogCleaner({ ...options.cleaner, fs, clock: options.clock ?? systemClock, logger }, () =>
        this.loaded(),
      );
  }

  /**
   * Bytes all the partitions' tail caches count now (what they hold, and the slabs they dropped that reads
   * still pin: `pinnedBytes`), and the bound they share.
   */
  get tailCacheStats(): TailCacheStats {
    const budget = this.tailCacheBudget;
    return { bytes: budget.bytes, pinnedBytes: budget.pinnedBytes, maxBytes: budget.maxBytes };
  }

  /** Segment files open now, the budget, and counters (for logs and, later, metrics). */
  get fileStats(): LogManagerFileStats {
    return { ...this.files.stats, processLimit: this.processLimit };
  }

  static async open(options: LogManagerOptions): Promise<LogManager> {
    const manager = new LogManager(options, options.fs ?? nodeFs, options.logger ?? noopLogger);
    await manager.openAll();
    manager.cleaner?.start();
    const every = options.maintenanceIntervalMs ?? DEFAULT_MAINTENANCE_INTERVAL_MS;
    if (every > 0) {
      manager.timer = setInterval(() => void manager.runMaintenance(), every);
      manager.timer.unref();
    }
    return manager;
  }

  private async openAll(): Promise<void> {
    const { dataDir } = this.options;
    try {
      await mkdirDurable(this.fs, dataDir);
    } catch (err) {
      throw new StorageIOError(`cannot create data directory ${dataDir}`, err);
    }
    const names = await this.fs.readdir(dataDir);
    this.trash.scan(names);
    const { listed, changed } = (await this.takeCleanBase(names)) ?? {};
    // Partition → row of each topic's listed summaries, for the partitions the journal does not list as changed.
    const rowsOf = new Map<string, Map<number, number>>();
    for (const [topic, summaries] of listed ?? []) {
      const rows = new Map<number, number>();
      summaries.partitions.forEach((p, row) => {
        if (!changed?.has(topic, p)) rows.set(p, row);
      });
      rowsOf.set(topic, rows);
    }
    // A listed partition is a directory (it closed cleanly there); any other name is checked (one stat).
    const partitions: { topic: string; partition: number }[] = [];
    const unlisted: { name: string; parsed: { topic: string; partition: number } }[] = [];
    for (const name of names) {
      const parsed = name.endsWith(TRASH_SUFFIX) ? undefined : parsePartitionDirName(name);
      if (parsed === undefined) continue;
      if (rowsOf.get(parsed.topic)?.has(parsed.partition)) partitions.push(parsed);
      else unlisted.push({ name, parsed });
    }
    const isDir = await mapWithConcurrency(
      unlisted,
      FS_CONCURRENCY,
      async (c) => (await this.fs.stat(join(dataDir, c.name)))?.isDirectory === true,
    );
    for (let i = 0; i < unlisted.length; i++) if (isDir[i]) partitions.push(unlisted[i]!.parsed);
    // A committed deletion (a trash directory of the topic exists) is finished, not undone: its remaining
    // partitions are moved to the trash unopened. Failures are logged and retried, never fatal.
    const deleting = new Set([...new Set(partitions.map((p) => p.topic))].filter((t) => this.trash.isDeleting(t)));
    const deleted = partitions.filter((p) => deleting.has(p.topic));
    for (const topic of new Set(deleted.map((p) => p.topic))) {
      const numbers = deleted.filter((p) => p.topic === topic).map((p) => p.partition);
      if (rowsOf.has(topic)) await this.markTopicChanged(topic);
      await this.trash.move(topic, numbers, true);
      this.logger.warn(
        { topic, partitions: numbers.length },
        'finishing the deletion of a topic interrupted by a crash',
      );
    }
    await this.trash.purge();
    const found = partitions.filter((p) => !deleting.has(p.topic));
    // One resolved config per topic, not per partition (10,000 partitions are often a few topics).
    const configs = new Map<string, ResolvedPartitionConfig>();
    const configOf = (topic: string) => {
      let config = configs.get(topic);
      if (!config) configs.set(topic, (config = resolvePartitionConfig(this.options.configFor(topic))));
      return config;
    };
    let dormant = 0;
    try {
      await mapWithConcurrency(found, FS_CONCURRENCY, async (p) => {
        const row = rowsOf.get(p.topic)?.get(p.partition);
        const summaries = listed?.get(p.topic);
        const dir = join(dataDir, keyOf(p.topic, p.partition));
        if (row !== undefined && (await summaries!.segmentsAsListed(this.fs, dir, row))) {
          this.dormantTopic(summaries!, configOf(p.topic)).rows.set(p.partition, row);
          dormant++;
          return;
        }
        // A listed partition whose files changed since (outside damage) is opened instead: it may change from now on.
        if (row !== undefined) await this.markChanged(p.topic, p.partition);
        await this.register(p.topic, p.partition, PartitionLog.open(this.partitionOptions(p, configOf(p.topic))));
      });
    } catch (err) {
      await this.close().catch(() => {});
      throw err;
    }
    const files = this.fileStats;
    this.logger.info(
      {
        dataDir,
        partitions: found.length,
        dormant,
        changedSinceCleanStop: changed?.size ?? 0,
        openFileLimit: files.processLimit ?? 'unknown',
        segmentFileBudget: files.budget,
        openSegmentFiles: files.open,
      },
      'log manager opened',
    );
    if (found.length > files.budget)
      this.logger.warn(
        { partitions: found.length, segmentFileBudget: files.budget },
        'more partitions than the segment file budget: files of idle partitions are closed and opened again when used (raise the descriptor limit, ulimit -n, to reopen less)',
      );
  }

  private dormantTopic(summaries: TopicSummaries, config: ResolvedPartitionConfig): DormantTopic {
    let table = this.dormant.get(summaries.topic);
    if (!table) this.dormant.set(summaries.topic, (table = { summaries, config, rows: new Map() }));
    return table;
  }

  /** The PartitionLog of a dormant partition nobody asked for yet (made now, still dormant); else undefined. */
  private wake(topic: string, partition: number): PartitionLog | undefined {
    const table = this.dormant.get(topic);
    const row = table?.rows.get(partition);
    if (row === undefined) return undefined;
    table!.rows.delete(partition);
    const options = this.partitionOptions({ topic, partition }, table!.config);
    // Asked for once the manager closed (its row is in the clean-shutdown file): it may not load.
    const beforeLoad = this.closed
      ? () => Promise.reject(new LogClosedError(`partition ${keyOf(topic, partition)}`))
      : () => this.markChanged(topic, partition);
    const log = PartitionLog.dormant(options, table!.summaries.summary(row), beforeLoad);
    void this.register(topic, partition, log);
    return log;
  }

  /** Every dormant partition of `topic` (all topics when undefined) gets its PartitionLog object. */
  private wakeAll(topic?: string): void {
    for (const [name, table] of this.dormant)
      if (topic === undefined || name === topic)
        for (const partition of [...table.rows.keys()]) this.wake(name, partition);
  }

  /**
   * The clean state the partitions start from, and the change journal that keeps it true from now on:
   * - a clean-shutdown file (the last stop was clean): renamed to the clean base, with an empty journal;
   * - else a clean base (a crash since a clean start): its rows, minus the partitions its journal lists;
   * - else (or when the journal is garbled) none: every partition is opened and recovered.
   * The rename and the journal's creation are made durable before any base partition changes (beforeFirstChange).
   */
  private async takeCleanBase(
    names: string[],
  ): Promise<{ listed: Map<string, TopicSummaries>; changed: ChangedPartitions | undefined } | undefined> {
    const { dataDir } = this.options;
    const fresh = names.includes(CLEAN_SHUTDOWN_FILE);
    const listed = await readCleanShutdown(
      this.fs,
      dataDir,
      this.logger,
      fresh ? CLEAN_SHUTDOWN_FILE : CLEAN_BASE_FILE,
    );
    if (listed === undefined) return undefined;
    const { journal, changed } = await ChangeJournal.open(this.fs, dataDir, {
      reset: fresh,
      ready: this.beforeFirstChange,
    });
    if (changed === undefined) {
      this.logger.warn(
        { file: join(dataDir, CHANGE_JOURNAL_FILE) },
        'change journal is garbled; ignoring the clean base and opening every partition',
      );
      await journal.close();
      return undefined;
    }
    if (fresh)
      try {
        await keepCleanShutdownAsBase(this.fs, dataDir);
      } catch (err) {
        await journal.close().catch(() => {});
        throw new StorageIOError(`cannot rename the clean-shutdown file of ${dataDir}`, err);
      }
    this.journal = journal;
    return { listed, changed };
  }

  /** Before the journal's first line: the clean base's rename and the journal's creation are durable (one fsync, shared). */
  private readonly beforeFirstChange = (): Promise<void> => {
    this.cleanBaseTaken ??= this.syncDataDir().catch((err) => {
      this.cleanBaseTaken = undefined;
      throw new StorageIOError(`cannot fsync the data directory ${this.options.dataDir}`, err);
    });
    return this.cleanBaseTaken;
  };

  /** Before a base partition changes (a dormant one loads): the journal durably lists it. */
  private markChanged(topic: string, partition: number): Promise<void> {
    return this.journal ? this.journal.markPartition(topic, partition) : this.beforeFirstChange();
  }

  /** Before a topic's directories are moved to the trash: the journal durably lists every partition of it. */
  private markTopicChanged(topic: string): Promise<void> {
    return this.journal ? this.journal.markTopic(topic) : Promise.resolve();
  }

  private partitionOptions(p: { topic: string; partition: number }, config: PartitionConfig): PartitionLogOptions {
    return {
      dir: join(this.options.dataDir, keyOf(p.topic, p.partition)),
      topic: p.topic,
      partition: p.partition,
      config,
      fs: this.fs,
      clock: this.options.clock ?? systemClock,
      logger: this.logger,
      repair: this.options.repair ?? false,
      tailCacheBytes: this.options.tailCacheBytes,
      tailCacheBudget: this.tailCacheBudget,
      producerIdExpirationMs: this.options.producerIdExpirationMs,
      files: this.files,
      codecs: this.options.codecs,
    };
  }

  /**
   * Registers a partition being opened (or already made), at once, so concurrent calls share it; it
   * becomes visible to get() once it is there, and is forgotten if its open fails.
   */
  private register(topic: string, partition: number, log: PartitionLog | Promise<PartitionLog>): Promise<PartitionLog> {
    const key = keyOf(topic, partition);
    if (log instanceof PartitionLog) {
      this.logs.set(key, { topic, partition, log: Promise.resolve(log) });
      this.opened.set(key, log);
      return Promise.resolve(log);
    }
    const pending = log.then((opened) => {
      if (this.logs.get(key)?.log === pending) this.opened.set(key, opened);
      return opened;
    });
    const entry = { topic, partition, log: pending };
    this.logs.set(key, entry);
    pending.catch(() => {
      if (this.logs.get(key) === entry) this.logs.delete(key);
    });
    return pending;
  }

  get(topic: string, partition: number): PartitionLog | undefined {
    return this.opened.get(keyOf(topic, partition)) ?? this.wake(topic, partition);
  }

  /** The partition exists (opened, being opened, or dormant); makes nothing. */
  has(topic: string, partition: number): boolean {
    return this.logs.has(keyOf(topic, partition)) || this.dormant.get(topic)?.rows.has(partition) === true;
  }

  /** Each topic found, with its partition count as its highest partition number + 1; makes nothing. */
  partitionCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    const see = (topic: string, partition: number) =>
      counts.set(topic, Math.max(counts.get(topic) ?? 0, partition + 1));
    for (const { topic, partition } of this.logs.values()) see(topic, partition);
    for (const [topic, table] of this.dormant) for (const partition of table.rows.keys()) see(topic, partition);
    return counts;
  }

  /** New settings for the first `count` partitions of `topic`, dormant ones included, without waking them. */
  updateConfig(topic: string, count: number, config: PartitionConfig): void {
    const table = this.dormant.get(topic);
    if (table) table.config = resolvePartitionConfig(config);
    for (let p = 0; p < count; p++) this.opened.get(keyOf(topic, p))?.updateConfig(config);
  }

  /** Creates the partition directory and opens it; returns the open log if it exists already. */
  async create(topic: string, partition: number, config: PartitionConfig): Promise<PartitionLog> {
    if (this.closed) throw new LogClosedError('log manager');
    if (!isValidTopicName(topic))
      throw new StorageError(`invalid topic name ${JSON.stringify(topic)}: use ${TOPIC_NAME_RULE}`, {
        code: 'INVALID_TOPIC',
      });
    if (!Number.isSafeInteger(partition) || partition < 0 || partition > MAX_PARTITION) {
      throw new StorageError(`invalid partition number ${partition}`, { code: 'INVALID_PARTITION' });
    }
    const key = keyOf(topic, partition);
    if (Buffer.byteLength(key) > MAX_DIR_NAME_BYTES)
      throw new StorageError(
        `partition directory name ${key.slice(0, 20)}…-${partition} would be longer than ${MAX_DIR_NAME_BYTES} bytes`,
        { code: 'INVALID_PARTITION' },
      );
    if (this.trash.isDeleting(topic))
      throw new StorageError(`topic ${topic} is still being deleted`, { code: 'TOPIC_BEING_DELETED', retriable: true });
    const existing = this.logs.get(key);
    if (existing) return existing.log;
    const dormant = this.wake(topic, partition);
    if (dormant) return dormant;
    // A new partition is its empty directory, dormant: its first load makes its directory entry durable
    // (a data-directory fsync shared by the loads around it), then its first segment. A directory already
    // there (put there while the broker ran) is opened as found.
    const options = this.partitionOptions({ topic, partition }, config);
    const made = this.fs.stat(options.dir).then(async (found) => {
      if (found) return PartitionLog.open(options);
      await this.fs.mkdir(options.dir);
      return PartitionLog.dormant(options, EMPTY_SUMMARY, () => this.syncDataDir());
    });
    return this.register(topic, partition, made);
  }

  /**
   * fsync of the data directory, shared by concurrent creations: a caller is covered by a sync that
   * starts after its call, so while one runs, every caller arriving meanwhile shares the single next
   * one. Creating 10,000 partitions costs a handful of these instead of 10,000.
   */
  private syncDataDir(): Promise<void> {
    const start = () => {
      const running = this.fs.syncDir(this.options.dataDir).finally(() => {
        if (this.dirSync.running === running) this.dirSync.running = undefined;
      });
      this.dirSync.running = running;
      return running;
    };
    if (this.dirSync.next) return this.dirSync.next;
    if (!this.dirSync.running) return start();
    const next = this.dirSync.running
      .catch(() => undefined)
      .then(() => {
        this.dirSync.next = undefined;
        return start();
      });
    this.dirSync.next = next;
    return next;
  }

  /**
   * Deletes every partition of `topic` (topic-trash.ts): stops their mutations, moves their directories to
   * the trash — the first rename commits the deletion — closes them without writing and frees their files.
   * Needs no free space. Throws StorageIOError, with nothing changed, only when no directory could be moved;
   * later failures are logged and left to retryDeletions(). The caller then rewrites its metadata and calls
   * clearTrash().
   */
  async deleteTopic(topic: string): Promise<void> {
    if (this.closed) throw new LogClosedError('log manager');
    try {
      await this.markTopicChanged(topic);
    } catch (err) {
      throw new StorageIOError(`cannot delete topic ${topic}: the change journal cannot list it`, err);
    }
    this.wakeAll(topic);
    this.dormant.delete(topic);
    const entries = [...this.logs.entries()].filter(([, e]) => e.topic === topic);
    for (const [key] of entries) {
      this.logs.delete(key);
      this.opened.delete(key);
    }
    const settled = await Promise.allSettled(entries.map(([, e]) => e.log));
    const logs = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    await Promise.all(logs.map((log) => log.freeze()));
    // A cleaning of a frozen partition fails at its swap; its cleaned file must be gone before the move.
    for (const log of logs) await this.cleaner?.quiesce(log);
    // The directories on disk, not only the open logs: one that failed to open must go too.
    const onDisk = (await this.fs.readdir(this.options.dataDir))
      .map(parsePartitionDirName)
      .filter((p) => p?.topic === topic)
      .map((p) => p!.partition);
    const numbers = [...new Set([...entries.map(([, e]) => e.partition), ...onDisk])].sort((a, b) => a - b);
    try {
      await this.trash.move(topic, numbers, this.trash.isDeleting(topic));
    } catch (err) {
      for (const [key, entry] of entries) this.logs.set(key, entry);
      for (const log of logs) {
        log.unfreeze();
        this.opened.set(keyOf(log.topic, log.partition), log);
      }
      throw new StorageIOError(`cannot delete topic ${topic}: its partition directories cannot be moved`, err);
    }
    await Promise.all(logs.map((log) => log.discard()));
    await this.trash.purge();
  }

  /** A deletion of `topic` is committed but not finished: it may not be created again yet. */
  isDeletingTopic(topic: string): boolean {
    return this.trash.isDeleting(topic);
  }

  /** Retries the trash moves and file removals that failed (logged, never thrown). */
  retryDeletions(): Promise<void> {
    return this.trash.retry();
  }

  /**
   * Removes the trash directories, the last evidence of deleted topics: call only once the caller's
   * metadata no longer lists them (durably). Returns true when no deletion is left unfinished.
   */
  clearTrash(): Promise<boolean> {
    return this.trash.clear();
  }

  /** Every partition's log; a dormant one gets its PartitionLog object (still dormant: nothing is loaded). */
  partitions(): PartitionLog[] {
    this.wakeAll();
    return [...this.opened.values()];
  }

  /** The partitions loaded so far (the cleaner's: a dormant one has nothing new to clean until maintenance loads it). */
  private *loaded(): Iterable<PartitionLog> {
    for (const log of this.opened.values()) if (!log.isDormant) yield log;
  }

  /** One pass over every partition; a failing partition is logged and does not stop the others. */
  runMaintenance(): Promise<void> {
    this.maintaining ??= (async () => {
      // A dormant partition nobody asked for is woken only when its summary says maintenance has work for it.
      const now = (this.options.clock ?? systemClock).now();
      for (const [topic, table] of this.dormant)
        for (const [partition, row] of table.rows)
          if (table.summaries.maintenanceDue(row, table.config, now)) this.wake(topic, partition);
      for (const log of [...this.opened.values()]) {
        if (this.closed) break;
        try {
          await log.runMaintenance();
        } catch (err) {
          if (!(err instanceof LogClosedError))
            this.logger.error({ err, partition: `${log.topic}-${log.partition}` }, 'maintenance failed');
        }
      }
    })().finally(() => {
      this.maintaining = undefined;
    });
    return this.maintaining;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.cleaner?.stop();
    await this.maintaining;
    const settled = await Promise.allSettled([...this.logs.values()].map((e) => e.log));
    const logs = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    // Each close fsyncs its log and leaves its checkpoint to the clean-shutdown file written below, which must
    // not start before every close returned. At most CLOSE_CONCURRENCY at once: a close that writes index files
    // holds a descriptor more, beside the segment files the pool keeps open (up to half the process's limit).
    const results = await mapWithConcurrency(logs, CLOSE_CONCURRENCY, (log) =>
      log.close({ cleanShutdownFile: true }).then(
        () => ({ status: 'fulfilled' as const }),
        (reason: unknown) => ({ status: 'rejected' as const, reason }),
      ),
    );
    await this.writeCleanShutdown(logs);
    await this.journal?.close().catch(() => {});
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Lists the partitions that closed cleanly, for the next open to start them dormant (clean-shutdown.ts):
   * the dormant rows nobody asked for as they were read, and every other partition's clean summary.
   */
  private async writeCleanShutdown(logs: PartitionLog[]): Promise<void> {
    const topics = new Map<string, TopicSummaries>();
    const of = (topic: string) => {
      let summaries = topics.get(topic);
      if (!summaries) topics.set(topic, (summaries = new TopicSummaries(topic)));
      return summaries;
    };
    for (const [topic, table] of this.dormant) {
      const into = of(topic);
      for (const row of table.rows.values()) into.copyRow(table.summaries, row);
    }
    for (const log of logs) {
      const summary = log.cleanSummary();
      if (summary) of(log.topic).add(log.partition, summary);
    }
    try {
      await writeCleanShutdown(this.fs, this.options.dataDir, topics.values());
    } catch (err) {
      this.logger.warn(
        { err, dataDir: this.options.dataDir },
        this.journal
          ? 'cannot write the clean-shutdown file; the next start keeps the partitions unchanged since the clean start before dormant and recovers the others'
          : 'cannot write the clean-shutdown file; the next start opens every partition and recovers those written since their last checkpoint',
      );
      return;
    }
    // The new file wins over these at the next start (takeCleanBase): their removal need not be durable.
    await removeCleanBase(this.fs, this.options.dataDir).catch(() => {});
    await this.fs.unlink(join(this.options.dataDir, CHANGE_JOURNAL_FILE)).catch(() => {});
  }
}
