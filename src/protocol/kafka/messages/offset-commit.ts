// OffsetCommit (8): a group's committed offsets, with optional metadata per partition.
import { api } from '../api.js';
import { array, int16, int32, int64, message, string, struct } from '../schema.js';

export const OffsetCommitRequest = message({
  name: 'OffsetCommitRequest',
  type: 'request',
  apiKey: 8,
  validVersions: '0-9',
  flexibleVersions: '8+',
  fields: {
    groupId: string(),
    generationIdOrMemberEpoch: int32({ versions: '1+', default: -1, ignorable: true }),
    memberId: string({ versions: '1+', ignorable: true }),
    groupInstanceId: string({ versions: '7+', nullableVersions: '7+', default: null }),
    retentionTimeMs: int64({ versions: '2-4', default: -1, ignorable: true }),
    topics: array(
      struct({
        name: string(),
        partitions: array(
          struct({
            partitionIndex: int32(),
            committedOffset: int64(),
            committedLeaderEpoch: int32({ versions: '6+', default: -1, ignorable: true }),
            commitTimestamp: int64({ versions: '1', default: -1 }),
            committedMetadata: string({ nullableVersions: '0+' }),
          }),
        ),
      }),
    ),
  },
});

export const OffsetCommitResponse = message({
  name: 'OffsetCommitResponse',
  type: 'response',
  apiKey: 8,
  validVersions: '0-9',
  flexibleVersions: '8+',
  fields: {
    throttleTimeMs: int32({ versions: '3+', ignorable: true }),
    topics: array(
      struct({
        name: string(),
        partitions: array(struct({ partitionIndex: int32(), errorCode: int16() })),
      }),
    ),
  },
});

export const OffsetCommit = api({
  key: 8,
  name: 'OffsetCommit',
  request: OffsetCommitRequest,
  response: OffsetCommitResponse,
  served: '0-8',
  why: 'librdkafka 2.0.2 sends v7, kafkajs v5, @platformatic/kafka v8 (flexible, its lowest)',
});
