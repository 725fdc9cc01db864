// DescribeConfigs: the effective configs of topics (and the broker), with where each value comes from.
import { ApiKey, plainApi } from '../api-keys.js';
import { array, bool, int, nullableArray, nullableString, object, oneOf, string, type Obj } from '../validate.js';

export const RESOURCE_TYPES = ['topic', 'broker'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export interface DescribeConfigsResource {
  type: ResourceType;
  name: string;
  /** null = all configs. */
  configNames: string[] | null;
}

export interface DescribeConfigsRequest {
  resources: DescribeConfigsResource[];
}

export const CONFIG_SOURCES = ['topic', 'broker', 'default'] as const;
export type ConfigSource = (typeof CONFIG_SOURCES)[number];

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  source: ConfigSource;
  isSensitive: boolean;
}

export interface DescribeConfigsResult {
  type: ResourceType;
  name: string;
  errorCode: number;
  errorMessage: string | null;
  configs: ConfigEntry[];
}

export interface DescribeConfigsResponse {
  resources: DescribeConfigsResult[];
}

/** Reads `[{ type, name, …rest }]`, the resource list of both config APIs; `rest` reads the other fields. */
export function resources<T extends object>(
  value: unknown,
  path: string,
  rest: (o: Obj, path: string) => T,
): Array<{ type: ResourceType; name: string } & T> {
  return array(value, path, (v, p) => {
    const o = object(v, p);
    return { type: oneOf(o.type, `${p}.type`, RESOURCE_TYPES), name: string(o.name, `${p}.name`), ...rest(o, p) };
  });
}

function decodeEntry(v: unknown, p: string): ConfigEntry {
  const o = object(v, p);
  return {
    name: string(o.name, `${p}.name`),
    value: nullableString(o.value, `${p}.value`),
    readOnly: bool(o.readOnly, `${p}.readOnly`, false),
    isDefault: bool(o.isDefault, `${p}.isDefault`, false),
    source: oneOf(o.source, `${p}.source`, CONFIG_SOURCES),
    isSensitive: bool(o.isSensitive, `${p}.isSensitive`, false),
  };
}

export const DescribeConfigsApi = plainApi<DescribeConfigsRequest, DescribeConfigsResponse>(
  ApiKey.DescribeConfigs,
  'DescribeConfigs',
  (body) => {
    const b = object(body, 'body');
    return {
      resources: resources(b.resources, 'resources', (o, p) => ({
        configNames: nullableArray(o.configNames, `${p}.configNames`, (x, q) => string(x, q)),
      })),
    };
  },
  (body) => {
    const b = object(body, 'body');
    return {
      resources: resources(b.resources, 'resources', (o, p) => ({
        errorCode: int(o.errorCode, `${p}.errorCode`),
        errorMessage: nullableString(o.errorMessage, `${p}.errorMessage`),
        configs: array(o.configs, `${p}.configs`, decodeEntry),
      })),
    };
  },
);
