// Error-shaped responses of the group APIs, so the coordinator's code paths stay one line each.
import type { Group } from './group.js';
import { ErrorCode, type ErrorName, type JoinGroupResponse, type SyncGroupResponse } from '../../protocol/index.js';

const EMPTY = Buffer.alloc(0);

export interface GroupError {
  errorCode: number;
  errorMessage: string | null;
}

export function groupError(name: ErrorName, message: string | null = null): GroupError {
  return { errorCode: ErrorCode[name], errorMessage: message };
}

export const OK: GroupError = Object.freeze({ errorCode: 0, errorMessage: null });

export function joinError(name: ErrorName, memberId = '', message: string | null = null): JoinGroupResponse {
  return {
    ...groupError(name, message),
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    memberId,
    members: [],
  };
}

export function syncError(name: ErrorName, message: string | null = null): SyncGroupResponse {
  return { ...groupError(name, message), protocolType: null, protocolName: null, assignment: EMPTY };
}

// Messages for membership errors: each says what happened and what the member should do.

export function unknownMember(group: Group | undefined, memberId: string, groupId = group?.groupId): string {
  return group
    ? `member '${memberId}' is not in group '${group.groupId}' (never joined, left, or was removed after its session timeout): rejoin`
    : `group '${groupId}' does not exist: join it first`;
}

/** A request naming a static instance that is now registered to a different member id comes from a fenced incarnation. */
export function isFenced(group: Group, memberId: string, instanceId: string | null): boolean {
  if (instanceId === null) return false;
  const registered = group.memberIdOfInstance(instanceId);
  return registered !== undefined && registered !== memberId;
}

export function fenced(instanceId: string): string {
  return `another member has registered with group.instance.id '${instanceId}': this one is fenced`;
}

export function staleGeneration(group: Group, generationId: number): string {
  return `generation ${generationId} is stale: group '${group.groupId}' is at generation ${group.generationId}; rejoin`;
}
