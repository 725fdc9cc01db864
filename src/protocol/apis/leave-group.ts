// LeaveGroup: members leave at once instead of waiting out the session timeout.
import { ApiKey, plainApi } from '../api-keys.js';
import { array, int, nullableString, object, string } from '../validate.js';
import { body, errorFields, groupId, instanceId } from './group-fields.js';

export interface LeaveGroupRequest {
  groupId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; reason: string | null }>;
}

export interface LeaveGroupResponse {
  errorCode: number;
  errorMessage: string | null;
  members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }>;
}

export const LeaveGroupApi = plainApi<LeaveGroupRequest, LeaveGroupResponse>(
  ApiKey.LeaveGroup,
  'LeaveGroup',
  (v) => {
    const b = body(v);
    return {
      groupId: groupId(b.groupId, 'groupId'),
      members: array(
        b.members,
        'members',
        (x, p) => {
          const o = object(x, p);
          return {
            memberId: string(o.memberId ?? '', `${p}.memberId`, 1024),
            groupInstanceId: instanceId(o.groupInstanceId, `${p}.groupInstanceId`),
            reason: nullableString(o.reason, `${p}.reason`, 4096),
          };
        },
        10_000,
      ),
    };
  },
  (v) => {
    const b = body(v);
    return {
      ...errorFields(b, 'body'),
      members: array(b.members, 'members', (x, p) => {
        const o = object(x, p);
        return {
          memberId: string(o.memberId, `${p}.memberId`),
          groupInstanceId: instanceId(o.groupInstanceId, `${p}.groupInstanceId`),
          errorCode: int(o.errorCode, `${p}.errorCode`),
        };
      }),
    };
  },
);
