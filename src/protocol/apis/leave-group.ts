// LeaveGroup: members leave at once instead of waiting out the session timeout.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, message, type MessageValue, string, struct } from '../schema.js';
import { errorCode, errorMessage, groupId, groupInstanceId, throttleTimeMs } from './fields.js';

export const LeaveGroupRequestDef = message({
  name: 'LeaveGroupRequest',
  type: 'request',
  apiKey: ApiKey.LeaveGroup,
  validVersions: '0',
  fields: {
    groupId: groupId(),
    members: array(
      struct({
        memberId: string({ maxLength: 1024, default: '' }),
        groupInstanceId: groupInstanceId(),
        reason: string({ maxLength: 4096, nullableVersions: '0+' }),
      }),
      { maxItems: 10_000 },
    ),
  },
});

export const LeaveGroupResponseDef = message({
  name: 'LeaveGroupResponse',
  type: 'response',
  apiKey: ApiKey.LeaveGroup,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    members: array(struct({ memberId: string(), groupInstanceId: groupInstanceId(), errorCode: errorCode() })),
  },
});

export type LeaveGroupRequest = MessageValue<typeof LeaveGroupRequestDef>;
export type LeaveGroupResponse = MessageValue<typeof LeaveGroupResponseDef>;

export const LeaveGroupApi = defineApi({
  key: ApiKey.LeaveGroup,
  name: 'LeaveGroup',
  request: LeaveGroupRequestDef,
  response: LeaveGroupResponseDef,
});
