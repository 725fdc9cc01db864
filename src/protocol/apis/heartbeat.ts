// Heartbeat: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
import { ApiKey, plainApi } from '../api-keys.js';
import { body, errorFields, memberOfGeneration } from './group-fields.js';

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface HeartbeatResponse {
  errorCode: number;
  errorMessage: string | null;
}

export const HeartbeatApi = plainApi<HeartbeatRequest, HeartbeatResponse>(
  ApiKey.Heartbeat,
  'Heartbeat',
  (v) => memberOfGeneration(body(v)),
  (v) => errorFields(body(v), 'body'),
);
