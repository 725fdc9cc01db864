// AlterConfigs: changes topic configs incrementally — named keys are set, a null value reverts the key
// to its default, keys not named keep their value (Kafka's IncrementalAlterConfigs semantics).
import { ApiKey, defineApi } from '../api-keys.js';
import { array, bool, message, type MessageValue, oneOf, string, stringMap, struct } from '../schema.js';
import { RESOURCE_TYPES } from './describe-configs.js';
import { errorCode, errorMessage, throttleTimeMs } from './fields.js';

export const AlterConfigsRequestDef = message({
  name: 'AlterConfigsRequest',
  type: 'request',
  apiKey: ApiKey.AlterConfigs,
  validVersions: '0',
  fields: {
    resources: array(
      struct({
        type: oneOf(RESOURCE_TYPES),
        name: string(),
        configs: stringMap({ nullValues: true, doc: 'nil reverts the key to its inherited value' }),
      }),
    ),
    validateOnly: bool({ default: false }),
  },
});

export const AlterConfigsResponseDef = message({
  name: 'AlterConfigsResponse',
  type: 'response',
  apiKey: ApiKey.AlterConfigs,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    resources: array(
      struct({ type: oneOf(RESOURCE_TYPES), name: string(), errorCode: errorCode(), errorMessage: errorMessage() }),
    ),
  },
});

export type AlterConfigsRequest = MessageValue<typeof AlterConfigsRequestDef>;
export type AlterConfigsResponse = MessageValue<typeof AlterConfigsResponseDef>;
export type AlterConfigsResource = AlterConfigsRequest['resources'][number];
export type AlterConfigsResult = AlterConfigsResponse['resources'][number];

export const AlterConfigsApi = defineApi({
  key: ApiKey.AlterConfigs,
  name: 'AlterConfigs',
  request: AlterConfigsRequestDef,
  response: AlterConfigsResponseDef,
});
