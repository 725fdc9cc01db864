// FindCoordinator: which broker coordinates a group (on a single broker: itself).
import { ApiKey, plainApi } from '../api-keys.js';
import { int, optionalInt, string } from '../validate.js';
import { body, errorFields, groupId } from './group-fields.js';

export interface FindCoordinatorRequest {
  key: string;
  /** 0 = consumer group. */
  keyType: number;
}

export interface FindCoordinatorResponse {
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

export const FindCoordinatorApi = plainApi<FindCoordinatorRequest, FindCoordinatorResponse>(
  ApiKey.FindCoordinator,
  'FindCoordinator',
  (v) => {
    const b = body(v);
    return { key: groupId(b.key, 'key'), keyType: optionalInt(b.keyType, 'keyType', 0, 0, 1) };
  },
  (v) => {
    const b = body(v);
    return {
      ...errorFields(b, 'body'),
      nodeId: int(b.nodeId, 'nodeId'),
      host: string(b.host, 'host'),
      port: int(b.port, 'port', 0, 65535),
    };
  },
);
