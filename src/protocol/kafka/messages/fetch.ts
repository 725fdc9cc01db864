// Fetch (1): record batches from partitions. A hot path: the response's records are written as the
// buffers given (segment file reads), never copied into the response.
import { api } from '../api.js';
import { array, int8, int16, int32, int64, message, records, string, struct, uuid } from '../schema.js';

export const FetchRequest = message({
  name: 'FetchRequest',
  type: 'request',
  apiKey: 1,
  validVersions: '0-17',
  flexibleVersions: '12+',
  fields: {
    clusterId: string({
      versions: '12+',
      nullableVersions: '12+',
      default: null,
      taggedVersions: '12+',
      tag: 0,
      ignorable: true,
    }),
    replicaId: int32({ versions: '0-14', default: -1 }),
    replicaState: struct(
      { replicaId: int32({ versions: '15+', default: -1 }), replicaEpoch: int64({ versions: '15+', default: -1 }) },
      { versions: '15+', taggedVersions: '15+', tag: 1 },
    ),
    maxWaitMs: int32(),
    minBytes: int32(),
    maxBytes: int32({ versions: '3+', default: 0x7fffffff, ignorable: true }),
    isolationLevel: int8({ versions: '4+', default: 0, ignorable: true }),
    sessionId: int32({ versions: '7+', default: 0, ignorable: true }),
    sessionEpoch: int32({ versions: '7+', default: -1, ignorable: true }),
    topics: array(
      struct({
        topic: string({ versions: '0-12', ignorable: true }),
        topicId: uuid({ versions: '13+', ignorable: true }),
        partitions: array(
          struct({
            partition: int32(),
            currentLeaderEpoch: int32({ versions: '9+', default: -1, ignorable: true }),
            fetchOffset: int64(),
            lastFetchedEpoch: int32({ versions: '12+', default: -1 }),
            logStartOffset: int64({ versions: '5+', default: -1, ignorable: true }),
            partitionMaxBytes: int32(),
            replicaDirectoryId: uuid({ versions: '17+', taggedVersions: '17+', tag: 0, ignorable: true }),
          }),
        ),
      }),
    ),
    forgottenTopicsData: array(
      struct({
        topic: string({ versions: '7-12', ignorable: true }),
        topicId: uuid({ versions: '13+', ignorable: true }),
        partitions: array(int32(), { versions: '7+' }),
      }),
      { versions: '7+' },
    ),
    rackId: string({ versions: '11+', default: '', ignorable: true }),
  },
});

export const FetchResponse = message({
  name: 'FetchResponse',
  type: 'response',
  apiKey: 1,
  validVersions: '0-17',
  flexibleVersions: '12+',
  fields: {
    throttleTimeMs: int32({ versions: '1+', ignorable: true }),
    errorCode: int16({ versions: '7+', ignorable: true }),
    sessionId: int32({ versions: '7+', default: 0 }),
    responses: array(
      struct({
        topic: string({ versions: '0-12', ignorable: true }),
        topicId: uuid({ versions: '13+', ignorable: true }),
        partitions: array(
          struct({
            partitionIndex: int32(),
            errorCode: int16(),
            highWatermark: int64(),
            lastStableOffset: int64({ versions: '4+', default: -1, ignorable: true }),
            logStartOffset: int64({ versions: '5+', default: -1, ignorable: true }),
            divergingEpoch: struct(
              { epoch: int32({ versions: '12+', default: -1 }), endOffset: int64({ versions: '12+', default: -1 }) },
              { versions: '12+', taggedVersions: '12+', tag: 0 },
            ),
            currentLeader: struct(
              {
                leaderId: int32({ versions: '12+', default: -1 }),
                leaderEpoch: int32({ versions: '12+', default: -1 }),
              },
              { versions: '12+', taggedVersions: '12+', tag: 1 },
            ),
            snapshotId: struct(
              { endOffset: int64({ default: -1 }), epoch: int32({ default: -1 }) },
              { versions: '12+', taggedVersions: '12+', tag: 2 },
            ),
            abortedTransactions: array(
              struct({ producerId: int64({ versions: '4+' }), firstOffset: int64({ versions: '4+' }) }),
              { versions: '4+', nullableVersions: '4+', ignorable: true },
            ),
            preferredReadReplica: int32({ versions: '11+', default: -1 }),
            records: records({ nullableVersions: '0+' }),
          }),
        ),
      }),
    ),
    nodeEndpoints: array(
      struct({
        nodeId: int32({ versions: '16+' }),
        host: string({ versions: '16+' }),
        port: int32({ versions: '16+' }),
        rack: string({ versions: '16+', nullableVersions: '16+', default: null }),
      }),
      { versions: '16+', taggedVersions: '16+', tag: 0 },
    ),
  },
});

export const Fetch = api({
  key: 1,
  name: 'Fetch',
  request: FetchRequest,
  response: FetchResponse,
  served: '4-12',
  why: 'v4 is the first with RecordBatch v2 and isolation_level; kafkajs and librdkafka 2.0.2 send v11, @platformatic/kafka v12 (flexible, its lowest); v13+ would name topics by id',
});
