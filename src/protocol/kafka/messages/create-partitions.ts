// CreatePartitions (37): grows a topic's partition count.
import { api } from '../api.js';
import { array, bool, int16, int32, message, string, struct } from '../schema.js';

export const CreatePartitionsRequest = message({
  name: 'CreatePartitionsRequest',
  type: 'request',
  apiKey: 37,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    topics: array(
      struct({
        name: string(),
        count: int32(),
        assignments: array(struct({ brokerIds: array(int32()) }), { nullableVersions: '0+' }),
      }),
    ),
    timeoutMs: int32(),
    validateOnly: bool(),
  },
});

export const CreatePartitionsResponse = message({
  name: 'CreatePartitionsResponse',
  type: 'response',
  apiKey: 37,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32(),
    results: array(
      struct({
        name: string(),
        errorCode: int16(),
        errorMessage: string({ nullableVersions: '0+', default: null }),
      }),
    ),
  },
});

export const CreatePartitions = api({
  key: 37,
  name: 'CreatePartitions',
  request: CreatePartitionsRequest,
  response: CreatePartitionsResponse,
  served: '0-1',
  why: 'kafkajs sends v1, librdkafka v0; v2+ is flexible',
});
