// DeleteRecords (21): moves partitions' log start offsets forward (-1 = up to the high watermark).
import { api } from '../api.js';
import { array, int16, int32, int64, message, string, struct } from '../schema.js';

export const DeleteRecordsRequest = message({
  name: 'DeleteRecordsRequest',
  type: 'request',
  apiKey: 21,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    topics: array(
      struct({
        name: string(),
        partitions: array(struct({ partitionIndex: int32(), offset: int64() })),
      }),
    ),
    timeoutMs: int32(),
  },
});

export const DeleteRecordsResponse = message({
  name: 'DeleteRecordsResponse',
  type: 'response',
  apiKey: 21,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32(),
    topics: array(
      struct({
        name: string(),
        partitions: array(struct({ partitionIndex: int32(), lowWatermark: int64(), errorCode: int16() })),
      }),
    ),
  },
});

export const DeleteRecords = api({
  key: 21,
  name: 'DeleteRecords',
  request: DeleteRecordsRequest,
  response: DeleteRecordsResponse,
  served: '0-1',
  why: 'both clients send v1; v2 is flexible',
});
