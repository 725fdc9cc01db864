// kafkajs's exported type names that have no Sluice shape of their own elsewhere: aliases and small
// shapes, so a TypeScript program written for kafkajs compiles after changing its import. Options for
// what Sluice lacks (custom sockets, custom SASL mechanisms, the aws mechanism) are typed as kafkajs types
// them; using them fails at run time with a clear error (sluice.ts, sasl.ts).
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import type { AssignerCluster } from './consumer/assignors/types.js';
import type { EachBatchPayload, EachMessagePayload, TopicOffsets } from './consumer/types.js';
import type { SluiceError } from './errors.js';
import type { InstrumentationEvent } from './instrumentation.js';
import type { Logger } from './logger.js';
import type { PartitionInfo } from './cluster.js';
import type { ProducerBatch, ProducerRecord, RecordMetadata } from './producer/types.js';

// ---- client configuration -------------------------------------------------------------------------

export type BrokersFunction = () => string[] | Promise<string[]>;

export interface OauthbearerProviderResponse {
  value: string;
}

interface SASLMechanismOptionsMap {
  plain: { username: string; password: string };
  'scram-sha-256': { username: string; password: string };
  'scram-sha-512': { username: string; password: string };
  aws: { authorizationIdentity: string; accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  oauthbearer: { oauthBearerProvider: () => Promise<OauthbearerProviderResponse> };
}
export type SASLMechanism = keyof SASLMechanismOptionsMap;
type SASLMechanismOptions<T> = T extends SASLMechanism ? { mechanism: T } & SASLMechanismOptionsMap[T] : never;
/** kafkajs's `sasl` option: Sluice speaks plain, scram-sha-256, scram-sha-512 and oauthbearer (sasl.ts). */
export type SASLOptions = SASLMechanismOptions<SASLMechanism>;

export interface Authenticator {
  authenticate: () => Promise<void>;
}
export interface SaslAuthenticateArgs<ParseResult> {
  request: { encode: () => Buffer | Promise<Buffer> };
  response?: { decode: (rawResponse: Buffer) => Buffer | Promise<Buffer>; parse: (data: Buffer) => ParseResult };
}
export interface AuthenticationProviderArgs {
  host: string;
  port: number;
  logger: Logger;
  saslAuthenticate: <ParseResult>(args: SaslAuthenticateArgs<ParseResult>) => Promise<ParseResult | undefined>;
}
export interface Mechanism {
  mechanism: string;
  authenticationProvider: (args: AuthenticationProviderArgs) => Authenticator;
}

export interface ISocketFactoryArgs {
  host: string;
  port: number;
  ssl: tls.ConnectionOptions;
  onConnect: () => void;
}
export type ISocketFactory = (args: ISocketFactoryArgs) => net.Socket;

// ---- partitioners and metadata ----------------------------------------------------------------------

export type DefaultPartitioner = () => (args: import('../records/partitioners.js').PartitionerArgs) => number;
export type LegacyPartitioner = DefaultPartitioner;

/** What an assigner's `cluster` offers (kafkajs's Cluster type is its whole internal cluster). */
export type Cluster = AssignerCluster;

export interface CoordinatorMetadata {
  errorCode: number;
  coordinator: { nodeId: number; host: string; port: number };
}

export interface BrokerMetadata {
  brokers: Array<{ nodeId: number; host: string; port: number; rack?: string }>;
  topicMetadata: Array<{ topicErrorCode: number; topic: string; partitionMetadata: PartitionInfo[] }>;
}

export interface ApiVersions {
  [apiKey: number]: { minVersion: number; maxVersion: number };
}

// ---- consumer groups ----------------------------------------------------------------------------------

/** topic → partitions, as an assigner's MemberAssignment carries it. */
export type Assignment = { [topic: string]: number[] };
export interface IMemberAssignment {
  [key: string]: number[];
}

export type ConsumerGroupState = 'Unknown' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead' | 'Empty';

export interface MemberDescription {
  clientHost: string;
  clientId: string;
  memberId: string;
  memberAssignment: Buffer;
  memberMetadata: Buffer;
}

export interface GroupDescription {
  groupId: string;
  members: MemberDescription[];
  protocol: string;
  protocolType: string;
  state: ConsumerGroupState;
}

export interface GroupDescriptions {
  groups: GroupDescription[];
}

export interface GroupOverview {
  groupId: string;
  protocolType: string;
}

export interface DeleteGroupsResult {
  groupId: string;
  errorCode?: number;
  error?: SluiceError;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface Offsets {
  topics: TopicOffsets[];
}

export interface ISerializer<T> {
  encode(value: T): Buffer;
  decode(buffer: Buffer): T | null;
}

/** kafkajs's old names (from @types/kafkajs) for the handler payloads. */
export type ConsumerEachMessagePayload = EachMessagePayload;
export type ConsumerEachBatchPayload = EachBatchPayload;

// ---- transactions (producer.transaction(), src/client/producer/transaction-manager.ts) ----------------

export interface Transaction {
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>;
  /** Commits a consumer group's offsets with the transaction: the group sees them only if it commits. */
  sendOffsets(offsets: Offsets & { consumerGroupId: string }): Promise<void>;
  /** Waits for the transaction's sends, then commits it (rejects, leaving it to be aborted, if one failed). */
  commit(): Promise<void>;
  /** Waits for the transaction's sends, then aborts it: read_committed consumers never see its records. */
  abort(): Promise<void>;
  /** False once commit() or abort() succeeded. */
  isActive(): boolean;
}

// ---- consumer instrumentation payloads (kafkajs docs/InstrumentationEvents.md) ---------------------------

export type ConsumerHeartbeatEvent = InstrumentationEvent<{
  groupId: string;
  memberId: string;
  groupGenerationId: number;
}>;
export type ConsumerCommitOffsetsEvent = InstrumentationEvent<{
  groupId: string;
  memberId: string;
  groupGenerationId: number;
  topics: TopicOffsets[];
}>;
export type ConsumerGroupJoinEvent = InstrumentationEvent<{
  duration: number;
  groupId: string;
  isLeader: boolean;
  leaderId: string;
  groupProtocol: string;
  memberId: string;
  memberAssignment: IMemberAssignment;
}>;
export type ConsumerFetchStartEvent = InstrumentationEvent<{ nodeId: number }>;
export type ConsumerFetchEvent = InstrumentationEvent<{ numberOfBatches: number; duration: number; nodeId: number }>;
interface IBatchProcessEvent {
  topic: string;
  partition: number;
  highWatermark: string;
  offsetLag: string;
  offsetLagLow: string;
  batchSize: number;
  firstOffset: string;
  lastOffset: string;
}
export type ConsumerStartBatchProcessEvent = InstrumentationEvent<IBatchProcessEvent>;
export type ConsumerEndBatchProcessEvent = InstrumentationEvent<IBatchProcessEvent & { duration: number }>;
export type ConsumerCrashEvent = InstrumentationEvent<{ error: Error; groupId: string; restart: boolean }>;
export type ConsumerRebalancingEvent = InstrumentationEvent<{ groupId: string; memberId: string }>;
export type ConsumerReceivedUnsubcribedTopicsEvent = InstrumentationEvent<{
  groupId: string;
  generationId: number;
  memberId: string;
  assignedTopics: string[];
  topicsSubscribed: string[];
  topicsNotSubscribed: string[];
}>;

// ---- error constructor metadata -------------------------------------------------------------------------

export interface KafkaJSErrorMetadata {
  retriable?: boolean;
  topic?: string;
  partitionId?: number;
  metadata?: PartitionInfo;
}
export interface KafkaJSOffsetOutOfRangeMetadata {
  topic: string;
  partition: number;
}
export interface KafkaJSNumberOfRetriesExceededMetadata {
  retryCount: number;
  retryTime: number;
}
export interface KafkaJSConnectionErrorMetadata {
  broker?: string;
  code?: string;
}
export interface KafkaJSRequestTimeoutErrorMetadata {
  broker: string;
  clientId: string;
  correlationId: number;
  createdAt: number;
  sentAt: number;
  pendingDuration: number;
}
export interface KafkaJSTopicMetadataNotLoadedMetadata {
  topic: string;
}
export interface KafkaJSStaleTopicMetadataAssignmentMetadata {
  topic: string;
  unknownPartitions: PartitionInfo[];
}
export interface KafkaJSServerDoesNotSupportApiKeyMetadata {
  apiKey: number;
  apiName: string;
}
export interface KafkaJSDeleteGroupsErrorGroups {
  groupId: string;
  errorCode: number;
  error: SluiceError;
}
export interface KafkaJSDeleteTopicRecordsErrorPartition {
  partition: number;
  offset: string;
  error: SluiceError;
}
export interface KafkaJSDeleteTopicRecordsErrorTopic {
  topic: string;
  partitions: KafkaJSDeleteTopicRecordsErrorPartition[];
}
