// SyncGroup: the leader sends the assignment; every member receives its own share.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, bytes, int, message, type MessageValue, string, struct } from '../schema.js';
import { errorCode, errorMessage, groupId, groupInstanceId, memberId, throttleTimeMs } from './fields.js';

const MAX_ASSIGNMENT = 4 * 1024 * 1024;

export const SyncGroupRequestDef = message({
  name: 'SyncGroupRequest',
  type: 'request',
  apiKey: ApiKey.SyncGroup,
  validVersions: '0',
  fields: {
    groupId: groupId(),
    generationId: int(),
    memberId: memberId(),
    groupInstanceId: groupInstanceId(),
    protocolType: string({ maxLength: 255, nullableVersions: '0+' }),
    protocolName: string({ maxLength: 255, nullableVersions: '0+' }),
    assignments: array(
      struct({
        memberId: string({ maxLength: 1024 }),
        assignment: bytes({ maxLength: MAX_ASSIGNMENT }),
      }),
      { maxItems: 10_000, default: [], doc: 'only the leader sends assignments' },
    ),
  },
});

export const SyncGroupResponseDef = message({
  name: 'SyncGroupResponse',
  type: 'response',
  apiKey: ApiKey.SyncGroup,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    protocolType: string({ nullableVersions: '0+' }),
    protocolName: string({ nullableVersions: '0+' }),
    assignment: bytes({ maxLength: MAX_ASSIGNMENT, doc: "opaque to the broker: the SDK's assignor protocol" }),
  },
});

export type SyncGroupRequest = MessageValue<typeof SyncGroupRequestDef>;
export type SyncGroupResponse = MessageValue<typeof SyncGroupResponseDef>;

export const SyncGroupApi = defineApi({
  key: ApiKey.SyncGroup,
  name: 'SyncGroup',
  request: SyncGroupRequestDef,
  response: SyncGroupResponseDef,
});
