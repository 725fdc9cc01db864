// ApiVersions: the first call on a connection; tells the client which APIs and versions the broker serves.
import { ApiKey, plainApi } from '../api-keys.js';
import { array, int, object, string } from '../validate.js';

export type ApiVersionsRequest = Record<string, never>;

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsResponse {
  errorCode: number;
  apiVersions: ApiVersionRange[];
  /** Sluice's package version, e.g. "0.1.0". */
  brokerVersion: string;
}

export const ApiVersionsApi = plainApi<ApiVersionsRequest, ApiVersionsResponse>(
  ApiKey.ApiVersions,
  'ApiVersions',
  (body) => {
    if (body !== undefined && body !== null) object(body, 'body');
    return {};
  },
  (body) => {
    const b = object(body, 'body');
    return {
      errorCode: int(b.errorCode, 'errorCode'),
      apiVersions: array(b.apiVersions, 'apiVersions', (v, p) => {
        const o = object(v, p);
        return {
          apiKey: int(o.apiKey, `${p}.apiKey`),
          minVersion: int(o.minVersion, `${p}.minVersion`),
          maxVersion: int(o.maxVersion, `${p}.maxVersion`),
        };
      }),
      brokerVersion: string(b.brokerVersion, 'brokerVersion'),
    };
  },
);
