// The kafkajs-shaped admin client: topics, metadata, offsets and configs. Every call runs inside the
// retrier; metadata is refreshed when a call fails because it was stale.
import { AlterConfigsApi } from '../protocol/apis/alter-configs.js';
import { CreateTopicsApi } from '../protocol/apis/create-topics.js';
import { DeleteTopicsApi } from '../protocol/apis/delete-topics.js';
import {
  DescribeConfigsApi,
  type ConfigSource as WireConfigSource,
  type ResourceType,
} from '../protocol/apis/describe-configs.js';
import { ErrorCode } from '../protocol/errors.js';
import { AdminGroups } from './admin-groups.js';
import { Cluster, needsMetadataRefresh, type ClusterOptions, type PartitionInfo } from './cluster.js';
import { SluiceNonRetriableError, SluiceProtocolError } from './errors.js';
import { InstrumentationEmitter, type InstrumentationEvent } from './instrumentation.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets, offsetKey } from './list-offsets.js';
import type { Logger } from './logger.js';
import { createRetry, type Retrier, type RetryOptions } from './retry.js';

/** kafkajs's numbers (Kafka's resource type ids). */
export enum ConfigResourceTypes {
  UNKNOWN = 0,
  TOPIC = 2,
  BROKER = 4,
  BROKER_LOGGER = 8,
}

export enum ConfigSource {
  UNKNOWN = 0,
  TOPIC_CONFIG = 1,
  DYNAMIC_BROKER_CONFIG = 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG = 3,
  STATIC_BROKER_CONFIG = 4,
  DEFAULT_CONFIG = 5,
  DYNAMIC_BROKER_LOGGER_CONFIG = 6,
}

export interface IResourceConfigEntry {
  name: string;
  value: string | null;
}
export interface ITopicConfig {
  topic: string;
  numPartitions?: number;
  replicationFactor?: number;
  configEntries?: IResourceConfigEntry[];
}
export interface ResourceConfigQuery {
  type: ConfigResourceTypes;
  name: string;
  configNames?: string[];
}
export interface IResourceConfig {
  type: ConfigResourceTypes;
  name: string;
  configEntries: IResourceConfigEntry[];
}
export interface ConfigEntries {
  configName: string;
  configValue: string | null;
  isDefault: boolean;
  configSource: ConfigSource;
  isSensitive: boolean;
  readOnly: boolean;
  configSynonyms: Array<{ configName: string; configValue: string | null; configSource: ConfigSource }>;
}
export interface DescribeConfigResponse {
  resources: Array<{
    configEntries: ConfigEntries[];
    errorCode: number;
    errorMessage: string;
    resourceName: string;
    resourceType: ConfigResourceTypes;
  }>;
  throttleTime: number;
}
export interface AlterConfigsResponse {
  resources: Array<{
    errorCode: number;
    errorMessage: string;
    resourceName: string;
    resourceType: ConfigResourceTypes;
  }>;
  throttleTime: number;
}
export interface AdminConfig {
  retry?: RetryOptions;
}

export const AdminEvents = { CONNECT: 'admin.connect', DISCONNECT: 'admin.disconnect' } as const;
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

  constructor(
    clusterOptions: ClusterOptions,
    config: AdminConfig,
    retry: RetryOptions | undefined,
    private readonly log: Logger,
  ) {
    this.cluster = new Cluster({ ...clusterOptions, allowAutoTopicCreation: false });
    this.retrier = createRetry({ ...retry, ...config.retry });
    this.emitter = new InstrumentationEmitter(Object.values(AdminEvents), log);
    this.groups = new AdminGroups(this.cluster, (fn) => this.run(fn));
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
    const { topics, validateOnly = false, timeout = 5000, waitForLeaders = true } = options;
    if (!Array.isArray(topics) || topics.length === 0)
      throw new SluiceNonRetriableError('createTopics needs a non-empty topics array');
    const response = await this.run(async () =>
      (await this.cluster.anyConnection()).send(CreateTopicsApi, {
        topics: topics.map((t) => ({
          name: t.topic,
          numPartitions: t.numPartitions ?? -1,
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
    const { topics, timeout = 5000 } = options;
    if (!Array.isArray(topics) || topics.length === 0)
      throw new SluiceNonRetriableError('deleteTopics needs a non-empty topics array');
    const response = await this.run(async () =>
      (await this.cluster.anyConnection()).send(DeleteTopicsApi, { topics, timeoutMs: timeout }),
    );
    for (const name of topics) this.cluster.forgetTopic(name);
    const failed = response.topics.find((t) => t.errorCode !== 0);
    if (failed) throw topicError(failed);
  }

  async listTopics(): Promise<string[]> {
    const response = await this.run(() => this.cluster.fetchMetadata(null));
    return response.topics.map((t) => t.name);
  }

  async fetchTopicMetadata(
    options: { topics?: string[] } = {},
  ): Promise<{ topics: Array<{ name: string; partitions: PartitionInfo[] }> }> {
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

  /** Per partition: high watermark as `offset` and `high`, log start as `low` (strings, as kafkajs). */
  async fetchTopicOffsets(
    topic: string,
  ): Promise<Array<{ partition: number; offset: string; high: string; low: string }>> {
    return this.run(async () => {
      const partitions = await this.partitionsOf(topic);
      const [high, low] = await Promise.all([
        listOffsets(
          this.cluster,
          partitions.map((partition) => ({ topic, partition, timestamp: LATEST_TIMESTAMP })),
        ),
        listOffsets(
          this.cluster,
          partitions.map((partition) => ({ topic, partition, timestamp: EARLIEST_TIMESTAMP })),
        ),
      ]);
      return partitions.map((partition) => {
        const h = String(high.get(offsetKey(topic, partition)));
        return { partition, offset: h, high: h, low: String(low.get(offsetKey(topic, partition))) };
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
        const offset = found.get(offsetKey(topic, partition))!;
        return { partition, offset: String(offset >= 0 ? offset : high.get(offsetKey(topic, partition))) };
      });
    });
  }

  listGroups(): ReturnType<AdminGroups['listGroups']> {
    return this.groups.listGroups();
  }

  describeGroups(groupIds: string[]): ReturnType<AdminGroups['describeGroups']> {
    return this.groups.describeGroups(groupIds);
  }

  fetchOffsets(options: Parameters<AdminGroups['fetchOffsets']>[0]): ReturnType<AdminGroups['fetchOffsets']> {
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
  if (failed)
    throw new SluiceProtocolError(
      failed.errorCode,
      failed.errorMessage ?? `${operation} failed for ${failed.type} ${failed.name}`,
    );
}

function resourceResult(r: WireResourceResult) {
  return {
    errorCode: r.errorCode,
    errorMessage: r.errorMessage ?? '',
    resourceName: r.name,
    resourceType: fromWireType(r.type),
  };
}

function topicError(t: { name: string; errorCode: number; errorMessage: string | null }): SluiceProtocolError {
  const error = new SluiceProtocolError(t.errorCode, t.errorMessage ? `${t.name}: ${t.errorMessage}` : undefined);
  return error;
}
