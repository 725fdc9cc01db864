// ApiVersions: the first call on a connection; tells the client which APIs and versions the broker serves.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, int, message, type MessageValue, string, struct } from '../schema.js';

export const ApiVersionsRequestDef = message({
  name: 'ApiVersionsRequest',
  type: 'request',
  apiKey: ApiKey.ApiVersions,
  validVersions: '0',
  fields: {},
});

export const ApiVersionsResponseDef = message({
  name: 'ApiVersionsResponse',
  type: 'response',
  apiKey: ApiKey.ApiVersions,
  validVersions: '0',
  fields: {
    errorCode: int(),
    apiVersions: array(struct({ apiKey: int(), minVersion: int(), maxVersion: int() })),
    brokerVersion: string({ doc: "Sluice's package version, e.g. 0.1.0" }),
  },
});

export type ApiVersionsRequest = MessageValue<typeof ApiVersionsRequestDef>;
export type ApiVersionsResponse = MessageValue<typeof ApiVersionsResponseDef>;
export type ApiVersionRange = ApiVersionsResponse['apiVersions'][number];

export const ApiVersionsApi = defineApi({
  key: ApiKey.ApiVersions,
  name: 'ApiVersions',
  request: ApiVersionsRequestDef,
  response: ApiVersionsResponseDef,
});
