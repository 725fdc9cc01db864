// SyncGroup (14): the leader hands out assignments; every member gets its own (opaque bytes).
import { api } from '../api.js';
import { array, bytes, int16, int32, message, string, struct } from '../schema.js';

export const SyncGroupRequest = message({
  name: 'SyncGroupRequest',
  type: 'request',
  apiKey: 14,
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: {
    groupId: string(),
    generationId: int32(),
    memberId: string(),
    groupInstanceId: string({ versions: '3+', nullableVersions: '3+', default: null }),
    protocolType: string({ versions: '5+', nullableVersions: '5+', default: null, ignorable: true }),
    protocolName: string({ versions: '5+', nullableVersions: '5+', default: null, ignorable: true }),
    assignments: array(struct({ memberId: string(), assignment: bytes() })),
  },
});

export const SyncGroupResponse = message({
  name: 'SyncGroupResponse',
  type: 'response',
  apiKey: 14,
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32({ versions: '1+', ignorable: true }),
    errorCode: int16(),
    protocolType: string({ versions: '5+', nullableVersions: '5+', default: null, ignorable: true }),
    protocolName: string({ versions: '5+', nullableVersions: '5+', default: null, ignorable: true }),
    assignment: bytes(),
  },
});

export const SyncGroup = api({
  key: 14,
  name: 'SyncGroup',
  request: SyncGroupRequest,
  response: SyncGroupResponse,
  served: '0-4',
  why: 'kafkajs and librdkafka 2.0.2 send v3; @platformatic/kafka v4 (flexible, its lowest)',
});
