// What the coordinator answers, per group API: the wire response's fields, with a domain error (errors.ts)
// where the wire has its error code and message; handlers/group-answers.ts makes the responses. The
// error-shaped answers are here, so the coordinator's code paths stay one line each.
import { GroupError, type GroupOutcome, type GroupProblem } from './errors.js';
import type {
  DeleteGroupsResponse,
  DescribedGroup,
  JoinGroupResponse,
  LeaveGroupResponse,
  ListGroupsResponse,
  OffsetCommitResponse,
  OffsetFetchResponse,
  SyncGroupResponse,
} from '../../protocol/index.js';

const EMPTY = Buffer.alloc(0);

/** `T` with its wire error fields replaced by `error` (and without throttleTimeMs, the wire's own). */
type Answer<T> = Omit<T, 'errorCode' | 'errorMessage' | 'throttleTimeMs'> & GroupOutcome;

type TopicPartitions<P> = Array<{ name: string; partitions: P[] }>;

export type JoinAnswer = Answer<JoinGroupResponse>;
export type SyncAnswer = Answer<SyncGroupResponse>;
export type HeartbeatAnswer = GroupOutcome;
export interface LeaveAnswer extends GroupOutcome {
  members: Array<Answer<LeaveGroupResponse['members'][number]>>;
}
export interface CommitAnswer {
  topics: TopicPartitions<Answer<OffsetCommitResponse['topics'][number]['partitions'][number]>>;
}
export interface OffsetFetchAnswer extends GroupOutcome {
  /** A partition's own error (a topic the principal may not Describe); absent or null: the group's. */
  topics: TopicPartitions<
    Omit<OffsetFetchResponse['topics'][number]['partitions'][number], 'errorCode'> & { error?: GroupError | null }
  >;
}
export type ListGroupsAnswer = Answer<ListGroupsResponse>;
export type DescribedGroupAnswer = Answer<DescribedGroup>;
export interface DescribeGroupsAnswer {
  groups: DescribedGroupAnswer[];
}
export interface DeleteGroupsAnswer {
  results: Array<Answer<DeleteGroupsResponse['results'][number]>>;
}

export function groupError(problem: GroupProblem, detail: string | null = null): GroupOutcome {
  return { error: new GroupError(problem, detail) };
}

export const OK: GroupOutcome = Object.freeze({ error: null });

export function joinError(problem: GroupProblem, memberId = '', detail: string | null = null): JoinAnswer {
  return {
    ...groupError(problem, detail),
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    memberId,
    members: [],
  };
}

export function syncError(problem: GroupProblem, detail: string | null = null): SyncAnswer {
  return { ...groupError(problem, detail), protocolType: null, protocolName: null, assignment: EMPTY };
}

// Messages for membership errors: each says what happened and what the member should do.

export function unknownMember(
  group: { readonly groupId: string } | undefined,
  memberId: string,
  groupId = group?.groupId,
): string {
  return group
    ? `member '${memberId}' is not in group '${group.groupId}' (never joined, left, or was removed after its session timeout): rejoin`
    : `group '${groupId}' does not exist: join it first`;
}

export function fenced(instanceId: string): string {
  return `another member has registered with group.instance.id '${instanceId}': this one is fenced`;
}

export function staleGeneration(
  group: { readonly groupId: string; readonly generationId: number },
  generationId: number,
): string {
  return `generation ${generationId} is stale: group '${group.groupId}' is at generation ${group.generationId}; rejoin`;
}
