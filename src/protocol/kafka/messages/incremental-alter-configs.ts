// IncrementalAlterConfigs (44): sets, deletes, appends to or subtracts from single config keys
// (operation 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT); keys not named are untouched.
import { api } from '../api.js';
import { array, bool, int8, int16, int32, message, string, struct } from '../schema.js';

export const IncrementalAlterConfigsRequest = message({
  name: 'IncrementalAlterConfigsRequest',
  type: 'request',
  apiKey: 44,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: {
    resources: array(
      struct({
        resourceType: int8(),
        resourceName: string(),
        configs: array(struct({ name: string(), configOperation: int8(), value: string({ nullableVersions: '0+' }) })),
      }),
    ),
    validateOnly: bool(),
  },
});

export const IncrementalAlterConfigsResponse = message({
  name: 'IncrementalAlterConfigsResponse',
  type: 'response',
  apiKey: 44,
  validVersions: '0-1',
  flexibleVersions: '1+',
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

export const IncrementalAlterConfigs = api({
  key: 44,
  name: 'IncrementalAlterConfigs',
  request: IncrementalAlterConfigsRequest,
  response: IncrementalAlterConfigsResponse,
  served: '0-1',
  why: 'librdkafka 2.2+ and @platformatic/kafka send v1 (flexible), Kafka admin tools v1, older tools v0',
});
