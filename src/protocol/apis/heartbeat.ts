// Heartbeat: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
import { ApiKey, plainApi } from '../api-keys.js';
import { int, string } from '../validate.js';
import { body, errorFields, groupId, instanceId } from './group-fields.js';

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
  (v) => {
    const b = body(v);
    return {
      groupId: groupId(b.groupId, 'groupId'),
      generationId: int(b.generationId, 'generationId'),
      memberId: string(b.memberId, 'memberId', 1024),
      groupInstanceId: instanceId(b.groupInstanceId, 'groupInstanceId'),
    };
  },
  (v) => errorFields(body(v), 'body'),
);
