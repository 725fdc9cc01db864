// This broker as a member of a cluster (cluster mode: `sluice serve --cluster etcd://…`): the composition
// of the etcd client, the metadata cache every request reads, the registration (lease), the controller
// (active on one broker), and the local side of topics the cluster created. Handlers see it through the
// ClusterView interface, on BrokerContext.cluster (undefined in single-node mode, where nothing here runs).
import type { Logger } from 'pino';
import type { PartitionLog, StorageFs } from '../../../storage/index.js';
import { OFFSETS_TOPIC } from '../groups/offsets-store.js';
import type { TopicRegistry } from '../registries/topics.js';
import { TopicError } from '../registries/errors.js';
import { ClusterAdminRequests } from './admin-requests.js';
import { TRANSACTION_STATE_TOPIC } from '../txn/coordinator.js';
import type { ClusterConfig } from './config.js';
import { Controller } from './controller.js';
import { EtcdClient, EtcdError, type EtcdReachability } from './etcd-client.js';
import { CoordinatorHandover, type HandedOverCoordinator } from './coordinator-handover.js';
import { ClusterKeys } from './keys.js';
import { LocalTopics } from './local-topics.js';
import { ClusterMetadataCache } from './metadata-cache.js';
import { type BrokerRecord, type PartitionState, parseTopicSpec, type TopicSpec } from './records.js';
import { BrokerRegistration } from './registration.js';
import { ReplicaManager, type ReplicationView } from './replica-manager.js';

/** What handlers ask of the cluster. */
export interface ClusterView {
  readonly brokerId: number;
  /** Live brokers, in id order. */
  brokers(): BrokerRecord[];
  /** The controller's broker id, or -1 while there is none. */
  readonly controllerId: number;
  /** A partition's replication state as the cluster last told this broker, or undefined before it is placed. */
  partition(topic: string, partition: number): PartitionState | undefined;
  /** Whether this broker leads the partition now (its lease certainly alive, the cluster naming it leader). */
  isLeader(topic: string, partition: number): boolean;
  /**
   * Creates a topic cluster-wide: written to etcd (refused when it exists), placed by the controller,
   * created locally by every broker. Resolves once this broker holds it and every partition has a leader,
   * or after `waitMs` (the cluster finishes the work; clients retry LEADER_NOT_AVAILABLE meanwhile).
   */
  createTopic(name: string, spec: TopicSpec, options: { waitMs: number }): Promise<void>;
  /**
   * Changes a topic cluster-wide: `change` maps the spec in etcd to the new one (it may throw a TopicError),
   * written by compare-and-swap (re-read and re-applied when another change won). Resolves once this broker
   * applied it locally, or after `waitMs`. Throws TopicError unknown-topic when the cluster lacks the topic.
   */
  alterTopic(name: string, change: (spec: TopicSpec) => TopicSpec, options: { waitMs: number }): Promise<void>;
  /**
   * Deletes a topic cluster-wide: marked in etcd for the controller to remove; every broker deletes its logs
   * when it sees the topic go. Resolves once it is gone here, or after `waitMs`.
   */
  deleteTopic(name: string, options: { waitMs: number }): Promise<void>;
  /** The replication factor of CreateTopics with -1. */
  readonly defaultReplicationFactor: number;
  /** This broker's replicas: high watermarks, acks=-1, what followers fetch (replica-manager.ts); undefined until started. */
  readonly replication: ReplicationView | undefined;
  /** Leader elections and reassignments for Kafka's admin APIs, carried out by the controller (admin-requests.ts). */
  readonly admin: ClusterAdminRequests;
}

export interface ClusterNodeOptions {
  config: ClusterConfig;
  brokerId: number;
  topics: TopicRegistry;
  logger: Logger;
  /** The broker's data directory and filesystem (the high-watermark checkpoint lives there). */
  dataDir: string;
  fs: StorageFs;
  /** Wakes consumers' long polls on a partition (its high watermark moved). */
  notify(topic: string, partition: number): void;
  /** The log of an internal topic's partition (`__consumer_offsets`), kept by the broker's services. */
  internalLog(topic: string, partition: number): PartitionLog | undefined;
  /** The group coordinator: it serves on the leader of `__consumer_offsets` (coordinator-handover.ts). */
  groupCoordinator: HandedOverCoordinator;
  /** The transaction coordinator: it serves on the leader of `__transaction_state` (coordinator-handover.ts). */
  transactionCoordinator?: HandedOverCoordinator;
}

export class ClusterNode implements ClusterView {
  readonly brokerId: number;
  readonly #config: ClusterConfig;
  readonly #topics: TopicRegistry;
  readonly #logger: Logger;
  readonly #etcd: EtcdClient;
  readonly #keys: ClusterKeys;
  readonly #cache: ClusterMetadataCache;
  readonly #controller: Controller;
  #registration: BrokerRegistration | undefined;
  #replicas: ReplicaManager | undefined;
  #groupHandover: CoordinatorHandover | undefined;
  #txnHandover: CoordinatorHandover | undefined;
  readonly #options: ClusterNodeOptions;
  #localTopics: LocalTopics | undefined;
  readonly #waiters = new Set<() => void>();
  readonly admin: ClusterAdminRequests;

  constructor(options: ClusterNodeOptions) {
    this.brokerId = options.brokerId;
    this.#options = options;
    this.#config = options.config;
    this.#topics = options.topics;
    this.#logger = options.logger;
    this.#etcd = new EtcdClient({
      endpoints: this.#config.endpoints,
      requestTimeoutMs: this.#config.etcdRequestTimeoutMs,
      onReachability: (change) => this.#onEtcdReachability(change),
    });
    this.#keys = new ClusterKeys(this.#config.name);
    this.#cache = new ClusterMetadataCache({ etcd: this.#etcd, keys: this.#keys, logger: this.#logger });
    this.admin = new ClusterAdminRequests({
      etcd: this.#etcd,
      keys: this.#keys,
      cache: this.#cache,
      until: (condition, ms) => this.#until(condition, ms),
    });
    this.#controller = new Controller({
      brokerId: this.brokerId,
      etcd: this.#etcd,
      keys: this.#keys,
      cache: this.#cache,
      logger: this.#logger.child({ component: 'controller' }),
      lease: () => this.#registration?.lease,
      ...(this.#config.autoLeaderRebalance
        ? {
            rebalance: {
              intervalMs: this.#config.leaderImbalanceCheckIntervalMs,
              maxImbalancePercent: this.#config.leaderImbalancePerBrokerPercent,
            },
          }
        : {}),
    });
    this.#cache.onChange(() => {
      this.#controller.poke();
      void this.#localTopics?.sync();
      this.#replicas?.refresh();
      this.#groupHandover?.check();
      this.#txnHandover?.check();
      for (const wake of this.#waiters) wake();
    });
  }

  /**
   * An etcd outage, said once when it begins and once when it ends (every retry under it logs at debug).
   * Meanwhile the broker keeps the leaderships it holds while its lease is certainly alive, and nothing in
   * the cluster changes: the controller and the leaders' ISR changes both write through etcd.
   */
  #onEtcdReachability(change: EtcdReachability): void {
    if (change.reachable) {
      this.#logger.info({ unreachableMs: change.downForMs }, 'etcd is reachable again');
      return;
    }
    this.#logger.error(
      {
        err: change.error.message,
        endpoints: this.#config.endpoints,
        leaseValidForMs: this.#registration?.validForMs ?? 0,
      },
      'etcd is unreachable: keeping the leaderships this broker holds while its lease lasts; no leadership or ISR changes until etcd answers',
    );
  }

  get replication(): ReplicationView | undefined {
    return this.#replicas;
  }

  get defaultReplicationFactor(): number {
    return this.#config.defaultReplicationFactor;
  }

  /** Reads the cluster's metadata, then registers this broker (with the addresses it serves) and campaigns for controller. */
  async start(record: Omit<BrokerRecord, 'id'>): Promise<void> {
    this.#localTopics = await LocalTopics.open({
      topics: this.#topics,
      cache: this.#cache,
      logger: this.#logger,
      fs: this.#options.fs,
      dataDir: this.#options.dataDir,
      synced: () => {
        this.#replicas?.refresh();
        for (const wake of this.#waiters) wake();
      },
    });
    this.#replicas = await ReplicaManager.open({
      brokerId: this.brokerId,
      config: this.#config,
      cache: this.#cache,
      topics: this.#topics,
      logger: this.#logger.child({ component: 'replication' }),
      fs: this.#options.fs,
      dataDir: this.#options.dataDir,
      notify: this.#options.notify,
      internalLog: this.#options.internalLog,
      alterIsr: (topic, partition, leaderEpoch, isr) => this.#alterIsr(topic, partition, leaderEpoch, isr),
      leaseValid: () => this.#registration?.valid === true,
    });
    await this.#cache.start();
    this.#registration = new BrokerRegistration({
      etcd: this.#etcd,
      keys: this.#keys,
      record: { id: this.brokerId, ...record },
      sessionTimeoutMs: this.#config.sessionTimeoutMs,
      logger: this.#logger,
      onLost: () => {},
      onLapsed: () => this.#replicas?.leaseLapsed(),
      onRegistered: () => this.#controller.poke(),
    });
    await this.#registration.register();
    // Started means this broker sees itself live: a request right after the start (CreateTopics counting
    // the live brokers) must not meet a cache the watch has not told of its own registration yet.
    await this.#until(() => this.#cache.isAlive(this.brokerId), this.#config.etcdRequestTimeoutMs);
    this.#groupHandover = new CoordinatorHandover({
      topic: OFFSETS_TOPIC,
      partition: 0,
      coordinator: this.#options.groupCoordinator,
      isLeader: () => this.isLeader(OFFSETS_TOPIC, 0),
      logger: this.#logger.child({ component: 'group-handover' }),
    });
    const transactions = this.#options.transactionCoordinator;
    if (transactions)
      this.#txnHandover = new CoordinatorHandover({
        topic: TRANSACTION_STATE_TOPIC,
        partition: 0,
        coordinator: transactions,
        isLeader: () => this.isLeader(TRANSACTION_STATE_TOPIC, 0),
        logger: this.#logger.child({ component: 'txn-handover' }),
      });
    await this.#declareInternalTopic(OFFSETS_TOPIC);
    if (transactions) await this.#declareInternalTopic(TRANSACTION_STATE_TOPIC);
    this.#groupHandover.check();
    this.#txnHandover?.check();
  }

  /**
   * `__consumer_offsets` or `__transaction_state` as a cluster topic (one partition,
   * offsetsTopicReplicationFactor replicas, compacted): written once by whichever broker comes first; the
   * controller places it once that many brokers are live (until then groups and transactional producers
   * get COORDINATOR_NOT_AVAILABLE, as in Kafka).
   */
  async #declareInternalTopic(topic: string): Promise<void> {
    const key = this.#keys.topic(topic);
    const spec: TopicSpec = {
      partitions: 1,
      replicationFactor: this.#config.offsetsTopicReplicationFactor,
      configs: { 'cleanup.policy': 'compact' },
    };
    const written = await this.#etcd.compareAndSwap([{ key, modRevision: 0 }], [{ key, value: JSON.stringify(spec) }]);
    if (written.succeeded)
      this.#logger.info({ topic, replicationFactor: spec.replicationFactor }, 'declared the cluster topic');
  }

  /**
   * Leaves the cluster: first a controlled shutdown (leaderships moved to other in-sync replicas while this
   * broker still serves, so producers see NOT_LEADER and move on), then the lease is revoked.
   */
  async stop(): Promise<void> {
    await this.#controlledShutdown();
    this.#controller.close();
    await this.#groupHandover?.close();
    await this.#txnHandover?.close();
    await this.#replicas?.close();
    await this.#registration?.close();
    this.#cache.close();
    for (const wake of this.#waiters) wake();
  }

  brokers(): BrokerRecord[] {
    return this.#cache.brokers();
  }

  /**
   * Kafka's controlled shutdown, through etcd: `/shutting-down/<id>` (tied to this broker's lease) tells the
   * controller, which moves every leadership this broker holds to another eligible ISR member and takes it
   * out of the ISRs where others can stand in (leader-election.ts). Waits until the metadata shows that done,
   * or controlledShutdownTimeoutMs; what could not move moves when the lease goes.
   */
  async #controlledShutdown(): Promise<void> {
    const timeoutMs = this.#config.controlledShutdownTimeoutMs;
    const lease = this.#registration?.lease;
    if (timeoutMs === 0 || !lease || !this.#registration?.valid || !this.#holdsMovable()) return;
    const started = performance.now();
    try {
      await this.#etcd.put(this.#keys.shutdown(this.brokerId), JSON.stringify({ brokerId: this.brokerId }), lease);
    } catch (error) {
      this.#logger.warn({ err: error }, 'cannot ask for a controlled shutdown; leaving without it');
      return;
    }
    await this.#until(() => !this.#holdsMovable() || this.#registration?.valid !== true, timeoutMs);
    const moved = !this.#holdsMovable();
    this.#logger[moved ? 'info' : 'warn'](
      { ms: Math.round(performance.now() - started) },
      moved
        ? 'controlled shutdown: leaderships moved to other in-sync replicas'
        : 'controlled shutdown timed out: the remaining leaderships move when the lease goes',
    );
  }

  /** Whether this broker leads, or is in the ISR of, a partition where another eligible ISR member could stand in. */
  #holdsMovable(): boolean {
    const cache = this.#cache;
    const self = this.brokerId;
    for (const [topic, { value: spec }] of cache.topics()) {
      for (let p = 0; p < spec.partitions; p++) {
        const state = cache.partition(topic, p)?.value;
        if (!state?.isr.includes(self)) continue;
        if (state.isr.some((id) => id !== self && cache.isEligible(id))) return true;
      }
    }
    return false;
  }

  get controllerId(): number {
    return this.#cache.controller?.value.brokerId ?? -1;
  }

  partition(topic: string, partition: number): PartitionState | undefined {
    return this.#cache.partition(topic, partition)?.value;
  }

  isLeader(topic: string, partition: number): boolean {
    return (
      this.#cache.partition(topic, partition)?.value.leader === this.brokerId && this.#registration?.valid === true
    );
  }

  async createTopic(name: string, spec: TopicSpec, options: { waitMs: number }): Promise<void> {
    if (this.#cache.topic(name)?.value.deleting)
      throw new TopicError('exists', `topic "${name}" is being deleted in the cluster; retry later`);
    const live = this.#cache.brokers().length;
    if (spec.replicationFactor > live)
      throw new ReplicationFactorError(
        `replication factor ${spec.replicationFactor} is larger than the ${live} live broker${live === 1 ? '' : 's'}`,
      );
    const key = this.#keys.topic(name);
    const written = await this.#etcd.compareAndSwap([{ key, modRevision: 0 }], [{ key, value: JSON.stringify(spec) }]);
    if (!written.succeeded) throw new TopicError('exists', `topic "${name}" already exists`);
    await this.#until(() => this.#placed(name, spec.partitions), options.waitMs);
  }

  async alterTopic(name: string, change: (spec: TopicSpec) => TopicSpec, options: { waitMs: number }): Promise<void> {
    const key = this.#keys.topic(name);
    let next: TopicSpec | undefined;
    for (let attempt = 0; !next; attempt++) {
      const kv = await this.#etcd.get(key);
      const spec = kv ? parseTopicSpec(kv.value) : undefined;
      if (!kv || !spec || spec.deleting) throw new TopicError('unknown-topic', `topic "${name}" does not exist`);
      const wanted = change(spec);
      const written = await this.#etcd.compareAndSwap(
        [{ key, modRevision: kv.modRevision }],
        [{ key, value: JSON.stringify(wanted) }],
      );
      if (written.succeeded) next = wanted;
      else if (attempt >= 10) throw new EtcdError(`topic "${name}" kept changing under this change`, true);
    }
    const applied = next;
    await this.#until(() => {
      const local = this.#topics.get(name);
      return (
        local !== undefined && local.partitions >= applied.partitions && sameConfigs(local.configs, applied.configs)
      );
    }, options.waitMs);
  }

  async deleteTopic(name: string, options: { waitMs: number }): Promise<void> {
    const key = this.#keys.topic(name);
    const kv = await this.#etcd.get(key);
    const spec = kv ? parseTopicSpec(kv.value) : undefined;
    if (!kv || !spec || spec.deleting) throw new TopicError('unknown-topic', `topic "${name}" does not exist`);
    const marked = await this.#etcd.compareAndSwap(
      [{ key, modRevision: kv.modRevision }],
      [{ key, value: JSON.stringify({ ...spec, deleting: true }) }],
    );
    if (!marked.succeeded) throw new TopicError('unknown-topic', `topic "${name}" changed or went while deleting it`);
    await this.#until(() => !this.#topics.get(name) && !this.#cache.topic(name), options.waitMs);
  }

  #placed(name: string, partitions: number): boolean {
    if (!this.#topics.get(name)) return false;
    for (let p = 0; p < partitions; p++) if ((this.#cache.partition(name, p)?.value.leader ?? -1) < 0) return false;
    return true;
  }

  /** Resolves when `condition` holds after a cache change (or a local topic creation), or after `ms`. */
  #until(condition: () => boolean, ms: number): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const check = () => {
        if (condition()) done();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(check);
    });
  }

  /**
   * The leader's ISR change (Kafka's AlterPartition): written only while this broker leads the partition
   * under `leaderEpoch` as last read, with a compare-and-swap on that read's revision, so a controller's
   * election (or another change) in between makes it fail; the watch then brings the state that won.
   */
  async #alterIsr(topic: string, partition: number, leaderEpoch: number, isr: number[]): Promise<boolean> {
    const current = this.#cache.partition(topic, partition);
    if (!current || current.value.leader !== this.brokerId || current.value.leaderEpoch !== leaderEpoch) return false;
    if (!isr.includes(this.brokerId)) return false;
    const key = this.#keys.partition(topic, partition);
    const next: PartitionState = { ...current.value, isr };
    const written = await this.#etcd.compareAndSwap(
      [{ key, modRevision: current.modRevision }],
      [{ key, value: JSON.stringify(next) }],
    );
    return written.succeeded;
  }
}

/** CreateTopics asked for more replicas than there are live brokers (INVALID_REPLICATION_FACTOR). */
export class ReplicationFactorError extends Error {
  override name = 'ReplicationFactorError';
}

function sameConfigs(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
