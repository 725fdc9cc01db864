// Metadata: brokers, topics, partitions and their leaders. Auto-creates topics when asked and allowed.
import { ApiKey, plainApi } from '../api-keys.js';
import { array, bool, int, nullableArray, nullableString, object, string, topicName } from '../validate.js';

export interface MetadataRequest {
  /** null = all topics. */
  topics: string[] | null;
  allowAutoTopicCreation: boolean;
  /** With topics null: list the broker's internal topics too (isInternal). Default false. */
  includeInternal?: boolean;
}

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
}

export interface PartitionMetadata {
  partition: number;
  errorCode: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface TopicMetadata {
  name: string;
  errorCode: number;
  errorMessage: string | null;
  isInternal: boolean;
  partitions: PartitionMetadata[];
}

export interface MetadataResponse {
  brokers: BrokerInfo[];
  clusterId: string;
  controllerId: number;
  topics: TopicMetadata[];
}

function decodePartition(v: unknown, p: string): PartitionMetadata {
  const o = object(v, p);
  return {
    partition: int(o.partition, `${p}.partition`, 0),
    errorCode: int(o.errorCode, `${p}.errorCode`),
    leader: int(o.leader, `${p}.leader`),
    replicas: array(o.replicas, `${p}.replicas`, (x, q) => int(x, q)),
    isr: array(o.isr, `${p}.isr`, (x, q) => int(x, q)),
  };
}

export const MetadataApi = plainApi<MetadataRequest, MetadataResponse>(
  ApiKey.Metadata,
  'Metadata',
  (body) => {
    const b = object(body, 'body');
    return {
      topics: nullableArray(b.topics, 'topics', topicName),
      allowAutoTopicCreation: bool(b.allowAutoTopicCreation, 'allowAutoTopicCreation', false),
      includeInternal: bool(b.includeInternal, 'includeInternal', false),
    };
  },
  (body) => {
    const b = object(body, 'body');
    return {
      brokers: array(b.brokers, 'brokers', (v, p) => {
        const o = object(v, p);
        return {
          nodeId: int(o.nodeId, `${p}.nodeId`),
          host: string(o.host, `${p}.host`),
          port: int(o.port, `${p}.port`, 0, 65535),
        };
      }),
      clusterId: string(b.clusterId, 'clusterId'),
      controllerId: int(b.controllerId, 'controllerId'),
      topics: array(b.topics, 'topics', (v, p) => {
        const o = object(v, p);
        return {
          name: string(o.name, `${p}.name`),
          errorCode: int(o.errorCode, `${p}.errorCode`),
          errorMessage: nullableString(o.errorMessage, `${p}.errorMessage`),
          isInternal: bool(o.isInternal, `${p}.isInternal`, false),
          partitions: array(o.partitions, `${p}.partitions`, decodePartition),
        };
      }),
    };
  },
);
