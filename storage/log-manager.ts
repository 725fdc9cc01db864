// Owns every partition of a data directory: `<dataDir>/<topic>-<partition>/`. Opens them all at start,
// creates and deletes them, and runs maintenance (segment.ms rolls, retention, interval flushes,
// recovery-point checkpoints) on an unref'd timer or when a test calls runMaintenance().
import { join } from 'node:path';
import type { StorageFs } from './fs.js';
import { nodeFs } from './fs.js';
import type { PartitionConfig } from './config.js';
import type { Clock, Logger } from './types.js';
import { noopLogger, systemClock } from './types.js';
import { PartitionLog } from './partition-log.js';
import { mapWithConcurrency } from './concurrency.js';
import { mkdirDurable } from './durable-dir.js';
import { LogClosedError, StorageError, StorageIOError } from './errors.js';

export interface LogManagerOptions {
  dataDir: string;
  configFor: (topic: string, partition: number) => PartitionConfig;
  fs?: StorageFs;
  clock?: Clock;
  logger?: Logger;
  repair?: boolean;
  /** Default 30 000; 0 disables the timer (call runMaintenance yourself). */
  maintenanceIntervalMs?: number;
  /** Per-partition tail cache bound (see PartitionLog). */
  tailCacheBytes?: number;
  /** How long an idempotent producer's state outlives its last append (see PartitionLog). */
  producerIdExpirationMs?: number;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const DELETED_SUFFIX = '.deleted';
/** Partitions opened (or stat'ed) at once at start: enough to keep libuv's thread pool busy. */
export const FS_CONCURRENCY = 32;

export function isValidTopicName(topic: string): boolean {
  return TOPIC_NAME.test(topic) && topic !== '.' && topic !== '..';
}

/** `<topic>-<partition>`, split on the last '-'; undefined when the name is not a partition directory. */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | undefined {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const topic = name.slice(0, dash);
  const digits = name.slice(dash + 1);
  if (!/^\d{1,9}$/.test(digits) || !isValidTopicName(topic)) return undefined;
  return { topic, partition: Number(digits) };
}

const keyOf = (topic: string, partition: number) => `${topic}-${partition}`;

export class LogManager {
  private readonly logs = new Map<string, Promise<PartitionLog>>();
  private readonly opened = new Map<string, PartitionLog>();
  private timer: NodeJS.Timeout | undefined;
  private maintaining: Promise<void> | undefined;
  private closed = false;
  private readonly dirSync: { running?: Promise<void>; next?: Promise<void> } = {};

  private constructor(
    private readonly options: LogManagerOptions,
    private readonly fs: StorageFs,
    private readonly logger: Logger,
  ) {}

  static async open(options: LogManagerOptions): Promise<LogManager> {
    const manager = new LogManager(options, options.fs ?? nodeFs, options.logger ?? noopLogger);
    await manager.openAll();
    const every = options.maintenanceIntervalMs ?? 30_000;
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
    for (const name of names) {
      if (name.endsWith(DELETED_SUFFIX)) await this.fs.rmdir(join(dataDir, name));
    }
    const candidates = names
      .filter((name) => !name.endsWith(DELETED_SUFFIX))
      .map((name) => ({ name, parsed: parsePartitionDirName(name) }));
    const isDir = await mapWithConcurrency(
      candidates,
      FS_CONCURRENCY,
      async (c) => c.parsed !== undefined && (await this.fs.stat(join(dataDir, c.name)))?.isDirectory === true,
    );
    const found = candidates.filter((_, i) => isDir[i]).map((c) => c.parsed!);
    try {
      await mapWithConcurrency(found, FS_CONCURRENCY, (p) =>
        this.openPartition(p.topic, p.partition, this.options.configFor(p.topic, p.partition)),
      );
    } catch (err) {
      await this.close().catch(() => {});
      throw err;
    }
    this.logger.info({ dataDir, partitions: found.length }, 'log manager opened');
  }

  /** `before`: a step the open must wait for (creation's mkdir); registered at once so concurrent calls share the open. */
  private openPartition(
    topic: string,
    partition: number,
    config: PartitionConfig,
    before?: Promise<void>,
  ): Promise<PartitionLog> {
    const key = keyOf(topic, partition);
    const open = () =>
      PartitionLog.open({
        dir: join(this.options.dataDir, key),
        topic,
        partition,
        config,
        fs: this.fs,
        clock: this.options.clock ?? systemClock,
        logger: this.logger,
        repair: this.options.repair ?? false,
        tailCacheBytes: this.options.tailCacheBytes,
        producerIdExpirationMs: this.options.producerIdExpirationMs,
      });
    const pending = (before ? before.then(open) : open()).then((log) => {
      this.opened.set(key, log);
      return log;
    });
    this.logs.set(key, pending);
    pending.catch(() => this.logs.delete(key));
    return pending;
  }

  get(topic: string, partition: number): PartitionLog | undefined {
    return this.opened.get(keyOf(topic, partition));
  }

  /** Creates the partition directory and opens it; returns the open log if it exists already. */
  async create(topic: string, partition: number, config: PartitionConfig): Promise<PartitionLog> {
    if (this.closed) throw new LogClosedError('log manager');
    if (!isValidTopicName(topic))
      throw new StorageError(`invalid topic name ${JSON.stringify(topic)}: use 1-249 of [a-zA-Z0-9._-]`, {
        code: 'INVALID_TOPIC',
      });
    if (!Number.isSafeInteger(partition) || partition < 0 || partition > 999_999_999) {
      throw new StorageError(`invalid partition number ${partition}`, { code: 'INVALID_PARTITION' });
    }
    const key = keyOf(topic, partition);
    const existing = this.logs.get(key);
    if (existing) return existing;
    // mkdir first (a no-op when the directory exists): the open then finds it empty instead of missing.
    const made = this.fs.mkdir(join(this.options.dataDir, key));
    const log = await this.openPartition(topic, partition, config, made);
    // The new directory's entry in the data directory (the partition made its own contents durable).
    await this.syncDataDir();
    return log;
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

  async delete(topic: string, partition: number): Promise<void> {
    const key = keyOf(topic, partition);
    const pending = this.logs.get(key);
    if (!pending) return;
    this.logs.delete(key);
    this.opened.delete(key);
    await (await pending).delete();
  }

  partitions(): PartitionLog[] {
    return [...this.opened.values()];
  }

  /** One pass over every partition; a failing partition is logged and does not stop the others. */
  runMaintenance(): Promise<void> {
    this.maintaining ??= (async () => {
      for (const log of this.partitions()) {
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
    await this.maintaining;
    const logs = await Promise.allSettled([...this.logs.values()]);
    const results = await Promise.allSettled(logs.flatMap((r) => (r.status === 'fulfilled' ? [r.value.close()] : [])));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
