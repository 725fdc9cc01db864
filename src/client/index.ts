// The kafkajs-shaped client SDK. `import { Kafka } from 'sluice'` works as it does with kafkajs.
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
export type {
  Message,
  ProducerBatch,
  ProducerConfig,
  ProducerRecord,
  RecordMetadata,
  TopicMessages,
  IHeaders,
} from './producer/types.js';
export { Producer, ProducerEvents } from './producer/index.js';
export { Consumer, ConsumerEvents } from './consumer/index.js';
export type * from './consumer/types.js';
export { NoOffsetCommitter, StaticAssignmentSource } from './consumer/assignment.js';
export { AssignerProtocol, PartitionAssigners } from './consumer/assignors/index.js';
export type { GroupDescriptionResult, GroupOffsetPartition } from './admin-groups.js';
export type {
  Assigner,
  AssignerCluster,
  GroupMember,
  GroupMemberAssignment,
  GroupState,
  PartitionAssigner,
} from './consumer/assignors/index.js';
export type { AssignmentContext, OffsetCommitter, PartitionAssignmentSource } from './consumer/assignment.js';
export { Admin, AdminEvents, ConfigResourceTypes, ConfigSource } from './admin.js';
export type {
  AdminConfig,
  AlterConfigsResponse,
  ConfigEntries,
  DescribeConfigResponse,
  IResourceConfig,
  ITopicConfig,
  ResourceConfigQuery,
} from './admin.js';
export type { PartitionInfo as PartitionMetadata } from './cluster.js';
export type { RetryOptions } from './retry.js';
export type { InstrumentationEvent } from './instrumentation.js';
export * from './errors.js';
export * from './acl.js';
