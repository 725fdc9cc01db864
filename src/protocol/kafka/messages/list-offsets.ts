// ListOffsets (2): an offset per partition for a timestamp (-1 latest, -2 earliest, else the first offset
// at or after it). v0 answers with an array of old-style offsets instead of one offset and timestamp.
import { api } from '../api.js';
import { array, int8, int16, int32, int64, message, string, struct } from '../schema.js';

export const ListOffsetsRequest = message({
  name: 'ListOffsetsRequest',
  type: 'request',
  apiKey: 2,
  validVersions: '0-10',
  flexibleVersions: '6+',
  fields: {
    replicaId: int32(),
    isolationLevel: int8({ versions: '2+' }),
    topics: array(
      struct({
        name: string(),
        partitions: array(
          struct({
            partitionIndex: int32(),
            currentLeaderEpoch: int32({ versions: '4+', default: -1, ignorable: true }),
            timestamp: int64(),
            maxNumOffsets: int32({ versions: '0', default: 1 }),
          }),
        ),
      }),
    ),
    timeoutMs: int32({ versions: '10+', ignorable: true }),
  },
});

export const ListOffsetsResponse = message({
  name: 'ListOffsetsResponse',
  type: 'response',
  apiKey: 2,
  validVersions: '0-10',
  flexibleVersions: '6+',
  fields: {
    throttleTimeMs: int32({ versions: '2+', ignorable: true }),
    topics: array(
      struct({
        name: string(),
        partitions: array(
          struct({
            partitionIndex: int32(),
            errorCode: int16(),
            oldStyleOffsets: array(int64(), { versions: '0' }),
            timestamp: int64({ versions: '1+', default: -1 }),
            offset: int64({ versions: '1+', default: -1 }),
            leaderEpoch: int32({ versions: '4+', default: -1 }),
          }),
        ),
      }),
    ),
  },
});

export const ListOffsets = api({
  key: 2,
  name: 'ListOffsets',
  request: ListOffsetsRequest,
  response: ListOffsetsResponse,
  served: '0-5',
  why: 'kafkajs sends v3, librdkafka 2.0.2 v2, @platformatic/kafka v5 (its lowest); v0 (old-style offsets array) kept for old clients; v6+ is flexible',
});
