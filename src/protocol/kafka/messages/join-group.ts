// JoinGroup (11): a member joins (or rejoins) a group; member metadata and the chosen protocol are opaque.
import { api } from '../api.js';
import { array, bool, bytes, int16, int32, message, string, struct } from '../schema.js';

export const JoinGroupRequest = message({
  name: 'JoinGroupRequest',
  type: 'request',
  apiKey: 11,
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: {
    groupId: string(),
    sessionTimeoutMs: int32(),
    rebalanceTimeoutMs: int32({ versions: '1+', default: -1, ignorable: true }),
    memberId: string(),
    groupInstanceId: string({ versions: '5+', nullableVersions: '5+', default: null }),
    protocolType: string(),
    protocols: array(struct({ name: string(), metadata: bytes() })),
    reason: string({ versions: '8+', nullableVersions: '8+', default: null, ignorable: true }),
  },
});

export const JoinGroupResponse = message({
  name: 'JoinGroupResponse',
  type: 'response',
  apiKey: 11,
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: {
    throttleTimeMs: int32({ versions: '2+', ignorable: true }),
    errorCode: int16(),
    generationId: int32({ default: -1 }),
    protocolType: string({ versions: '7+', nullableVersions: '7+', default: null, ignorable: true }),
    protocolName: string({ nullableVersions: '7+' }),
    leader: string(),
    skipAssignment: bool({ versions: '9+', default: false }),
    memberId: string(),
    members: array(
      struct({
        memberId: string(),
        groupInstanceId: string({ versions: '5+', nullableVersions: '5+', default: null, ignorable: true }),
        metadata: bytes(),
      }),
    ),
  },
});

export const JoinGroup = api({
  key: 11,
  name: 'JoinGroup',
  request: JoinGroupRequest,
  response: JoinGroupResponse,
  served: '0-6',
  why: 'kafkajs and librdkafka 2.0.2 send v5 (v4+: MEMBER_ID_REQUIRED handshake; librdkafka needs v0 in the range for GSSAPI); @platformatic/kafka v6 (flexible, its lowest)',
});
