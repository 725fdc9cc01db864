// The client's view of the cluster: seed brokers, the metadata cache (nodes, topics, partition leaders)
// and a pool of one Connection per broker address. Connections are opened lazily and replaced after they
// close, so "reconnect" is simply the next request on a fresh socket; callers wrap operations in the
// retrier, which supplies the exponential backoff with jitter between attempts.
//
// Metadata is refreshed on demand: when a topic is first used, and when an operation sees
// UNKNOWN_TOPIC_OR_PARTITION / NOT_LEADER_FOR_PARTITION / LEADER_NOT_AVAILABLE or a connection error
// (callers invoke `markStale()`); concurrent refreshes share one request.
import { type BrokerAddress, DEFAULT_BROKER_PORT, parseBrokerAddress } from './broker-address.js';
import { MetadataApi, type MetadataResponse } from '../protocol/apis/metadata.js';
import { ErrorCode, errorInfo } from '../protocol/errors.js';
import { isValidTopicName as followsTopicNameRule, TOPIC_NAME_RULE } from '../protocol/index.js';
import { Connection, type ConnectionOptions } from './connection.js';
import {
  KafkaJSBrokerNotFound,
  SluiceConnectionError,
  SluiceError,
  SluiceNonRetriableError,
  SluiceProtocolError,
} from './errors.js';
import type { Logger } from './logger.js';
import type { NetworkSource } from './network-events.js';

export interface ClusterOptions {
  brokers: string[] | (() => string[] | Promise<string[]>);
  clientId: string;
  connectionTimeout: number;
  requestTimeout: number;
  logger: Logger;
  maxFrameBytes?: number;
  /** Producer default true (kafkajs); consumer/admin false. */
  allowAutoTopicCreation?: boolean;
  /** Metadata older than this is refreshed before use. */
  metadataMaxAge?: number;
  /** The client these connections belong to, for the instrumentation channels (network-events.ts). */
  network?: NetworkSource;
  /** TLS (kafkajs's `ssl`) and SASL (kafkajs's `sasl`) of every connection. */
  ssl?: ConnectionOptions['ssl'];
  sasl?: ConnectionOptions['sasl'];
  reauthenticationThreshold?: number;
}

/** kafkajs's PartitionMetadata shape. */
export type PartitionInfo = {
  partitionErrorCode: number;
  partitionId: number;
  leader: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
};

export interface TopicInfo {
  name: string;
  /** Sorted by partitionId; index i is partition i. */
  partitions: PartitionInfo[];
}

/** Error codes after which cached metadata must not be trusted. */
export const STALE_METADATA_CODES: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.NOT_LEADER_FOR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
]);

export function needsMetadataRefresh(error: unknown): boolean {
  if (error instanceof SluiceConnectionError) return true;
  return error instanceof SluiceError && typeof error.code === 'number' && STALE_METADATA_CODES.has(error.code);
}

function isValidTopicName(topic: unknown): topic is string {
  return typeof topic === 'string' && followsTopicNameRule(topic);
}

/** A topic name Kafka's rule refuses: INVALID_TOPIC_EXCEPTION (not retriable), naming the topic and the rule. */
export function assertValidTopicName(topic: unknown): void {
  if (isValidTopicName(topic)) return;
  throw new SluiceProtocolError(
    'INVALID_TOPIC_EXCEPTION',
    `invalid topic name ${JSON.stringify(topic)}: a topic name is ${TOPIC_NAME_RULE}`,
  );
}

function seedAddress(address: string): BrokerAddress {
  const parsed = parseBrokerAddress(address, DEFAULT_BROKER_PORT);
  if (!parsed) throw new SluiceNonRetriableError(`invalid broker address "${address}" (expected host:port)`);
  return parsed;
}

/** kafkajs's default metadataMaxAge: metadata older than this is refreshed before use. */
const METADATA_MAX_AGE_MS = 300_000;

const WILDCARD_HOSTS = new Set(['', '0.0.0.0', '::', '[::]']);

export class Cluster {
  private readonly nodes = new Map<number, BrokerAddress>();
  private readonly topics = new Map<string, TopicInfo>();
  private readonly targetTopics = new Set<string>();
  /**
   * Topics the last Metadata answered with a non-retriable error (TOPIC_AUTHORIZATION_FAILED,
   * INVALID_TOPIC_EXCEPTION, …), with the broker's code and words: asking again cannot change the answer.
   */
  private readonly refusedTopics = new Map<string, { errorCode: number; errorMessage: string | null }>();
  private readonly connections = new Map<string, Connection>();
  /** Consumers' fetch connections (fetchConnection), apart from `connections`. */
  private readonly fetchConnections = new Map<string, Connection>();
  private refreshing: Promise<void> | null = null;
  private refreshedAt = 0;
  private stale = false;
  private connected = false;
  private seedHost = '127.0.0.1';

  constructor(readonly options: ClusterOptions) {}

  get logger(): Logger {
    return this.options.logger;
  }

  isConnected(): boolean {
    return this.connected;
  }

  async connect(): Promise<void> {
    await this.anyConnection();
    this.connected = true;
    await this.refreshMetadata();
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    for (const connection of this.connections.values()) connection.close();
    for (const connection of this.fetchConnections.values()) connection.close();
    this.connections.clear();
    this.fetchConnections.clear();
  }

  /** Closes the fetch connections only: parked long polls end, other requests carry on. */
  closeFetchConnections(): void {
    for (const connection of this.fetchConnections.values()) connection.close();
    this.fetchConnections.clear();
  }

  /** A ready connection to `host:port`, opening one when none is open. */
  async connectionTo(address: BrokerAddress): Promise<Connection> {
    return this.openIn(this.connections, address);
  }

  private async openIn(connections: Map<string, Connection>, address: BrokerAddress): Promise<Connection> {
    const key = `${address.host}:${address.port}`;
    let connection = connections.get(key);
    if (!connection || connection.isClosed) {
      connection = new Connection({
        host: address.host,
        port: address.port,
        clientId: this.options.clientId,
        connectionTimeout: this.options.connectionTimeout,
        requestTimeout: this.options.requestTimeout,
        logger: this.logger,
        maxFrameBytes: this.options.maxFrameBytes,
        network: this.options.network,
        ssl: this.options.ssl,
        sasl: this.options.sasl,
        reauthenticationThreshold: this.options.reauthenticationThreshold,
        onClose: (closed) => {
          if (connections.get(key) === closed) connections.delete(key);
        },
      });
      connections.set(key, connection);
    }
    await connection.connect();
    return connection;
  }

  /**
   * A connection of its own to `host:port` (not pooled: the caller closes it), with the client's network,
   * TLS and SASL settings, e.g. the group coordinator's blocking and control connections.
   */
  dedicatedConnection(
    address: BrokerAddress,
    settings: { connectionTimeout: number; requestTimeout: number; logger: Logger },
  ): Connection {
    return new Connection({
      host: address.host,
      port: address.port,
      clientId: this.options.clientId,
      connectionTimeout: settings.connectionTimeout,
      requestTimeout: settings.requestTimeout,
      logger: settings.logger,
      maxFrameBytes: this.options.maxFrameBytes,
      network: this.options.network,
      ssl: this.options.ssl,
      sasl: this.options.sasl,
      reauthenticationThreshold: this.options.reauthenticationThreshold,
    });
  }

  async nodeConnection(nodeId: number): Promise<Connection> {
    return this.connectionTo(this.addressOf(nodeId));
  }

  /**
   * The connection a consumer fetches from `nodeId` on, apart from every other request: a long poll waiting
   * there holds up no commit, heartbeat or metadata request, and closing it cancels only fetches.
   */
  async fetchConnection(nodeId: number): Promise<Connection> {
    return this.openIn(this.fetchConnections, this.addressOf(nodeId));
  }

  private addressOf(nodeId: number): BrokerAddress {
    const address = this.nodes.get(nodeId);
    if (!address) {
      this.stale = true;
      throw new KafkaJSBrokerNotFound(`broker node ${nodeId} is not in the cluster metadata`);
    }
    return address;
  }

  /** Any reachable broker: an open connection first, then known nodes, then the seed list. */
  async anyConnection(): Promise<Connection> {
    for (const connection of this.connections.values()) if (connection.isConnected()) return connection;
    const candidates: BrokerAddress[] = [...this.nodes.values()];
    const seeds = typeof this.options.brokers === 'function' ? await this.options.brokers() : this.options.brokers;
    for (const seed of seeds) candidates.push(seedAddress(seed));
    if (candidates.length === 0) throw new SluiceNonRetriableError('no brokers configured');
    let lastError: unknown;
    for (const address of candidates) {
      try {
        const connection = await this.connectionTo(address);
        if (this.nodes.size === 0) this.seedHost = address.host;
        return connection;
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }

  markStale(): void {
    this.stale = true;
  }

  /**
   * Adds topics to those tracked and makes sure their metadata is loaded (auto-creating when allowed). A name
   * Kafka's rule refuses, or a topic the broker answers with a non-retriable error, rejects at once with that
   * error (not retriable); a topic not there (yet) rejects with the retriable UNKNOWN_TOPIC_OR_PARTITION.
   */
  async addTargetTopics(topics: Iterable<string>): Promise<void> {
    const names = [...topics];
    let missing = false;
    for (const topic of names) {
      // An invalid name is neither tracked nor asked for; the valid ones are loaded before it is refused (a
      // group leader assigns the topics it could load).
      if (!isValidTopicName(topic)) continue;
      if (!this.targetTopics.has(topic)) this.targetTopics.add(topic);
      if (!this.topics.has(topic)) missing = true;
    }
    const maxAge = this.options.metadataMaxAge ?? METADATA_MAX_AGE_MS;
    if (missing || this.stale || Date.now() - this.refreshedAt > maxAge) await this.refreshMetadata();
    for (const topic of names) {
      assertValidTopicName(topic);
      if (this.topics.has(topic)) continue;
      const refused = this.refusedTopics.get(topic);
      if (refused) {
        this.targetTopics.delete(topic);
        // Kafka's answer for a topic named but not ours to describe: not authorized, rather than "unknown".
        const why =
          refused.errorCode === ErrorCode.TOPIC_AUTHORIZATION_FAILED
            ? `not authorized to access topic ${topic}`
            : `topic ${topic}: ${errorInfo(refused.errorCode).message}`;
        throw new SluiceProtocolError(refused.errorCode, refused.errorMessage ?? why);
      }
      throw new SluiceProtocolError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${topic} does not exist`);
    }
  }

  /** Refreshes metadata for the tracked topics; concurrent callers share the request. */
  refreshMetadata(): Promise<void> {
    this.refreshing ??= this.loadMetadata([...this.targetTopics]).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /**
   * One Metadata request; `topics` null = all topics (not cached beyond what is tracked), with the
   * broker's internal topics too when `includeInternal`.
   */
  async fetchMetadata(
    topics: string[] | null,
    allowAutoTopicCreation = false,
    includeInternal = false,
  ): Promise<MetadataResponse> {
    const connection = await this.anyConnection();
    try {
      const response = await connection.send(MetadataApi, { topics, allowAutoTopicCreation, includeInternal });
      this.updateNodes(response);
      return response;
    } catch (err) {
      if (err instanceof SluiceConnectionError) this.stale = true;
      throw err;
    }
  }

  private async loadMetadata(topics: string[]): Promise<void> {
    const response = await this.fetchMetadata(topics, this.options.allowAutoTopicCreation ?? false);
    for (const topic of response.topics) {
      if (topic.errorCode !== 0 && !errorInfo(topic.errorCode).retriable)
        this.refusedTopics.set(topic.name, { errorCode: topic.errorCode, errorMessage: topic.errorMessage });
      else this.refusedTopics.delete(topic.name);
      if (topic.errorCode !== 0) {
        this.topics.delete(topic.name);
        this.logger.debug('topic metadata error', {
          topic: topic.name,
          errorCode: topic.errorCode,
          error: topic.errorMessage,
        });
        continue;
      }
      this.topics.set(topic.name, toTopicInfo(topic));
    }
    this.refreshedAt = Date.now();
    this.stale = false;
  }

  private updateNodes(response: MetadataResponse): void {
    if (response.brokers.length === 0) return;
    this.nodes.clear();
    for (const b of response.brokers) {
      // A broker bound to a wildcard address advertises it; reach it through the host we dialled.
      this.nodes.set(b.nodeId, { host: WILDCARD_HOSTS.has(b.host) ? this.seedHost : b.host, port: b.port });
    }
  }

  topicMetadata(topic: string): TopicInfo | undefined {
    return this.topics.get(topic);
  }

  /** Forgets a topic (after deleteTopics). */
  forgetTopic(topic: string): void {
    this.topics.delete(topic);
    this.targetTopics.delete(topic);
  }

  /** The leader node of a partition, or a retriable error that also marks metadata stale. */
  leaderOf(topic: string, partition: number): number {
    const info = this.topics.get(topic)?.partitions[partition];
    if (!info || info.leader < 0) {
      this.stale = true;
      const code = info ? 'LEADER_NOT_AVAILABLE' : 'UNKNOWN_TOPIC_OR_PARTITION';
      throw new SluiceProtocolError(code, `no leader known for ${topic}-${partition}`);
    }
    return info.leader;
  }

  /** Groups partitions by leader node: Map<nodeId, Map<topic, partitions[]>>. */
  partitionsByLeader(
    topicPartitions: ReadonlyArray<{ topic: string; partitions: number[] }>,
  ): Map<number, Map<string, number[]>> {
    const out = new Map<number, Map<string, number[]>>();
    for (const { topic, partitions } of topicPartitions) {
      for (const partition of partitions) {
        const leader = this.leaderOf(topic, partition);
        let byTopic = out.get(leader);
        if (!byTopic) out.set(leader, (byTopic = new Map()));
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push(partition);
      }
    }
    return out;
  }
}

function toTopicInfo(topic: MetadataResponse['topics'][number]): TopicInfo {
  const partitions = topic.partitions
    .map((p) => ({
      partitionErrorCode: p.errorCode,
      partitionId: p.partition,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
      offlineReplicas: [],
    }))
    .sort((a, b) => a.partitionId - b.partitionId);
  return { name: topic.name, partitions };
}
