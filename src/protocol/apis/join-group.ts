// JoinGroup: a member asks to (re)join; the coordinator answers when the rebalance completes. The
// leader receives every member's protocol metadata and computes the assignment client-side.
import { ApiKey, plainApi } from '../api-keys.js';
import { array, bytes, int, nullableString, object, optionalInt, string } from '../validate.js';
import { body, errorFields, groupId, instanceId } from './group-fields.js';

export interface JoinGroupProtocol {
  /** Assignor name, e.g. 'RoundRobinAssigner'. */
  name: string;
  /** Opaque to the broker: encoded by the SDK's assignor protocol. */
  metadata: Buffer;
}

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** '' for a member joining for the first time. */
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: JoinGroupProtocol[];
  reason: string | null;
}

export interface JoinGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinGroupResponse {
  errorCode: number;
  errorMessage: string | null;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  /** Filled only in the leader's response. */
  members: JoinGroupMember[];
}

const MAX_METADATA = 1024 * 1024;

export const JoinGroupApi = plainApi<JoinGroupRequest, JoinGroupResponse>(
  ApiKey.JoinGroup,
  'JoinGroup',
  (v) => {
    const b = body(v);
    return {
      groupId: groupId(b.groupId, 'groupId'),
      sessionTimeoutMs: int(b.sessionTimeoutMs, 'sessionTimeoutMs', 0),
      rebalanceTimeoutMs: optionalInt(b.rebalanceTimeoutMs, 'rebalanceTimeoutMs', 60_000, 0),
      memberId: string(b.memberId ?? '', 'memberId', 1024),
      groupInstanceId: instanceId(b.groupInstanceId, 'groupInstanceId'),
      protocolType: string(b.protocolType, 'protocolType', 255),
      protocols: array(
        b.protocols,
        'protocols',
        (x, p) => {
          const o = object(x, p);
          return { name: string(o.name, `${p}.name`, 255), metadata: bytes(o.metadata, `${p}.metadata`, MAX_METADATA) };
        },
        64,
      ),
      reason: nullableString(b.reason, 'reason', 4096),
    };
  },
  (v) => {
    const b = body(v);
    return {
      ...errorFields(b, 'body'),
      generationId: int(b.generationId, 'generationId'),
      protocolType: nullableString(b.protocolType, 'protocolType'),
      protocolName: nullableString(b.protocolName, 'protocolName'),
      leader: string(b.leader, 'leader'),
      memberId: string(b.memberId, 'memberId'),
      members: array(b.members, 'members', (x, p) => {
        const o = object(x, p);
        return {
          memberId: string(o.memberId, `${p}.memberId`),
          groupInstanceId: instanceId(o.groupInstanceId, `${p}.groupInstanceId`),
          metadata: bytes(o.metadata, `${p}.metadata`, MAX_METADATA),
        };
      }),
    };
  },
);
