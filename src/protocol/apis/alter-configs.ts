// AlterConfigs: changes topic configs incrementally — named keys are set, a null value reverts the key
// to its default, keys not named keep their value (Kafka's IncrementalAlterConfigs semantics).
import { ApiKey, plainApi } from '../api-keys.js';
import { bool, int, nullableString, object, stringMap } from '../validate.js';
import { resources, type ResourceType } from './describe-configs.js';

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
      resources: resources(b.resources, 'resources', (o, p) => ({
        configs: stringMap(o.configs, `${p}.configs`, true),
      })),
      validateOnly: bool(b.validateOnly, 'validateOnly', false),
    };
  },
  (body) => {
    const b = object(body, 'body');
    return {
      resources: resources(b.resources, 'resources', (o, p) => ({
        errorCode: int(o.errorCode, `${p}.errorCode`),
        errorMessage: nullableString(o.errorMessage, `${p}.errorMessage`),
      })),
    };
  },
);
