// The native door's group responses from the coordinator's answers (groups/responses.ts): each answer's
// domain error becomes the wire's error code and message (domain-errors.ts), at every level it occurs.
import type {
  DeleteGroupsResponse,
  DescribeGroupsResponse,
  HeartbeatResponse,
  JoinGroupResponse,
  LeaveGroupResponse,
  ListGroupsResponse,
  OffsetCommitResponse,
  OffsetFetchResponse,
  SyncGroupResponse,
} from '../../protocol/index.js';
import type {
  CommitAnswer,
  DeleteGroupsAnswer,
  DescribeGroupsAnswer,
  HeartbeatAnswer,
  JoinAnswer,
  LeaveAnswer,
  ListGroupsAnswer,
  OffsetFetchAnswer,
  SyncAnswer,
} from '../groups/index.js';
import { groupErrorCode, groupWireError } from './domain-errors.js';
import type { Answer } from './types.js';

export function joinResponse({ error, ...answer }: JoinAnswer): Answer<JoinGroupResponse> {
  return { ...groupWireError(error), ...answer };
}

export function syncResponse({ error, ...answer }: SyncAnswer): Answer<SyncGroupResponse> {
  return { ...groupWireError(error), ...answer };
}

export function heartbeatResponse({ error }: HeartbeatAnswer): Answer<HeartbeatResponse> {
  return groupWireError(error);
}

export function leaveResponse({ error, members }: LeaveAnswer): Answer<LeaveGroupResponse> {
  return {
    ...groupWireError(error),
    members: members.map(({ error: memberError, ...m }) => ({ ...m, errorCode: groupErrorCode(memberError) })),
  };
}

export function commitResponse({ topics }: CommitAnswer): Answer<OffsetCommitResponse> {
  return {
    topics: topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map(({ error, partition }) => ({ partition, ...groupWireError(error) })),
    })),
  };
}

export function offsetFetchResponse({ error, topics }: OffsetFetchAnswer): Answer<OffsetFetchResponse> {
  return {
    ...groupWireError(error),
    topics: topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map(({ error: partitionError, ...p }) => ({
        ...p,
        errorCode: groupErrorCode(partitionError ?? null),
      })),
    })),
  };
}

export function listGroupsResponse({ error, groups }: ListGroupsAnswer): Answer<ListGroupsResponse> {
  return { errorCode: groupErrorCode(error), groups };
}

export function describeGroupsResponse({ groups }: DescribeGroupsAnswer): Answer<DescribeGroupsResponse> {
  return { groups: groups.map(({ error, ...group }) => ({ ...groupWireError(error), ...group })) };
}

export function deleteGroupsResponse({ results }: DeleteGroupsAnswer): Answer<DeleteGroupsResponse> {
  return { results: results.map(({ error, groupId }) => ({ groupId, ...groupWireError(error) })) };
}
