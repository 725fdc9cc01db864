// The admin client's public shapes, with kafkajs's names (kafkajs's types/index.d.ts), so kafkajs programs
// that type their admin calls compile against Sluice.
import type { PartitionInfo } from './cluster.js';
import type { RetryOptions } from './retry.js';

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
  /** One replica set per partition; on this single broker every set must be [0]. Sets the partition count. */
  replicaAssignment?: ReplicaAssignment[];
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
  configSynonyms: ConfigSynonyms[];
}
export interface ConfigSynonyms {
  configName: string;
  configValue: string | null;
  configSource: ConfigSource;
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

/** A partition and an offset (a decimal string), as setOffsets and deleteTopicRecords take them. */
export interface SeekEntry {
  partition: number;
  offset: string;
}

export type FetchOffsetsPartition = SeekEntry & { metadata: string | null };

/** createPartitions: `count` is the new total; `assignments` one replica list per new partition. */
export interface ITopicPartitionConfig {
  topic: string;
  count: number;
  assignments?: number[][];
}

export interface ITopicMetadata {
  name: string;
  partitions: PartitionInfo[];
}

export interface ReplicaAssignment {
  partition: number;
  replicas: number[];
}

export interface PartitionReassignment {
  topic: string;
  partitionAssignment: ReplicaAssignment[];
}

export interface OngoingPartitionReassignment {
  partitionIndex: number;
  replicas: number[];
  addingReplicas?: number[];
  removingReplicas?: number[];
}

export interface OngoingTopicReassignment {
  topic: string;
  partitions: OngoingPartitionReassignment[];
}

export interface ListPartitionReassignmentsResponse {
  topics: OngoingTopicReassignment[];
}

export interface ClusterDescription {
  brokers: Array<{ nodeId: number; host: string; port: number }>;
  /** null when the cluster names no controller. */
  controller: number | null;
  clusterId: string;
}
