// The kafkajs-shaped admin client: topics, partitions, records, metadata, offsets and configs. Every call
// runs inside the retrier; metadata is refreshed when a call fails because it was stale. ACL methods are
// served by admin-acls.ts, partition reassignments and leader elections by admin-cluster-ops.ts.
import { AlterConfigsApi } from '../protocol/apis/alter-configs.js';
import { type ConfigOperation, IncrementalAlterConfigsApi } from '../protocol/apis/incremental-alter-configs.js';
import { CreatePartitionsApi } from '../protocol/apis/create-partitions.js';
import { CreateTopicsApi } from '../protocol/apis/create-topics.js';
import { DeleteTopicsApi } from '../protocol/apis/delete-topics.js';
import {
  DescribeConfigsApi,
  type ConfigSource as WireConfigSource,
  type ResourceType,
} from '../protocol/apis/describe-configs.js';
import { ErrorCode, errorInfo } from '../protocol/errors.js';
import type { AclEntry, AclFilter, DeleteAclResponse, DescribeAclResponse } from './acl.js';
import { createAcls, deleteAcls, describeAcls } from './admin-acls.js';
import {
  alterClientQuotas,
  type ClientQuotaAlteration,
  type ClientQuotaEntry,
  type ClientQuotaFilterComponent,
  describeClientQuotas,
} from './admin-quotas.js';
import {
  alterUserScramCredentials,
  describeUserScramCredentials,
  type ScramCredentialUpsertion,
  type UserScramCredentials,
} from './admin-users.js';
import { AdminGroups, type GroupOffsetPartition } from './admin-groups.js';
import {
  AdminTransactions,
  type ListTransactionsOptions,
  type TransactionDescription,
  type TransactionListing,
} from './admin-transactions.js';
import { AdminShareGroups } from './share/admin.js';
import { deleteTopicRecords } from './admin-records.js';
import {
  alterPartitionReassignments,
  type ElectionResult,
  electLeaders,
  listPartitionReassignments,
} from './admin-cluster-ops.js';
import {
  type AdminConfig,
  type AlterConfigsResponse,
  type ClusterDescription,
  ConfigResourceTypes,
  ConfigSource,
  type DescribeConfigResponse,
  type IResourceConfig,
  type ITopicConfig,
  type ITopicMetadata,
  type ITopicPartitionConfig,
  type ListPartitionReassignmentsResponse,
  type PartitionReassignment,
  type ResourceConfigQuery,
  type SeekEntry,
} from './admin-types.js';
import { Cluster, type ClusterOptions, needsMetadataRefresh } from './cluster.js';
import { aboutTopic } from './error-subject.js';
import type { TopicPartitions } from './consumer/types.js';
import { SluiceNonRetriableError, SluiceProtocolError } from './errors.js';
import { InstrumentationEmitter, type InstrumentationEvent } from './instrumentation.js';
import { EARLIEST_TIMESTAMP, type Isolation, LATEST_TIMESTAMP, listOffsets } from './list-offsets.js';
import type { Logger } from './logger.js';
import { networkEvents } from './network-events.js';
import { createRetry, type Retrier, type RetryOptions } from './retry.js';
import { topicPartitionKey } from './topic-partition.js';

/** kafkajs's default `timeout` of createTopics / deleteTopics / createPartitions (ms). */
const ADMIN_TIMEOUT_MS = 5000;
export const AdminEvents = {
  CONNECT: 'admin.connect',
  DISCONNECT: 'admin.disconnect',
  ...networkEvents('admin'),
} as const;
export type AdminEvents = typeof AdminEvents;
type AdminEventName = (typeof AdminEvents)[keyof typeof AdminEvents];

const toWireType = (type: ConfigResourceTypes): ResourceType => {
  if (type === ConfigResourceTypes.TOPIC) return 'topic';
  if (type === ConfigResourceTypes.BROKER) return 'broker';
  throw new SluiceNonRetriableError(`config resource type ${type} is not supported (TOPIC = 2, BROKER = 4)`);
};
const fromWireType = (type: ResourceType) =>
  type === 'topic' ? ConfigResourceTypes.TOPIC : ConfigResourceTypes.BROKER;
const SOURCES: Record<WireConfigSource, ConfigSource> = {
  topic: ConfigSource.TOPIC_CONFIG,
  broker: ConfigSource.STATIC_BROKER_CONFIG,
  default: ConfigSource.DEFAULT_CONFIG,
};

export class Admin {
  readonly events = AdminEvents;
  private readonly cluster: Cluster;
  private readonly retrier: Retrier;
  private readonly emitter: InstrumentationEmitter<AdminEventName>;
  /** Consumer-group calls (admin-groups.ts). */
  private readonly groups: AdminGroups;
  /** Share-group calls (share/admin.ts). */
  private readonly shareGroups: AdminShareGroups;
  /** Transaction calls (admin-transactions.ts). */
  private readonly transactions: AdminTransactions;

  constructor(
    clusterOptions: ClusterOptions,
    config: AdminConfig,
    retry: RetryOptions | undefined,
    private readonly log: Logger,
  ) {
    this.cluster = new Cluster({ ...clusterOptions, allowAutoTopicCreation: false });
    this.retrier = createRetry({ ...retry, ...config.retry });
    this.emitter = new InstrumentationEmitter(Object.values(AdminEvents), log, clusterOptions.network);
    this.groups = new AdminGroups(this.cluster, (fn) => this.run(fn));
    this.shareGroups = new AdminShareGroups(this.cluster, (fn) => this.run(fn));
    this.transactions = new AdminTransactions(this.cluster, (fn) => this.run(fn));
  }

  logger(): Logger {
    return this.log;
  }

  on(eventName: AdminEventName, listener: (event: InstrumentationEvent<any>) => void): () => void {
    return this.emitter.on(eventName, listener);
  }

  async connect(): Promise<void> {
    await this.retrier(() => this.cluster.connect());
    this.emitter.emit(AdminEvents.CONNECT, null);
  }

  async disconnect(): Promise<void> {
    await this.cluster.disconnect();
    this.emitter.emit(AdminEvents.DISCONNECT, null);
  }

  /** Runs `fn` with retries; stale metadata is refreshed before the next attempt. */
  private run<T>(fn: () => Promise<T>): Promise<T> {
    return this.retrier(async () => {
      try {
        return await fn();
      } catch (err) {
        if (needsMetadataRefresh(err)) this.cluster.markStale();
        throw err;
      }
    });
  }

  /** true when created; false when every topic already existed (kafkajs semantics). */
  async createTopics(options: {
    topics: ITopicConfig[];
    validateOnly?: boolean;
    timeout?: number;
    waitForLeaders?: boolean;
  }): Promise<boolean> {
    const { topics, validateOnly = false, timeout = ADMIN_TIMEOUT_MS, waitForLeaders = true } = options;
    if (!Array.isArray(topics) || topics.length === 0)
      throw new SluiceNonRetriableError('createTopics needs a non-empty topics array');
    const response = await this.run(async () =>
      (await this.cluster.anyConnection()).send(CreateTopicsApi, {
        topics: topics.map((t) => ({
          name: t.topic,
          numPartitions: partitionsOf(t),
          replicationFactor: t.replicationFactor ?? -1,
          configs: Object.fromEntries((t.configEntries ?? []).map((e) => [e.name, String(e.value)])),
        })),
        timeoutMs: timeout,
        validateOnly,
      }),
    );
    const failed = response.topics.filter((t) => t.errorCode !== 0 && t.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS);
    if (failed.length > 0) throw topicError(failed[0]!);
    const created = response.topics.filter((t) => t.errorCode === 0).map((t) => t.name);
    if (created.length > 0 && waitForLeaders && !validateOnly) {
      await this.run(async () => {
        this.cluster.markStale();
        await this.cluster.addTargetTopics(created);
        for (const name of created) {
          for (const p of this.cluster.topicMetadata(name)!.partitions) this.cluster.leaderOf(name, p.partitionId);
        }
      });
    }
    return created.length > 0;
  }

  async deleteTopics(options: { topics: string[]; timeout?: number }): Promise<void> {
    const { topics, timeout = ADMIN_TIMEOUT_MS } = options;
    if (!Array.isArray(topics) || topics.length === 0)
      throw new SluiceNonRetriableError('deleteTopics needs a non-empty topics array');
    const response = await this.run(async () =>
      (await this.cluster.anyConnection()).send(DeleteTopicsApi, { topics, timeoutMs: timeout }),
    );
    for (const name of topics) this.cluster.forgetTopic(name);
    const failed = response.topics.find((t) => t.errorCode !== 0);
    if (failed) throw topicError(failed);
  }

  /**
   * Raises partition counts (`count` is the new total per topic). Resolves true; rejects with the first
   * topic's error (KafkaJSProtocolError: INVALID_PARTITIONS, UNKNOWN_TOPIC_OR_PARTITION, …).
   */
  async createPartitions(options: {
    topicPartitions: ITopicPartitionConfig[];
    validateOnly?: boolean;
    timeout?: number;
  }): Promise<boolean> {
    const { topicPartitions, validateOnly = false, timeout = ADMIN_TIMEOUT_MS } = options ?? ({} as typeof options);
    if (!Array.isArray(topicPartitions))
      throw new SluiceNonRetriableError(`Invalid topic partitions array ${topicPartitions}`);
    if (topicPartitions.length === 0) throw new SluiceNonRetriableError('Empty topic partitions array');
    if (topicPartitions.some((t) => typeof t?.topic !== 'string'))
      throw new SluiceNonRetriableError('Invalid topic partitions array, the topic names have to be a valid string');
    if (new Set(topicPartitions.map((t) => t.topic)).size < topicPartitions.length)
      throw new SluiceNonRetriableError(
        'Invalid topic partitions array, it cannot have multiple entries for the same topic',
      );
    const response = await this.run(async () =>
      (await this.cluster.anyConnection()).send(CreatePartitionsApi, {
        topics: topicPartitions.map((t) => ({ name: t.topic, count: t.count, assignments: t.assignments ?? null })),
        timeoutMs: timeout,
        validateOnly,
      }),
    );
    this.cluster.markStale();
    const failed = response.topics.find((t) => t.errorCode !== 0);
    if (failed) throw topicError(failed);
    return true;
  }

  /** The brokers, the controller and the cluster id (kafkajs's shape). */
  async describeCluster(): Promise<ClusterDescription> {
    const response = await this.run(() => this.cluster.fetchMetadata([]));
    return {
      brokers: response.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port })),
      controller: response.controllerId < 0 ? null : response.controllerId,
      clusterId: response.clusterId,
    };
  }

  /**
   * Deletes every record below `offset` in each partition ('-1': all readable records). Rejects with
   * KafkaJSDeleteTopicRecordsError listing the partitions that failed.
   */
  deleteTopicRecords(options: { topic: string; partitions: SeekEntry[] }): Promise<void> {
    return deleteTopicRecords(this.cluster, (fn) => this.run(fn), this.log, options);
  }

  /** Adds ACLs (kafkajs's entries); rejects with the first refusal (CLUSTER_AUTHORIZATION_FAILED without Alter on the cluster). */
  createAcls(options: { acl: AclEntry[] }): Promise<boolean> {
    return createAcls(this.cluster, (fn) => this.run(fn), options);
  }

  /** The ACLs one filter matches (ANY fields match everything; MATCH patterns every pattern covering the name). */
  describeAcls(options: AclFilter): Promise<DescribeAclResponse> {
    return describeAcls(this.cluster, (fn) => this.run(fn), options);
  }

  /** Removes what each filter matches; per filter, the ACLs removed. */
  deleteAcls(options: { filters: AclFilter[] }): Promise<DeleteAclResponse> {
    return deleteAcls(this.cluster, (fn) => this.run(fn), options);
  }

  /** Client quotas matching the filter (every one without components); DescribeConfigs on the cluster needed. */
  describeClientQuotas(
    options: { components?: ClientQuotaFilterComponent[]; strict?: boolean } = {},
  ): Promise<ClientQuotaEntry[]> {
    return describeClientQuotas(this.cluster, (fn) => this.run(fn), options);
  }

  /** Sets or removes client quotas; rejects with the first refusal. Alter on the cluster needed. */
  alterClientQuotas(options: { entries: ClientQuotaAlteration[]; validateOnly?: boolean }): Promise<void> {
    return alterClientQuotas(this.cluster, (fn) => this.run(fn), options);
  }

  /** SCRAM users (every one, or those named) with their mechanisms and iterations; Describe on the cluster needed. */
  describeUserScramCredentials(users?: string[]): Promise<UserScramCredentials[]> {
    return describeUserScramCredentials(this.cluster, (fn) => this.run(fn), users);
  }

  /**
   * Sets (a new password, salted here: only Hi(password, salt, i) is sent) or removes users' SCRAM
   * credentials; takes effect at the next login, no restart. Alter on the cluster needed.
   */
  alterUserScramCredentials(options: {
    upsertions?: ScramCredentialUpsertion[];
    deletions?: Array<{ user: string; mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512' }>;
  }): Promise<void> {
    return alterUserScramCredentials(this.cluster, (fn) => this.run(fn), options);
  }

  /**
   * kafkajs's alterPartitionReassignments: each partition moves to `replicas` (cluster mode; the new
   * replicas catch up, then the old ones leave), `replicas: null` cancels a reassignment under way.
   * Resolves once the cluster has the request; Sluice: `throttleBytesPerSecond` caps the catch-up.
   */
  alterPartitionReassignments(request: {
    topics: PartitionReassignment[];
    timeout?: number;
    throttleBytesPerSecond?: number;
  }): Promise<void> {
    return alterPartitionReassignments(this.cluster, (fn) => this.run(fn), request);
  }

  /** kafkajs's listPartitionReassignments: the reassignments under way (of the partitions named, else all). */
  listPartitionReassignments(
    request: { topics?: TopicPartitions[] | null; timeout?: number } = {},
  ): Promise<ListPartitionReassignmentsResponse> {
    return listPartitionReassignments(this.cluster, (fn) => this.run(fn), request);
  }

  /**
   * Sluice (Kafka's ElectLeaders; kafkajs has none): preferred (default) or unclean leader election of the
   * partitions named, or of every partition. Resolves with each partition's result: errorCode 0 elected now,
   * else ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE, … Alter on the
   * cluster needed.
   */
  electLeaders(
    request: {
      electionType?: 'preferred' | 'unclean';
      topicPartitions?: TopicPartitions[] | null;
      timeout?: number;
    } = {},
  ): Promise<ElectionResult[]> {
    return electLeaders(this.cluster, (fn) => this.run(fn), request);
  }

  /** Topic names; Sluice: `includeInternal` adds the broker's internal topics (`__consumer_offsets`). */
  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    const response = await this.run(() => this.cluster.fetchMetadata(null, false, options.includeInternal === true));
    return response.topics.map((t) => t.name);
  }

  async fetchTopicMetadata(options: { topics?: string[] } = {}): Promise<{ topics: ITopicMetadata[] }> {
    const topics = options.topics && options.topics.length > 0 ? options.topics : null;
    const response = await this.run(async () => {
      const r = await this.cluster.fetchMetadata(topics);
      const failed = r.topics.find((t) => t.errorCode !== 0);
      if (failed) throw topicError(failed);
      return r;
    });
    return {
      topics: response.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions
          .map((p) => ({
            partitionErrorCode: p.errorCode,
            partitionId: p.partition,
            leader: p.leader,
            replicas: p.replicas,
            isr: p.isr,
            offlineReplicas: [],
          }))
          .sort((a, b) => a.partitionId - b.partitionId),
      })),
    };
  }

  /**
   * Per partition: the end as `offset` and `high`, log start as `low` (strings, as kafkajs). The end is the
   * last stable offset (below any open transaction; the high watermark when none is open), as kafkajs asks
   * with read_committed. A Sluice option: `isolation: 'read_uncommitted'` gives the high watermark itself.
   */
  async fetchTopicOffsets(
    topic: string,
    options: { isolation?: Isolation } = {},
  ): Promise<Array<{ partition: number; offset: string; high: string; low: string }>> {
    const isolation = options.isolation ?? 'read_committed';
    return this.run(async () => {
      const partitions = await this.partitionsOf(topic);
      const [high, low] = await Promise.all([
        listOffsets(
          this.cluster,
          partitions.map((partition) => ({ topic, partition, timestamp: LATEST_TIMESTAMP })),
          isolation,
        ),
        listOffsets(
          this.cluster,
          partitions.map((partition) => ({ topic, partition, timestamp: EARLIEST_TIMESTAMP })),
        ),
      ]);
      return partitions.map((partition) => {
        const h = String(high.get(topicPartitionKey(topic, partition)));
        return { partition, offset: h, high: h, low: String(low.get(topicPartitionKey(topic, partition))) };
      });
    });
  }

  /** First offset at or after `timestamp` per partition; the high watermark where no record is that recent. */
  async fetchTopicOffsetsByTimestamp(
    topic: string,
    timestamp?: number,
  ): Promise<Array<{ partition: number; offset: string }>> {
    return this.run(async () => {
      const partitions = await this.partitionsOf(topic);
      const ts = timestamp ?? LATEST_TIMESTAMP;
      const [found, high] = await Promise.all([
        listOffsets(
          this.cluster,
          partitions.map((partition) => ({ topic, partition, timestamp: ts })),
        ),
        listOffsets(
          this.cluster,
          partitions.map((partition) => ({ topic, partition, timestamp: LATEST_TIMESTAMP })),
        ),
      ]);
      return partitions.map((partition) => {
        const offset = found.get(topicPartitionKey(topic, partition))!;
        return { partition, offset: String(offset >= 0 ? offset : high.get(topicPartitionKey(topic, partition))) };
      });
    });
  }

  /** The transactional ids the coordinators know, filtered (Kafka's AdminClient.listTransactions). */
  listTransactions(options?: ListTransactionsOptions): Promise<{ transactions: TransactionListing[] }> {
    return this.transactions.listTransactions(options);
  }

  /** Each transactional id's state (Kafka's AdminClient.describeTransactions); errors per id. */
  describeTransactions(transactionalIds: string[]): Promise<{ transactions: TransactionDescription[] }> {
    return this.transactions.describeTransactions(transactionalIds);
  }

  listGroups(): ReturnType<AdminGroups['listGroups']> {
    return this.groups.listGroups();
  }

  describeGroups(groupIds: string[]): ReturnType<AdminGroups['describeGroups']> {
    return this.groups.describeGroups(groupIds);
  }

  /** Committed offsets per topic (kafkajs 2); with `topic` instead of `topics`, kafkajs 1.x's flat list. */
  fetchOffsets(options: {
    groupId: string;
    topics?: string[];
    resolveOffsets?: boolean;
  }): Promise<Array<{ topic: string; partitions: GroupOffsetPartition[] }>>;
  fetchOffsets(options: { groupId: string; topic: string; resolveOffsets?: boolean }): Promise<GroupOffsetPartition[]>;
  fetchOffsets(options: Parameters<AdminGroups['fetchOffsets']>[0]): Promise<unknown> {
    return this.groups.fetchOffsets(options);
  }

  setOffsets(options: Parameters<AdminGroups['setOffsets']>[0]): Promise<void> {
    return this.groups.setOffsets(options);
  }

  resetOffsets(options: Parameters<AdminGroups['resetOffsets']>[0]): Promise<void> {
    return this.groups.resetOffsets(options);
  }

  deleteGroups(groupIds: string[]): ReturnType<AdminGroups['deleteGroups']> {
    return this.groups.deleteGroups(groupIds);
  }

  /** Sluice: lag per partition (log end − committed offset) and the group's total. */
  fetchGroupLag(options: Parameters<AdminGroups['fetchGroupLag']>[0]): ReturnType<AdminGroups['fetchGroupLag']> {
    return this.groups.fetchGroupLag(options);
  }
  /** Sluice: share groups (queues) with their state and member counts. */
  listShareGroups(): ReturnType<AdminShareGroups['listShareGroups']> {
    return this.shareGroups.listShareGroups();
  }

  /** Sluice: settings, members and per-partition queue state (available, acquired, waiting, delivery counts). */
  describeShareGroups(groupIds: string[]): ReturnType<AdminShareGroups['describeShareGroups']> {
    return this.shareGroups.describeShareGroups(groupIds);
  }

  /** Sluice: deletes share groups without members. */
  deleteShareGroups(groupIds: string[]): ReturnType<AdminShareGroups['deleteShareGroups']> {
    return this.shareGroups.deleteShareGroups(groupIds);
  }

  /** Sluice: moves a share group's start offset (earliest, latest, or by timestamp); the group must have no members. */
  resetShareGroupOffsets(
    options: Parameters<AdminShareGroups['resetShareGroupOffsets']>[0],
  ): ReturnType<AdminShareGroups['resetShareGroupOffsets']> {
    return this.shareGroups.resetShareGroupOffsets(options);
  }

  private async partitionsOf(topic: string): Promise<number[]> {
    await this.cluster.addTargetTopics([topic]);
    return this.cluster.topicMetadata(topic)!.partitions.map((p) => p.partitionId);
  }

  async describeConfigs(options: {
    resources: ResourceConfigQuery[];
    includeSynonyms?: boolean;
  }): Promise<DescribeConfigResponse> {
    const resources = options.resources.map((r) => ({
      type: toWireType(r.type),
      name: r.name,
      configNames: r.configNames && r.configNames.length > 0 ? r.configNames : null,
    }));
    const response = await this.run(async () =>
      (await this.cluster.anyConnection()).send(DescribeConfigsApi, { resources }),
    );
    throwFirstResourceError(response.resources, 'describeConfigs');
    return {
      throttleTime: 0,
      resources: response.resources.map((r) => ({
        ...resourceResult(r),
        configEntries: r.configs.map((c) => ({
          configName: c.name,
          configValue: c.value,
          readOnly: c.readOnly,
          isDefault: c.isDefault,
          configSource: SOURCES[c.source],
          isSensitive: c.isSensitive,
          configSynonyms: [],
        })),
      })),
    };
  }

  /**
   * Sets the named config keys of each resource. Keys not named keep their value (the wire's
   * incremental semantics; Kafka's legacy AlterConfigs would reset them). A null value restores the default.
   */
  async alterConfigs(options: { validateOnly?: boolean; resources: IResourceConfig[] }): Promise<AlterConfigsResponse> {
    const resources = options.resources.map((r) => ({
      type: toWireType(r.type),
      name: r.name,
      configs: Object.fromEntries(r.configEntries.map((e) => [e.name, e.value === null ? null : String(e.value)])),
    }));
    const response = await this.run(async () =>
      (await this.cluster.anyConnection()).send(AlterConfigsApi, {
        resources,
        validateOnly: options.validateOnly ?? false,
      }),
    );
    throwFirstResourceError(response.resources, 'alterConfigs');
    return { throttleTime: 0, resources: response.resources.map(resourceResult) };
  }

  /**
   * Sluice (Kafka's IncrementalAlterConfigs; kafkajs has none): per config key an `operation`, 'SET' (the
   * default), 'DELETE' (back to the inherited value), 'APPEND' or 'SUBTRACT' (list-valued keys such as
   * cleanup.policy). Keys not named keep their value. Rejects with the first resource's error.
   */
  async incrementalAlterConfigs(options: {
    validateOnly?: boolean;
    resources: Array<{
      type: ConfigResourceTypes;
      name: string;
      configEntries: Array<{ name: string; operation?: IncrementalOperation; value?: string | number | null }>;
    }>;
  }): Promise<AlterConfigsResponse> {
    const resources = options.resources.map((r) => ({
      type: toWireType(r.type),
      name: r.name,
      configs: r.configEntries.map((e) => ({
        name: e.name,
        operation: operationOf(e.operation),
        value: e.value === null || e.value === undefined ? null : String(e.value),
      })),
    }));
    const response = await this.run(async () =>
      (await this.cluster.anyConnection()).send(IncrementalAlterConfigsApi, {
        resources,
        validateOnly: options.validateOnly ?? false,
      }),
    );
    throwFirstResourceError(response.resources, 'incrementalAlterConfigs');
    return { throttleTime: 0, resources: response.resources.map(resourceResult) };
  }
}

/** An operation of incrementalAlterConfigs, in Kafka's names (AlterConfigOp.OpType). */
export type IncrementalOperation = 'SET' | 'DELETE' | 'APPEND' | 'SUBTRACT';

function operationOf(operation: IncrementalOperation | undefined): ConfigOperation {
  const op = (operation ?? 'SET').toLowerCase();
  if (op === 'set' || op === 'delete' || op === 'append' || op === 'subtract') return op;
  throw new SluiceNonRetriableError(
    `incrementalAlterConfigs: operation is SET, DELETE, APPEND or SUBTRACT, not "${operation}"`,
  );
}

/**
 * The partition count CreateTopics gets: numPartitions, else the length of replicaAssignment (Kafka's rule),
 * whose replica sets must all be this broker ([0]).
 */
function partitionsOf(t: ITopicConfig): number {
  const assignment = t.replicaAssignment ?? [];
  const bad = assignment.find((a) => !Array.isArray(a?.replicas) || a.replicas.length !== 1 || a.replicas[0] !== 0);
  if (bad) {
    throw new SluiceProtocolError(
      'INVALID_REPLICA_ASSIGNMENT',
      `replicaAssignment ${JSON.stringify(bad)} of topic ${t.topic}: this single broker is node 0, so every partition's replicas must be [0]`,
    );
  }
  return t.numPartitions ?? (assignment.length > 0 ? assignment.length : -1);
}

interface WireResourceResult {
  type: 'topic' | 'broker';
  name: string;
  errorCode: number;
  errorMessage: string | null;
}

/** kafkajs rejects the whole call when any resource failed: the first failure becomes the error. */
function throwFirstResourceError(resources: readonly WireResourceResult[], operation: string): void {
  const failed = resources.find((r) => r.errorCode !== 0);
  if (!failed) return;
  // A topic's reason names the topic once (error-subject.ts); a broker's is the broker's own sentence.
  const message =
    failed.type === 'topic'
      ? aboutTopic(failed.name, failed.errorMessage ?? `${operation} failed`)
      : (failed.errorMessage ?? `${operation} failed for broker ${failed.name}`);
  throw new SluiceProtocolError(failed.errorCode, message);
}

function resourceResult(r: WireResourceResult) {
  return {
    errorCode: r.errorCode,
    errorMessage: r.errorMessage ?? '',
    resourceName: r.name,
    resourceType: fromWireType(r.type),
  };
}

/** A topic's error, naming the topic once (error-subject.ts), with the broker's reason or the code's. */
function topicError(t: { name: string; errorCode: number; errorMessage: string | null }): SluiceProtocolError {
  return new SluiceProtocolError(t.errorCode, aboutTopic(t.name, t.errorMessage || errorInfo(t.errorCode).message));
}
