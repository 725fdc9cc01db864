// LeaveGroup (13): members leave a group (one member before v3, a batch from v3).
import { api } from '../api.js';
import { array, int16, int32, message, string, struct } from '../schema.js';

export const LeaveGroupRequest = message({
  name: 'LeaveGroupRequest',
  type: 'request',
  apiKey: 13,
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: {
    groupId: string(),
    memberId: string({ versions: '0-2' }),
    members: array(
      struct({
        memberId: string({ versions: '3+' }),
        groupInstanceId: string({ versions: '3+', nullableVersions: '3+', default: null }),
        reason: string({ versions: '5+', nullableVersions: '5+', default: null, ignorable: true }),
      }),
      { versions: '3+' },
    ),
  },
});

export const LeaveGroupResponse = message({
  name: 'LeaveGroupResponse',
  type: 'response',
  apiKey: 13,
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32({ versions: '1+', ignorable: true }),
    errorCode: int16(),
    members: array(
      struct({
        memberId: string({ versions: '3+' }),
        groupInstanceId: string({ versions: '3+', nullableVersions: '3+' }),
        errorCode: int16({ versions: '3+' }),
      }),
      { versions: '3+' },
    ),
  },
});

export const LeaveGroup = api({
  key: 13,
  name: 'LeaveGroup',
  request: LeaveGroupRequest,
  response: LeaveGroupResponse,
  served: '0-4',
  why: 'librdkafka 2.0.2 sends v1, kafkajs v3 (batch of members), @platformatic/kafka v4 (flexible, its lowest)',
});
