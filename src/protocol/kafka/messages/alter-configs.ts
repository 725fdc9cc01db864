// AlterConfigs (33): replaces a resource's configs (every key not named reverts to its default).
import { api } from '../api.js';
import { array, bool, int8, int16, int32, message, string, struct } from '../schema.js';

export const AlterConfigsRequest = message({
  name: 'AlterConfigsRequest',
  type: 'request',
  apiKey: 33,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    resources: array(
      struct({
        resourceType: int8(),
        resourceName: string(),
        configs: array(struct({ name: string(), value: string({ nullableVersions: '0+' }) })),
      }),
    ),
    validateOnly: bool(),
  },
});

export const AlterConfigsResponse = message({
  name: 'AlterConfigsResponse',
  type: 'response',
  apiKey: 33,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32(),
    responses: array(
      struct({
        errorCode: int16(),
        errorMessage: string({ nullableVersions: '0+' }),
        resourceType: int8(),
        resourceName: string(),
      }),
    ),
  },
});

export const AlterConfigs = api({
  key: 33,
  name: 'AlterConfigs',
  request: AlterConfigsRequest,
  response: AlterConfigsResponse,
  served: '0-1',
  why: 'kafkajs alterConfigs and librdkafka send v0-v1; v2 is flexible',
});
