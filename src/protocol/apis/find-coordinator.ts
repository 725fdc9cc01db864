// FindCoordinator: which broker coordinates a group (on a single broker: itself).
import { ApiKey, defineApi } from '../api-keys.js';
import { int, message, type MessageValue, string } from '../schema.js';
import { errorCode, errorMessage, groupId, throttleTimeMs } from './fields.js';

export const FindCoordinatorRequestDef = message({
  name: 'FindCoordinatorRequest',
  type: 'request',
  apiKey: ApiKey.FindCoordinator,
  validVersions: '0',
  fields: {
    key: groupId(),
    keyType: int({ min: 0, max: 1, default: 0, doc: '0 = consumer group, 1 = transactional id' }),
  },
});

export const FindCoordinatorResponseDef = message({
  name: 'FindCoordinatorResponse',
  type: 'response',
  apiKey: ApiKey.FindCoordinator,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    nodeId: int(),
    host: string(),
    port: int({ min: 0, max: 65535 }),
  },
});

export type FindCoordinatorRequest = MessageValue<typeof FindCoordinatorRequestDef>;
export type FindCoordinatorResponse = MessageValue<typeof FindCoordinatorResponseDef>;

export const FindCoordinatorApi = defineApi({
  key: ApiKey.FindCoordinator,
  name: 'FindCoordinator',
  request: FindCoordinatorRequestDef,
  response: FindCoordinatorResponseDef,
});
