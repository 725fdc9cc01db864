// DescribeConfigs: the effective configs of topics (and the broker), with where each value comes from.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, bool, message, type MessageValue, oneOf, string, struct } from '../schema.js';
import { errorCode, errorMessage, throttleTimeMs } from './fields.js';

export const RESOURCE_TYPES = ['topic', 'broker'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];
export const CONFIG_SOURCES = ['topic', 'broker', 'default'] as const;
export type ConfigSource = (typeof CONFIG_SOURCES)[number];

export const DescribeConfigsRequestDef = message({
  name: 'DescribeConfigsRequest',
  type: 'request',
  apiKey: ApiKey.DescribeConfigs,
  validVersions: '0',
  fields: {
    resources: array(
      struct({
        type: oneOf(RESOURCE_TYPES),
        name: string(),
        configNames: array(string(), { nullableVersions: '0+', doc: 'nil = all' }),
      }),
    ),
  },
});

export const DescribeConfigsResponseDef = message({
  name: 'DescribeConfigsResponse',
  type: 'response',
  apiKey: ApiKey.DescribeConfigs,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    resources: array(
      struct({
        type: oneOf(RESOURCE_TYPES),
        name: string(),
        errorCode: errorCode(),
        errorMessage: errorMessage(),
        configs: array(
          struct({
            name: string(),
            value: string({ nullableVersions: '0+' }),
            readOnly: bool({ default: false }),
            isDefault: bool({ default: false }),
            source: oneOf(CONFIG_SOURCES),
            isSensitive: bool({ default: false }),
          }),
        ),
      }),
    ),
  },
});

export type DescribeConfigsRequest = MessageValue<typeof DescribeConfigsRequestDef>;
export type DescribeConfigsResponse = MessageValue<typeof DescribeConfigsResponseDef>;
export type DescribeConfigsResource = DescribeConfigsRequest['resources'][number];
export type DescribeConfigsResult = DescribeConfigsResponse['resources'][number];
export type ConfigEntry = DescribeConfigsResult['configs'][number];

export const DescribeConfigsApi = defineApi({
  key: ApiKey.DescribeConfigs,
  name: 'DescribeConfigs',
  request: DescribeConfigsRequestDef,
  response: DescribeConfigsResponseDef,
});
