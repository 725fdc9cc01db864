// The local side of the cluster's topics (Kafka's broker acting on topic metadata): every topic the cluster
// holds in etcd exists in this broker's registry with the same partition count and configs, and a topic
// the cluster deleted is deleted here too, its logs with it.
//
// A topic's incarnation is the createRevision of its etcd key. This broker remembers, per topic it made
// from the cluster, the incarnation it made it from (<data-dir>/cluster-topics.json, written atomically),
// so that a broker that was down while a topic was deleted (or deleted and created again) finds out on its
// return: the local topic of a gone or different incarnation is deleted (and made again for a new one),
// never mistaken for a replica of the new topic. A local topic without a remembered incarnation (made
// before this broker joined the cluster) is adopted when the cluster has it and left alone when not.
// A remembered incarnation newer than etcd's whole history (this broker pointed at another etcd) deletes
// nothing: it is logged.
//
// One pass at a time (a promise chain); a pass reads the metadata cache as it is when it runs.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { readJsonFile, type StorageFs, writeFileAtomic } from '../../../storage/index.js';
import { TopicError } from '../registries/errors.js';
import { PARTITIONS_KEY } from '../registries/topic-config.js';
import type { TopicRegistry } from '../registries/topics.js';
import { isInternalTopicName } from '../security/acl/internal-topics.js';
import type { ClusterMetadataCache } from './metadata-cache.js';

const FILE = 'cluster-topics.json';

interface IncarnationsFile {
  version: 1;
  /** topic name → the createRevision of its etcd key when this broker made it. */
  topics: Record<string, number>;
}

export interface LocalTopicsOptions {
  topics: TopicRegistry;
  cache: ClusterMetadataCache;
  logger: Logger;
  fs: StorageFs;
  dataDir: string;
  /** After each pass (waiters re-check, replicas refresh). */
  synced(): void;
}

export class LocalTopics {
  readonly #options: LocalTopicsOptions;
  readonly #path: string;
  readonly #incarnations: Map<string, number>;
  readonly #warned = new Set<string>();
  #chain: Promise<void> = Promise.resolve();

  private constructor(options: LocalTopicsOptions, incarnations: Map<string, number>) {
    this.#options = options;
    this.#path = join(options.dataDir, FILE);
    this.#incarnations = incarnations;
  }

  static async open(options: LocalTopicsOptions): Promise<LocalTopics> {
    const file = await readJsonFile<IncarnationsFile>(options.fs, join(options.dataDir, FILE)).catch(
      (error: unknown) => {
        options.logger.warn({ err: error, file: FILE }, 'cannot read the cluster topic incarnations; starting afresh');
        return undefined;
      },
    );
    const entries = Object.entries(file?.topics ?? {}).filter(([, rev]) => Number.isSafeInteger(rev) && rev > 0);
    return new LocalTopics(options, new Map(entries));
  }

  /** Brings the local topics in line with the cluster (after every metadata change). */
  sync(): Promise<void> {
    this.#chain = this.#chain.then(
      () => this.#pass(),
      () => this.#pass(),
    );
    return this.#chain;
  }

  async #pass(): Promise<void> {
    const { cache, topics, logger } = this.#options;
    let changed = false;
    for (const local of topics.list()) {
      if (isInternalTopicName(local.name)) continue;
      const remembered = this.#incarnations.get(local.name);
      const current = cache.topic(local.name);
      const live = current && !current.value.deleting ? current : undefined;
      if (remembered === undefined) {
        if (live) {
          this.#incarnations.set(local.name, live.createRevision);
          changed = true;
        } else if (!this.#warned.has(local.name)) {
          this.#warned.add(local.name);
          logger.warn({ topic: local.name }, 'a local topic the cluster does not know: left alone, not replicated');
        }
        continue;
      }
      if (live && live.createRevision === remembered) continue;
      if (!live && !current && remembered > cache.revision) {
        if (!this.#warned.has(local.name)) {
          this.#warned.add(local.name);
          logger.error(
            { topic: local.name, incarnation: remembered, etcdRevision: cache.revision },
            'a local cluster topic from a later etcd history than this etcd has: not deleted (is this the right etcd?)',
          );
        }
        continue;
      }
      await this.#deleteLocal(local.name, live ? 'deleted and created again in the cluster' : 'deleted in the cluster');
      changed = true;
    }
    for (const [name, { value: spec, createRevision }] of cache.topics()) {
      // Internal topics (`__consumer_offsets`) are the broker's services' logs, not registry topics.
      if (spec.deleting || isInternalTopicName(name)) continue;
      const local = topics.get(name);
      try {
        if (!local) {
          await topics.create(name, spec.partitions, spec.configs);
          this.#incarnations.set(name, createRevision);
          changed = true;
          logger.info({ topic: name, partitions: spec.partitions }, 'created the local side of a cluster topic');
          continue;
        }
        const changes = configChanges(local.configs, spec.configs);
        if (spec.partitions > local.partitions) changes[PARTITIONS_KEY] = String(spec.partitions);
        if (Object.keys(changes).length === 0) continue;
        await topics.alter(name, changes);
        logger.info({ topic: name, changes }, 'applied a cluster topic change locally');
      } catch (error) {
        if (error instanceof TopicError && error.problem === 'exists') continue;
        logger.error({ err: error, topic: name }, 'cannot bring the local side of a cluster topic in line');
      }
    }
    if (changed) await this.#save();
    this.#options.synced();
  }

  async #deleteLocal(name: string, why: string): Promise<void> {
    try {
      await this.#options.topics.delete(name);
      this.#incarnations.delete(name);
      this.#options.logger.info({ topic: name }, `deleted the local side of a topic ${why}`);
    } catch (error) {
      this.#options.logger.error({ err: error, topic: name }, 'cannot delete the local side of a cluster topic');
    }
  }

  async #save(): Promise<void> {
    for (const name of this.#incarnations.keys()) if (!this.#options.topics.get(name)) this.#incarnations.delete(name);
    const file: IncarnationsFile = { version: 1, topics: Object.fromEntries(this.#incarnations) };
    await writeFileAtomic(this.#options.fs, this.#path, `${JSON.stringify(file, null, 2)}\n`).catch((error: unknown) =>
      this.#options.logger.warn({ err: error, file: this.#path }, 'cannot write the cluster topic incarnations'),
    );
  }
}

/** What turns `local` into `wanted`: keys set to their new values, keys gone set to null (inherited). */
function configChanges(
  local: Readonly<Record<string, string>>,
  wanted: Readonly<Record<string, string>>,
): Record<string, string | null> {
  const changes: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(wanted)) if (local[key] !== value) changes[key] = value;
  for (const key of Object.keys(local)) if (!Object.hasOwn(wanted, key)) changes[key] = null;
  return changes;
}
