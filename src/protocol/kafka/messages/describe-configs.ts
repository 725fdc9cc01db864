// DescribeConfigs (32): topic and broker configs (resource type 2 = topic, 4 = broker).
import { api } from '../api.js';
import { array, bool, int8, int16, int32, message, string, struct } from '../schema.js';

export const DescribeConfigsRequest = message({
  name: 'DescribeConfigsRequest',
  type: 'request',
  apiKey: 32,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: {
    resources: array(
      struct({
        resourceType: int8(),
        resourceName: string(),
        configurationKeys: array(string(), { nullableVersions: '0+' }),
      }),
    ),
    includeSynonyms: bool({ versions: '1+', default: false }),
    includeDocumentation: bool({ versions: '3+', default: false }),
  },
});

export const DescribeConfigsResponse = message({
  name: 'DescribeConfigsResponse',
  type: 'response',
  apiKey: 32,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32(),
    results: array(
      struct({
        errorCode: int16(),
        errorMessage: string({ nullableVersions: '0+' }),
        resourceType: int8(),
        resourceName: string(),
        configs: array(
          struct({
            name: string(),
            value: string({ nullableVersions: '0+' }),
            readOnly: bool(),
            isDefault: bool({ versions: '0' }),
            configSource: int8({ versions: '1+', default: -1, ignorable: true }),
            isSensitive: bool(),
            synonyms: array(
              struct({
                name: string({ versions: '1+' }),
                value: string({ versions: '1+', nullableVersions: '0+' }),
                source: int8({ versions: '1+' }),
              }),
              { versions: '1+', ignorable: true },
            ),
            configType: int8({ versions: '3+', default: 0, ignorable: true }),
            documentation: string({ versions: '3+', nullableVersions: '0+', ignorable: true }),
          }),
        ),
      }),
    ),
  },
});

export const DescribeConfigs = api({
  key: 32,
  name: 'DescribeConfigs',
  request: DescribeConfigsRequest,
  response: DescribeConfigsResponse,
  served: '0-2',
  why: 'kafkajs sends v2, librdkafka v1; v4 is flexible',
});
