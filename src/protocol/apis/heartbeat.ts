// Heartbeat: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
import { ApiKey, defineApi } from '../api-keys.js';
import { int, message, type MessageValue } from '../schema.js';
import { errorCode, errorMessage, groupId, groupInstanceId, memberId, throttleTimeMs } from './fields.js';

export const HeartbeatRequestDef = message({
  name: 'HeartbeatRequest',
  type: 'request',
  apiKey: ApiKey.Heartbeat,
  validVersions: '0',
  fields: { groupId: groupId(), generationId: int(), memberId: memberId(), groupInstanceId: groupInstanceId() },
});

export const HeartbeatResponseDef = message({
  name: 'HeartbeatResponse',
  type: 'response',
  apiKey: ApiKey.Heartbeat,
  validVersions: '0',
  fields: { throttleTimeMs: throttleTimeMs(), errorCode: errorCode(), errorMessage: errorMessage() },
});

export type HeartbeatRequest = MessageValue<typeof HeartbeatRequestDef>;
export type HeartbeatResponse = MessageValue<typeof HeartbeatResponseDef>;

export const HeartbeatApi = defineApi({
  key: ApiKey.Heartbeat,
  name: 'Heartbeat',
  request: HeartbeatRequestDef,
  response: HeartbeatResponseDef,
});
