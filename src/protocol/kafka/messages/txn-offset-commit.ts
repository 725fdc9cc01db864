// TxnOffsetCommit (28): a group's offsets committed inside the producer's open transaction.
import { api } from '../api.js';
import { array, int16, int32, int64, message, string, struct } from '../schema.js';

export const TxnOffsetCommitRequest = message({
  name: 'TxnOffsetCommitRequest',
  type: 'request',
  apiKey: 28,
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: {
    transactionalId: string(),
    groupId: string(),
    producerId: int64(),
    producerEpoch: int16(),
    generationId: int32({ versions: '3+', default: -1 }),
    memberId: string({ versions: '3+', default: '' }),
    groupInstanceId: string({ versions: '3+', nullableVersions: '3+', default: null }),
    topics: array(
      struct({
        name: string(),
        partitions: array(
          struct({
            partitionIndex: int32(),
            committedOffset: int64(),
            committedLeaderEpoch: int32({ versions: '2+', default: -1, ignorable: true }),
            committedMetadata: string({ nullableVersions: '0+' }),
          }),
        ),
      }),
    ),
  },
});

export const TxnOffsetCommitResponse = message({
  name: 'TxnOffsetCommitResponse',
  type: 'response',
  apiKey: 28,
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: {
    throttleTimeMs: int32(),
    topics: array(
      struct({
        name: string(),
        partitions: array(struct({ partitionIndex: int32(), errorCode: int16() })),
      }),
    ),
  },
});

export const TxnOffsetCommit = api({
  key: 28,
  name: 'TxnOffsetCommit',
  request: TxnOffsetCommitRequest,
  response: TxnOffsetCommitResponse,
  served: '0-3',
  why: 'kafkajs sends v0, librdkafka 2.0.2 v0-3 (v3 with the group generation)',
});
