// IncrementalAlterConfigs (Kafka's key 44): per config key, SET a value, DELETE the override (back to the
// inherited value), APPEND to or SUBTRACT from a list-valued key (cleanup.policy); keys not named keep
// their value. The values are checked as AlterConfigs checks them.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, bool, message, type MessageValue, oneOf, string, struct } from '../schema.js';
import { RESOURCE_TYPES } from './describe-configs.js';
import { errorCode, errorMessage, throttleTimeMs } from './fields.js';

export const CONFIG_OPERATIONS = ['set', 'delete', 'append', 'subtract'] as const;
export type ConfigOperation = (typeof CONFIG_OPERATIONS)[number];

export const IncrementalAlterConfigsRequestDef = message({
  name: 'IncrementalAlterConfigsRequest',
  type: 'request',
  apiKey: ApiKey.IncrementalAlterConfigs,
  validVersions: '0',
  fields: {
    resources: array(
      struct({
        type: oneOf(RESOURCE_TYPES),
        name: string(),
        configs: array(
          struct({
            name: string({ maxLength: 255 }),
            operation: oneOf(CONFIG_OPERATIONS),
            value: string({ nullableVersions: '0+', doc: 'nil with delete; required otherwise' }),
          }),
          { maxItems: 1000 },
        ),
      }),
      { maxItems: 10_000 },
    ),
    validateOnly: bool({ default: false }),
  },
});

export const IncrementalAlterConfigsResponseDef = message({
  name: 'IncrementalAlterConfigsResponse',
  type: 'response',
  apiKey: ApiKey.IncrementalAlterConfigs,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    resources: array(
      struct({ type: oneOf(RESOURCE_TYPES), name: string(), errorCode: errorCode(), errorMessage: errorMessage() }),
    ),
  },
});

export type IncrementalAlterConfigsRequest = MessageValue<typeof IncrementalAlterConfigsRequestDef>;
export type IncrementalAlterConfigsResponse = MessageValue<typeof IncrementalAlterConfigsResponseDef>;
export type IncrementalAlterConfigsResource = IncrementalAlterConfigsRequest['resources'][number];

export const IncrementalAlterConfigsApi = defineApi({
  key: ApiKey.IncrementalAlterConfigs,
  name: 'IncrementalAlterConfigs',
  request: IncrementalAlterConfigsRequestDef,
  response: IncrementalAlterConfigsResponseDef,
});
