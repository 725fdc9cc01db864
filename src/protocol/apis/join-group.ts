// JoinGroup: a member asks to (re)join; the coordinator answers when the rebalance completes. The
// leader receives every member's protocol metadata and computes the assignment client-side.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, bytes, int, message, type MessageValue, string, struct } from '../schema.js';
import { errorCode, errorMessage, groupId, groupInstanceId, throttleTimeMs } from './fields.js';

const MAX_METADATA = 1024 * 1024;

export const JoinGroupRequestDef = message({
  name: 'JoinGroupRequest',
  type: 'request',
  apiKey: ApiKey.JoinGroup,
  validVersions: '0',
  fields: {
    groupId: groupId(),
    sessionTimeoutMs: int({ min: 0 }),
    rebalanceTimeoutMs: int({ min: 0, default: 60_000 }),
    memberId: string({ maxLength: 1024, default: '', doc: "'' when joining for the first time" }),
    groupInstanceId: groupInstanceId(),
    protocolType: string({ maxLength: 255 }),
    protocols: array(
      struct({
        name: string({ maxLength: 255, doc: "assignor name, e.g. 'RoundRobinAssigner'" }),
        metadata: bytes({ maxLength: MAX_METADATA, doc: "opaque to the broker: the SDK's assignor protocol" }),
      }),
      { maxItems: 64 },
    ),
    reason: string({ maxLength: 4096, nullableVersions: '0+' }),
  },
});

export const JoinGroupResponseDef = message({
  name: 'JoinGroupResponse',
  type: 'response',
  apiKey: ApiKey.JoinGroup,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    generationId: int(),
    protocolType: string({ nullableVersions: '0+' }),
    protocolName: string({ nullableVersions: '0+' }),
    leader: string(),
    memberId: string(),
    members: array(
      struct({ memberId: string(), groupInstanceId: groupInstanceId(), metadata: bytes({ maxLength: MAX_METADATA }) }),
      { doc: "filled only in the leader's response" },
    ),
  },
});

export type JoinGroupRequest = MessageValue<typeof JoinGroupRequestDef>;
export type JoinGroupResponse = MessageValue<typeof JoinGroupResponseDef>;
export type JoinGroupProtocol = JoinGroupRequest['protocols'][number];
export type JoinGroupMember = JoinGroupResponse['members'][number];

export const JoinGroupApi = defineApi({
  key: ApiKey.JoinGroup,
  name: 'JoinGroup',
  request: JoinGroupRequestDef,
  response: JoinGroupResponseDef,
});
