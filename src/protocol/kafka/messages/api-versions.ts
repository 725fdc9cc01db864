// ApiVersions (18): the versions the broker serves. librdkafka opens with v3 (flexible), kafkajs with v2.
// The response header is always v0, and an unsupported request version is answered in v0 with
// UNSUPPORTED_VERSION and at least the ApiVersions entry, so the client retries at a version it can use.
import { api } from '../api.js';
import { array, bool, int16, int32, int64, message, string, struct } from '../schema.js';

export const ApiVersionsRequest = message({
  name: 'ApiVersionsRequest',
  type: 'request',
  apiKey: 18,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: {
    clientSoftwareName: string({ versions: '3+', ignorable: true }),
    clientSoftwareVersion: string({ versions: '3+', ignorable: true }),
  },
});

export const ApiVersionsResponse = message({
  name: 'ApiVersionsResponse',
  type: 'response',
  apiKey: 18,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: {
    errorCode: int16(),
    apiKeys: array(struct({ apiKey: int16(), minVersion: int16(), maxVersion: int16() })),
    throttleTimeMs: int32({ versions: '1+', ignorable: true }),
    supportedFeatures: array(
      struct({
        name: string({ versions: '3+' }),
        minVersion: int16({ versions: '3+' }),
        maxVersion: int16({ versions: '3+' }),
      }),
      {
        versions: '3+',
        taggedVersions: '3+',
        tag: 0,
        ignorable: true,
      },
    ),
    finalizedFeaturesEpoch: int64({ versions: '3+', taggedVersions: '3+', tag: 1, default: -1, ignorable: true }),
    finalizedFeatures: array(
      struct({
        name: string({ versions: '3+' }),
        maxVersionLevel: int16({ versions: '3+' }),
        minVersionLevel: int16({ versions: '3+' }),
      }),
      { versions: '3+', taggedVersions: '3+', tag: 2, ignorable: true },
    ),
    zkMigrationReady: bool({ versions: '3+', taggedVersions: '3+', tag: 3, default: false, ignorable: true }),
  },
});

export const ApiVersions = api({
  key: 18,
  name: 'ApiVersions',
  request: ApiVersionsRequest,
  response: ApiVersionsResponse,
  served: '0-3',
  why: 'librdkafka 2.0.2 sends v3 first (flexible); kafkajs 2.2.4 sends v2, falling back to v1 and v0',
});
