// The kafkajs-shaped client SDK. `import { Kafka } from 'sluice'` works as it does with kafkajs: every value
// kafkajs 2.x exports, and every type name of its types/index.d.ts except its internal `Broker` and
// `ConsumerGroup` (Sluice's `Broker` is the embeddable broker), is exported here under the same name.
import { ConsumerEvents as ConsumerEventNames } from './consumer/index.js';
import { ProducerEvents as ProducerEventNames } from './producer/index.js';

export { Sluice, Sluice as Kafka } from './sluice.js';
export type { SluiceConfig, SluiceConfig as KafkaConfig } from './sluice.js';
export { logLevel, createLogger } from './logger.js';
export type { LogEntry, logCreator, Logger, LoggerEntryContent } from './logger.js';
export { Partitioners } from '../records/partitioners.js';
export type {
  Partitioner,
  PartitionerArgs,
  PartitionerFactory as ICustomPartitioner,
} from '../records/partitioners.js';
export { CompressionTypes } from './producer/types.js';
export { CompressionCodecs } from './compression-codecs.js';
export type { PluginCodec, PluginCodecFactory } from './compression-codecs.js';
export type {
  Message,
  ProducerBatch,
  ProducerConfig,
  ProducerRecord,
  RecordMetadata,
  TopicMessages,
  IHeaders,
} from './producer/types.js';
export { Producer } from './producer/index.js';
export { MAX_DELIVERY_DELAY_MS } from './producer/queue-options.js';
export const ProducerEvents = ProducerEventNames;
export type ProducerEvents = typeof ProducerEventNames;
export { Consumer } from './consumer/index.js';
export { ShareConsumer } from './share/index.js';
export type {
  EachShareMessagePayload,
  ShareBackoff,
  ShareConsumerConfig,
  ShareMessage,
  ShareRunConfig,
} from './share/types.js';
export type { ShareGroupDescription } from './share/admin.js';
export const ConsumerEvents = ConsumerEventNames;
export type ConsumerEvents = typeof ConsumerEventNames;
export type * from './consumer/types.js';
export { NoOffsetCommitter, StaticAssignmentSource } from './consumer/assignment.js';
export { AssignerProtocol, PartitionAssigners } from './consumer/assignors/index.js';
export type {
  MemberAssignmentData as MemberAssignment,
  MemberMetadataData as MemberMetadata,
} from './consumer/assignors/index.js';
export type { GroupDescriptionResult, GroupOffsetPartition } from './admin-groups.js';
export type {
  ListTransactionsOptions,
  TransactionDescription,
  TransactionListing,
  TransactionState,
} from './admin-transactions.js';
export type {
  Assigner,
  AssignerCluster,
  GroupMember,
  GroupMemberAssignment,
  GroupState,
  PartitionAssigner,
} from './consumer/assignors/index.js';
export type { AssignmentContext, OffsetCommitter, PartitionAssignmentSource } from './consumer/types.js';
export { Admin, AdminEvents } from './admin.js';
export type { IncrementalOperation } from './admin.js';
export type { ElectionResult } from './admin-cluster-ops.js';
export { ConfigResourceTypes, ConfigSource } from './admin-types.js';
export type * from './admin-types.js';
export type { PartitionInfo as PartitionMetadata } from './cluster.js';
export type { RetryOptions } from './retry.js';
export type {
  ConnectEvent,
  DisconnectEvent,
  InstrumentationEvent,
  RemoveInstrumentationEventListener,
  RequestEvent,
  RequestQueueSizeEvent,
  RequestTimeoutEvent,
} from './instrumentation.js';
export { REQUEST_CHANNEL, REQUEST_QUEUE_SIZE_CHANNEL, REQUEST_TIMEOUT_CHANNEL } from './network-events.js';
export type {
  ClientKind,
  NetworkMessage,
  RequestPayload,
  RequestQueueSizePayload,
  RequestTimeoutPayload,
} from './network-events.js';
export type * from './kafkajs-types.js';
export * from './errors.js';
export * from './acl.js';
export type {
  ClientQuotaAlteration,
  ClientQuotaEntity,
  ClientQuotaEntry,
  ClientQuotaFilterComponent,
} from './admin-quotas.js';
export type { ScramCredentialUpsertion, UserScramCredentials } from './admin-users.js';
