// OffsetFetch (9): a group's committed offsets. A null topics array (v2+) asks for every partition the
// group has committed; v8+ batches several groups.
import { api } from '../api.js';
import { array, bool, int16, int32, int64, message, string, struct } from '../schema.js';

export const OffsetFetchRequest = message({
  name: 'OffsetFetchRequest',
  type: 'request',
  apiKey: 9,
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: {
    groupId: string({ versions: '0-7' }),
    topics: array(
      struct({ name: string({ versions: '0-7' }), partitionIndexes: array(int32(), { versions: '0-7' }) }),
      {
        versions: '0-7',
        nullableVersions: '2-7',
      },
    ),
    groups: array(
      struct({
        groupId: string({ versions: '8+' }),
        memberId: string({ versions: '9+', nullableVersions: '9+', default: null, ignorable: true }),
        memberEpoch: int32({ versions: '9+', default: -1, ignorable: true }),
        topics: array(
          struct({ name: string({ versions: '8+' }), partitionIndexes: array(int32(), { versions: '8+' }) }),
          { versions: '8+', nullableVersions: '8+' },
        ),
      }),
      { versions: '8+' },
    ),
    requireStable: bool({ versions: '7+', default: false }),
  },
});

export const OffsetFetchResponse = message({
  name: 'OffsetFetchResponse',
  type: 'response',
  apiKey: 9,
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: {
    throttleTimeMs: int32({ versions: '3+', ignorable: true }),
    topics: array(
      struct({
        name: string({ versions: '0-7' }),
        partitions: array(
          struct({
            partitionIndex: int32({ versions: '0-7' }),
            committedOffset: int64({ versions: '0-7' }),
            committedLeaderEpoch: int32({ versions: '5-7', default: -1, ignorable: true }),
            metadata: string({ versions: '0-7', nullableVersions: '0-7' }),
            errorCode: int16({ versions: '0-7' }),
          }),
          { versions: '0-7' },
        ),
      }),
      { versions: '0-7' },
    ),
    errorCode: int16({ versions: '2-7', default: 0, ignorable: true }),
    groups: array(
      struct({
        groupId: string({ versions: '8+' }),
        topics: array(
          struct({
            name: string({ versions: '8+' }),
            partitions: array(
              struct({
                partitionIndex: int32({ versions: '8+' }),
                committedOffset: int64({ versions: '8+' }),
                committedLeaderEpoch: int32({ versions: '8+', default: -1, ignorable: true }),
                metadata: string({ versions: '8+', nullableVersions: '8+' }),
                errorCode: int16({ versions: '8+' }),
              }),
              { versions: '8+' },
            ),
          }),
          { versions: '8+' },
        ),
        errorCode: int16({ versions: '8+', default: 0 }),
      }),
      { versions: '8+' },
    ),
  },
});

export const OffsetFetch = api({
  key: 9,
  name: 'OffsetFetch',
  request: OffsetFetchRequest,
  response: OffsetFetchResponse,
  served: '0-8',
  why: 'kafkajs sends v4 (v3+ for the null "all topics" array), librdkafka 2.0.2 v7 (its highest; flexible, require_stable), @platformatic/kafka v8 (a batch of groups, its lowest)',
});
