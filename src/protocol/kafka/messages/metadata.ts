// Metadata (3): brokers, topics and partition leaders; may auto-create the topics asked for.
import { api } from '../api.js';
import { array, bool, int16, int32, message, string, struct, uuid } from '../schema.js';

export const MetadataRequest = message({
  name: 'MetadataRequest',
  type: 'request',
  apiKey: 3,
  validVersions: '0-12',
  flexibleVersions: '9+',
  fields: {
    // null = all topics (v1+); v0 asks for all topics with an empty array.
    topics: array(
      struct({
        topicId: uuid({ versions: '10+', ignorable: true }),
        name: string({ nullableVersions: '10+' }),
      }),
      { nullableVersions: '1+' },
    ),
    allowAutoTopicCreation: bool({ versions: '4+', default: true }),
    includeClusterAuthorizedOperations: bool({ versions: '8-10' }),
    includeTopicAuthorizedOperations: bool({ versions: '8+' }),
  },
});

export const MetadataResponse = message({
  name: 'MetadataResponse',
  type: 'response',
  apiKey: 3,
  validVersions: '0-12',
  flexibleVersions: '9+',
  fields: {
    throttleTimeMs: int32({ versions: '3+', ignorable: true }),
    brokers: array(
      struct({
        nodeId: int32(),
        host: string(),
        port: int32(),
        rack: string({ versions: '1+', nullableVersions: '1+', ignorable: true, default: null }),
      }),
    ),
    clusterId: string({ versions: '2+', nullableVersions: '2+', ignorable: true, default: null }),
    controllerId: int32({ versions: '1+', default: -1, ignorable: true }),
    topics: array(
      struct({
        errorCode: int16(),
        name: string({ nullableVersions: '12+' }),
        topicId: uuid({ versions: '10+', ignorable: true }),
        isInternal: bool({ versions: '1+', default: false, ignorable: true }),
        partitions: array(
          struct({
            errorCode: int16(),
            partitionIndex: int32(),
            leaderId: int32(),
            leaderEpoch: int32({ versions: '7+', default: -1, ignorable: true }),
            replicaNodes: array(int32()),
            isrNodes: array(int32()),
            offlineReplicas: array(int32(), { versions: '5+', ignorable: true }),
          }),
        ),
        topicAuthorizedOperations: int32({ versions: '8+', default: -2147483648 }),
      }),
    ),
    clusterAuthorizedOperations: int32({ versions: '8-10', default: -2147483648 }),
  },
});

export const Metadata = api({
  key: 3,
  name: 'Metadata',
  request: MetadataRequest,
  response: MetadataResponse,
  served: '0-9',
  why: 'kafkajs sends v6, librdkafka v4; v1 brings controllerId (kafkajs admin), v9 (flexible) is the lowest @platformatic/kafka has; v10+ would add topic ids',
});
