// AlterConfigs: changes topic configs incrementally — named keys are set, a null value reverts the key
// to its default, keys not named keep their value (Kafka's IncrementalAlterConfigs semantics).
import { ApiKey, plainApi } from '../api-keys.js';
import { array, bool, int, nullableString, object, oneOf, string, stringMap } from '../validate.js';
import { RESOURCE_TYPES, type ResourceType } from './describe-configs.js';

export interface AlterConfigsResource {
  type: ResourceType;
  name: string;
  configs: Record<string, string | null>;
}

export interface AlterConfigsRequest {
  resources: AlterConfigsResource[];
  validateOnly: boolean;
}

export interface AlterConfigsResult {
  type: ResourceType;
  name: string;
  errorCode: number;
  errorMessage: string | null;
}

export interface AlterConfigsResponse {
  resources: AlterConfigsResult[];
}

export const AlterConfigsApi = plainApi<AlterConfigsRequest, AlterConfigsResponse>(
  ApiKey.AlterConfigs,
  'AlterConfigs',
  (body) => {
    const b = object(body, 'body');
    return {
      resources: array(b.resources, 'resources', (v, p) => {
        const o = object(v, p);
        return {
          type: oneOf(o.type, `${p}.type`, RESOURCE_TYPES),
          name: string(o.name, `${p}.name`),
          configs: stringMap(o.configs, `${p}.configs`, true),
        };
      }),
      validateOnly: bool(b.validateOnly, 'validateOnly', false),
    };
  },
  (body) => {
    const b = object(body, 'body');
    return {
      resources: array(b.resources, 'resources', (v, p) => {
        const o = object(v, p);
        return {
          type: oneOf(o.type, `${p}.type`, RESOURCE_TYPES),
          name: string(o.name, `${p}.name`),
          errorCode: int(o.errorCode, `${p}.errorCode`),
          errorMessage: nullableString(o.errorMessage, `${p}.errorMessage`),
        };
      }),
    };
  },
);
