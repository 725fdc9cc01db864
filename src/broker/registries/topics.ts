// Topics and their configs. The source of truth is <dataDir>/topics.json, replaced atomically (temp
// file, fsync, rename) on every change, before the partition logs are created and after none are lost:
//
//   { "version": 1,
//     "topics":   { "<name>": { "partitions": 3, "configs": { "retention.ms": "60000" }, "createdAt": 1700000000000 } } }
//
// Deletion needs no free space and is atomic across a crash (storage/topic-trash.ts): the partition
// directories are moved to the trash first (the first move commits the deletion), their files are removed,
// and only then is topics.json rewritten without the topic; the trash directories, which say "this topic is
// deleted" to the next start, are removed once that rewrite is durable. Until then the name cannot be
// created again. A failed step is logged and retried (maintenance interval), never a reason not to start.
// A partition directory found on disk that topics.json does not know is adopted, never deleted: losing data
// is worse than showing an unexpected topic. (Files of older versions may list `"deleting": ["<name>"]`:
// those topics are deleted at start.)
//
// Mutations are serialised through one promise chain, so two auto-creations of the same topic, or a
// create racing a delete, never interleave their file writes.
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  FS_CONCURRENCY,
  type LogManager,
  mapWithConcurrency,
  readJsonFile,
  StorageError,
  TEMP_SUFFIX,
  writeFileAtomic,
  type PartitionConfig,
  type PartitionLog,
} from '../../../storage/index.js';
import { isValidTopicName } from '../../protocol/index.js';
import type { BatchPolicy } from '../../records/batch-validation.js';
import type { BrokerConfig, TopicDefaults } from '../config.js';
import { OFFSETS_TOPIC } from '../groups/offsets-store.js';
import { SHARE_STATE_TOPIC } from '../share/state-store.js';
import {
  applyConfigChanges,
  batchPolicyFor,
  type ConfigChangeMode,
  maxMessageBytesOf,
  parsePartitions,
  parseTopicConfig,
  partitionConfigFor,
  PARTITIONS_KEY,
  TopicConfigError,
} from './topic-config.js';
import { TopicError } from './errors.js';
import { isInternalTopicName } from '../security/acl/internal-topics.js';

interface TopicRecord {
  partitions: number;
  configs: Record<string, string>;
  createdAt: number;
}

interface TopicsFile {
  version: 1;
  topics: Record<string, TopicRecord>;
  deleting?: string[];
}

/** A topic as handlers see it. Replaced (never mutated) when its configs change. */
export interface Topic {
  readonly name: string;
  readonly partitions: number;
  /** Overrides only, canonical strings. */
  readonly configs: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly maxMessageBytes: number;
  /** What produce checks each batch against (max.message.bytes, decompressed size, timestamp window). */
  readonly batchPolicy: BatchPolicy;
  readonly partitionConfig: PartitionConfig;
}

interface TopicChanges {
  /** Called after a topic's partitions were deleted (fetch waiters wake and see it gone). */
  onDeleted?(topic: string, partitions: number): void;
}

const TOPICS_FILE = 'topics.json';

/**
 * Reads a JSON metadata file. A garbled one (never written by us: writes are atomic, so only outside
 * damage does this) stops the start with the file named, or, with `repair`, is moved aside to
 * `<file>.corrupt` with a warning saying what the broker does instead (`fallback`).
 */
export async function readMetadataFile<T>(
  path: string,
  config: Pick<BrokerConfig, 'repair' | 'logger' | 'fs'>,
  fallback: string,
): Promise<T | undefined> {
  try {
    return await readJsonFile<T>(config.fs, path);
  } catch (error) {
    if (!(error instanceof StorageError) || error.code !== 'CORRUPT_METADATA') throw error;
    if (!config.repair) {
      error.message += ' (start with repair — `sluice serve --repair` — to move it aside and carry on)';
      throw error;
    }
    const aside = `${path}.corrupt`;
    await config.fs.rename(path, aside);
    config.logger.warn(
      { file: path, movedTo: aside, reason: error.message },
      `repair: ${path} is not valid JSON; moved aside to ${aside}; ${fallback}`,
    );
    return undefined;
  }
}

/**
 * Names beginning with `__` are the broker's own topics (`__consumer_offsets`, `__activity`), kept by the
 * broker outside this registry: no client creates, deletes or alters one, through any door.
 */
function refuseInternal(name: string, what: string): void {
  if (!isInternalTopicName(name)) return;
  const purpose = name === OFFSETS_TOPIC ? ' (committed group offsets)' : '';
  throw new TopicError(
    'invalid-name',
    `topic "${name}" is internal to the broker${purpose}: names beginning with "__" are reserved, and such a topic cannot be ${what} by clients`,
  );
}

function invalidConfig(error: unknown): never {
  if (error instanceof TopicConfigError) throw new TopicError('invalid-config', error.message);
  throw error;
}

export class TopicRegistry {
  private readonly topics = new Map<string, Topic>();
  /** Topics topics.json of an older version listed under "deleting": deleted at attach. */
  private legacyTombstones: string[] = [];
  /** topics.json on disk may still list a deleted topic (its rewrite failed, or is still to come). */
  private metadataStale = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private chain: Promise<unknown> = Promise.resolve();
  private logs: LogManager | undefined;
  private readonly path: string;
  private readonly defaults: TopicDefaults;
  private readonly logger: Logger;

  constructor(
    private readonly config: BrokerConfig,
    private readonly changes: TopicChanges = {},
  ) {
    this.path = join(config.dataDir, TOPICS_FILE);
    this.defaults = config.topicDefaults;
    this.logger = config.logger;
  }

  /** Reads topics.json (a missing file means no topics). Call before opening the logs. */
  async load(): Promise<void> {
    // A leftover of a write interrupted by a crash (topics.json itself is whole: writes are atomic).
    await this.config.fs.unlink(`${this.path}${TEMP_SUFFIX}`).catch(() => {});
    const file = await readMetadataFile<TopicsFile>(
      this.path,
      this.config,
      'topics will be adopted from the partition directories, with default configs',
    );
    if (file === undefined) return;
    if (typeof file !== 'object' || file === null || typeof file.topics !== 'object' || file.topics === null) {
      throw new Error(`${this.path} is not a Sluice topics file`);
    }
    for (const [name, record] of Object.entries(file.topics)) {
      this.topics.set(name, this.topicOf(name, record.partitions, record.configs ?? {}, record.createdAt ?? 0));
    }
    this.legacyTombstones = Array.isArray(file.deleting) ? file.deleting.filter((n) => typeof n === 'string') : [];
  }

  /** Storage settings for a partition found on disk (LogManager's configFor). */
  partitionConfig(topic: string): PartitionConfig {
    return this.topics.get(topic)?.partitionConfig ?? partitionConfigFor({}, this.defaults);
  }

  /** Reconciles topics.json with the partitions found on disk; see the file comment. */
  async attach(logs: LogManager): Promise<void> {
    this.logs = logs;
    await this.serial(async () => {
      let changed = this.legacyTombstones.length > 0;
      for (const name of [...this.topics.keys()]) {
        // A deletion committed before a crash: the storage layer has moved what was left to the trash.
        if (!logs.isDeletingTopic(name)) continue;
        this.topics.delete(name);
        changed = true;
        this.logger.warn({ topic: name }, 'finishing the deletion of a topic interrupted by a crash');
      }
      for (const name of this.legacyTombstones) {
        if (this.topics.has(name)) continue;
        await logs
          .deleteTopic(name)
          .catch((err) => this.logger.error({ err, topic: name }, 'cannot delete a topic marked deleted; will retry'));
      }
      this.legacyTombstones = [];
      const adopted = new Map<string, number>();
      for (const [topic, partitions] of logs.partitionCounts())
        if (partitions > (this.topics.get(topic)?.partitions ?? 0)) adopted.set(topic, partitions);
      for (const [topic, partitions] of adopted) {
        const known = this.topics.get(topic);
        this.logger.warn({ topic, partitions }, 'adopting partitions found on disk but missing from topics.json');
        this.topics.set(
          topic,
          this.topicOf(topic, partitions, known?.configs ?? {}, known?.createdAt ?? this.config.clock.now()),
        );
        changed = true;
      }
      for (const topic of this.topics.values()) await this.createMissingPartitions(topic);
      if (changed) this.metadataStale = true;
      await this.finishDeletions();
    });
  }

  /** Stops the retry timer (broker stop). */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /**
   * Finishes what deletions left: the trash moves and file removals that failed, then the rewrite of
   * topics.json, and only after it the trash directories. Logs failures and retries later; never throws.
   * Runs inside the chain.
   */
  private async finishDeletions(): Promise<void> {
    const logs = this.logs;
    if (!logs) return;
    await logs.retryDeletions();
    if (this.metadataStale) {
      try {
        await this.save();
        this.metadataStale = false;
      } catch (err) {
        this.logger.error({ err, file: this.path }, 'cannot rewrite topics.json after deleting a topic; will retry');
      }
    }
    const finished = !this.metadataStale && (await logs.clearTrash());
    if (finished || this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.closed) void this.serial(() => this.finishDeletions());
    }, this.config.maintenanceIntervalMs);
    this.retryTimer.unref();
  }

  get(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  list(): Topic[] {
    return [...this.topics.values()];
  }

  /** The partition's log, or undefined when the topic or partition does not exist. */
  log(topic: string, partition: number): PartitionLog | undefined {
    const t = this.topics.get(topic);
    if (!t || partition < 0 || partition >= t.partitions) return undefined;
    return this.logs?.get(topic, partition);
  }

  /**
   * Creates a topic. `numPartitions` -1 = the broker default (or configs.partitions). Throws
   * TopicError: invalid-name, exists, invalid-partitions or invalid-config.
   */
  create(
    name: string,
    numPartitions: number,
    configs: Record<string, string>,
    options: { validateOnly?: boolean } = {},
  ): Promise<Topic> {
    return this.serial(async () => {
      await this.finishDeletionOf(name);
      const topic = this.validateNew(name, numPartitions, configs);
      if (options.validateOnly) return topic;
      return this.commitNew(topic);
    });
  }

  /** The topic, created with broker defaults when missing and auto-creation is on; undefined otherwise. */
  async ensure(name: string): Promise<Topic | undefined> {
    const existing = this.topics.get(name);
    if (existing || !this.config.autoCreateTopics) return existing;
    return this.serial(async () => {
      const raced = this.topics.get(name);
      if (raced) return raced;
      await this.finishDeletionOf(name);
      const topic = this.commitNew(this.validateNew(name, -1, {}));
      this.logger.info({ topic: name, partitions: this.config.defaultPartitions }, 'auto-created topic');
      return topic;
    });
  }

  /** A name whose deletion is unfinished cannot be created again: try to finish it now (space may be back). */
  private async finishDeletionOf(name: string): Promise<void> {
    if (this.logs?.isDeletingTopic(name)) await this.finishDeletions();
  }

  /**
   * Removes a topic and all its data, also on a full disk (see the file comment). Throws
   * UNKNOWN_TOPIC_OR_PARTITION when it does not exist, a storage error when nothing could be deleted.
   */
  delete(name: string): Promise<void> {
    return this.serial(async () => {
      refuseInternal(name, 'deleted');
      const topic = this.topics.get(name);
      if (!topic) throw new TopicError('unknown-topic', `topic "${name}" does not exist`);
      this.topics.delete(name);
      try {
        await this.logs?.deleteTopic(name);
      } catch (error) {
        this.topics.set(name, topic);
        throw error;
      }
      this.metadataStale = true;
      await this.finishDeletions();
      this.logger.info({ topic: name }, 'deleted topic');
      this.changes.onDeleted?.(name, topic.partitions);
    });
  }

  /**
   * Config change (applyConfigChanges): by default incremental, named keys set, null reverts to the inherited
   * value; with mode 'replace' the named keys become the whole override set. `partitions` may only grow.
   * Throws UNKNOWN_TOPIC_OR_PARTITION, INVALID_CONFIG or INVALID_PARTITIONS.
   */
  alter(
    name: string,
    changes: Record<string, string | null>,
    options: { validateOnly?: boolean; mode?: ConfigChangeMode } = {},
  ): Promise<Topic> {
    return this.serial(async () => {
      refuseInternal(name, 'altered');
      const current = this.topics.get(name);
      if (!current) throw new TopicError('unknown-topic', `topic "${name}" does not exist`);
      let configs: Record<string, string>;
      try {
        configs = applyConfigChanges(current.configs, changes, options.mode ?? 'incremental');
      } catch (error) {
        invalidConfig(error);
      }
      const asked = changes[PARTITIONS_KEY];
      const partitions =
        asked === undefined || asked === null
          ? current.partitions
          : this.grownCount(current, this.partitionCount(asked));
      const next = this.topicOf(name, partitions, configs, current.createdAt);
      if (options.validateOnly) return next;
      await this.commitChanged(next);
      this.logs?.updateConfig(name, current.partitions, next.partitionConfig);
      this.logger.info({ topic: name, changes, mode: options.mode ?? 'incremental' }, 'altered topic configs');
      return next;
    });
  }

  /**
   * Raises a topic's partition count to `count` (CreatePartitions). Throws UNKNOWN_TOPIC_OR_PARTITION, or
   * INVALID_PARTITIONS when `count` is not larger than today's count or above the broker's maximum.
   */
  addPartitions(name: string, count: number, options: { validateOnly?: boolean } = {}): Promise<Topic> {
    return this.serial(async () => {
      refuseInternal(name, 'altered');
      const current = this.topics.get(name);
      if (!current) throw new TopicError('unknown-topic', `topic "${name}" does not exist`);
      if (count === current.partitions)
        throw new TopicError('invalid-partitions', `topic "${name}" already has ${count} partitions`);
      if (count > this.config.maxPartitionsPerTopic) {
        throw new TopicError(
          'invalid-partitions',
          `a topic may have at most ${this.config.maxPartitionsPerTopic} partitions, not ${count}`,
        );
      }
      const next = this.topicOf(name, this.grownCount(current, count), current.configs, current.createdAt);
      if (options.validateOnly) return next;
      await this.commitChanged(next);
      this.logger.info({ topic: name, from: current.partitions, to: count }, 'added partitions');
      return next;
    });
  }

  /** Records a changed topic, creates its new partitions, and only then makes the change visible. */
  private async commitChanged(next: Topic): Promise<void> {
    await this.save(next);
    // New partitions exist before the larger count is visible (see commitNew).
    await this.createMissingPartitions(next);
    this.topics.set(next.name, next);
  }

  /** `count`, unless it would shrink the topic. */
  private grownCount(current: Topic, count: number): number {
    if (count < current.partitions) {
      throw new TopicError(
        'invalid-partitions',
        `topic "${current.name}" has ${current.partitions} partitions; the count can only grow, not go down to ${count}`,
      );
    }
    return count;
  }

  private validateNew(name: string, numPartitions: number, configs: Record<string, string>): Topic {
    if (name === OFFSETS_TOPIC) {
      throw new TopicError(
        'invalid-name',
        `topic "${name}" is internal to the broker (committed group offsets): it cannot be created or written to`,
      );
    }
    if (name === SHARE_STATE_TOPIC) {
      throw new TopicError(
        'invalid-name',
        `topic "${name}" is internal to the broker (share-group state): it cannot be created`,
      );
    }
    refuseInternal(name, 'created or written to');
    if (!isValidTopicName(name)) {
      throw new TopicError(
        'invalid-name',
        `topic name "${name}" is not 1..249 characters of [a-zA-Z0-9._-] (nor "." or "..")`,
      );
    }
    if (this.topics.has(name)) throw new TopicError('exists', `topic "${name}" already exists`);
    if (this.logs?.isDeletingTopic(name))
      throw new TopicError(
        'exists',
        `topic "${name}" is being deleted (its files or topics.json could not all be updated yet); retry later`,
      );
    const overrides = new Map<string, string>();
    let partitions = numPartitions === -1 ? this.config.defaultPartitions : numPartitions;
    for (const [key, value] of Object.entries(configs)) {
      if (key === PARTITIONS_KEY) {
        const fromConfig = this.partitionCount(value);
        if (numPartitions !== -1 && fromConfig !== numPartitions) {
          throw new TopicError(
            'invalid-partitions',
            `numPartitions ${numPartitions} and configs.partitions ${fromConfig} disagree`,
          );
        }
        partitions = fromConfig;
        continue;
      }
      try {
        overrides.set(key, parseTopicConfig(key, value));
      } catch (error) {
        invalidConfig(error);
      }
    }
    if (!Number.isSafeInteger(partitions) || partitions < 1 || partitions > this.config.maxPartitionsPerTopic) {
      throw new TopicError(
        'invalid-partitions',
        `numPartitions must be between 1 and ${this.config.maxPartitionsPerTopic}, got ${partitions}`,
      );
    }
    return this.topicOf(name, partitions, Object.fromEntries(overrides), this.config.clock.now());
  }

  private partitionCount(value: string): number {
    try {
      return parsePartitions(value, this.config.maxPartitionsPerTopic);
    } catch (error) {
      throw new TopicError('invalid-partitions', (error as Error).message);
    }
  }

  /**
   * Records the topic in topics.json, creates its partitions, and only then makes it visible: a
   * concurrent produce must never see a topic whose partition logs do not exist yet.
   */
  private async commitNew(topic: Topic): Promise<Topic> {
    await this.save(topic);
    try {
      await this.createMissingPartitions(topic);
    } catch (error) {
      // Undo like a deletion, so a restart finds neither the half-created partitions nor the topics.json entry.
      await this.logs
        ?.deleteTopic(topic.name)
        .catch((err) => this.logger.error({ err, topic: topic.name }, 'cannot remove a half-created topic'));
      this.metadataStale = true;
      await this.finishDeletions();
      throw error;
    }
    this.topics.set(topic.name, topic);
    return topic;
  }

  private async createMissingPartitions(topic: Topic): Promise<void> {
    const logs = this.logs;
    if (!logs) return;
    const missing = Array.from({ length: topic.partitions }, (_, p) => p).filter((p) => !logs.has(topic.name, p));
    await mapWithConcurrency(missing, FS_CONCURRENCY, (p) => logs.create(topic.name, p, topic.partitionConfig));
  }

  private topicOf(name: string, partitions: number, configs: Record<string, string>, createdAt: number): Topic {
    return Object.freeze({
      name,
      partitions,
      configs: Object.freeze({ ...configs }),
      createdAt,
      maxMessageBytes: maxMessageBytesOf(configs, this.defaults),
      batchPolicy: batchPolicyFor(configs, this.defaults),
      partitionConfig: partitionConfigFor(configs, this.defaults),
    });
  }

  /** Writes topics.json: the visible topics, plus `pending` (a topic being created or altered). */
  private async save(pending?: Topic): Promise<void> {
    // Object.fromEntries defines own properties: a topic named "__proto__" is a key like any other
    // (an assignment would set the object's prototype, and JSON.stringify would drop the topic).
    const all = new Map(this.topics);
    if (pending) all.set(pending.name, pending);
    const topics: Record<string, TopicRecord> = Object.fromEntries(
      [...all.values()].map((t) => [
        t.name,
        { partitions: t.partitions, configs: { ...t.configs }, createdAt: t.createdAt },
      ]),
    );
    const file: TopicsFile = { version: 1, topics };
    await writeFileAtomic(this.config.fs, this.path, `${JSON.stringify(file, null, 2)}\n`);
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
