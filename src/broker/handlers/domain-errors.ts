// Where the domain errors of the registries (registries/errors.ts) and of the group coordinator
// (groups/errors.ts) become wire error codes, for every door.
import { ErrorCode, type ErrorName } from '../../protocol/index.js';
import type { GroupError, GroupProblem } from '../groups/errors.js';
import type { ProducerIdProblem, TopicProblem } from '../registries/errors.js';

export const TOPIC_PROBLEM_CODES: Readonly<Record<TopicProblem, ErrorName>> = {
  'unknown-topic': 'UNKNOWN_TOPIC_OR_PARTITION',
  'invalid-name': 'INVALID_TOPIC_EXCEPTION',
  exists: 'TOPIC_ALREADY_EXISTS',
  'invalid-partitions': 'INVALID_PARTITIONS',
  'invalid-config': 'INVALID_CONFIG',
};

// The producer id allocator's (registries/producer-ids.ts): an unreachable etcd is retriable, as Kafka
// answers while its producer id manager waits for a block.
export const PRODUCER_ID_PROBLEM_CODES: Readonly<Record<ProducerIdProblem, ErrorName>> = {
  'blocks-unavailable': 'COORDINATOR_LOAD_IN_PROGRESS',
  'storage-failed': 'KAFKA_STORAGE_ERROR',
};

// The group coordinator's domain errors (groups/errors.ts).
export const GROUP_PROBLEM_CODES: Readonly<Record<GroupProblem, ErrorName>> = {
  'coordinator-loading': 'COORDINATOR_LOAD_IN_PROGRESS',
  'coordinator-closed': 'COORDINATOR_NOT_AVAILABLE',
  'not-coordinator': 'NOT_COORDINATOR',
  'replication-timed-out': 'REQUEST_TIMED_OUT',
  'invalid-group-id': 'INVALID_GROUP_ID',
  'invalid-session-timeout': 'INVALID_SESSION_TIMEOUT',
  'inconsistent-protocol': 'INCONSISTENT_GROUP_PROTOCOL',
  'group-full': 'GROUP_MAX_SIZE_REACHED',
  'unknown-member': 'UNKNOWN_MEMBER_ID',
  'fenced-instance': 'FENCED_INSTANCE_ID',
  'stale-generation': 'ILLEGAL_GENERATION',
  rebalancing: 'REBALANCE_IN_PROGRESS',
  'unknown-partition': 'UNKNOWN_TOPIC_OR_PARTITION',
  'negative-offset': 'INVALID_COMMIT_OFFSET_SIZE',
  'metadata-too-large': 'OFFSET_METADATA_TOO_LARGE',
  'group-not-found': 'GROUP_ID_NOT_FOUND',
  'group-not-empty': 'NON_EMPTY_GROUP',
  'storage-failed': 'KAFKA_STORAGE_ERROR',
  'group-authorization-failed': 'GROUP_AUTHORIZATION_FAILED',
  'topic-authorization-failed': 'TOPIC_AUTHORIZATION_FAILED',
  'unstable-offset': 'UNSTABLE_OFFSET_COMMIT',
};

/** A coordinator answer's error as a wire error code (NONE for null); both doors use it. */
export function groupErrorCode(error: GroupError | null): number {
  return error === null ? ErrorCode.NONE : ErrorCode[GROUP_PROBLEM_CODES[error.problem]];
}

/** A coordinator answer's error as the wire's error code and message. */
export function groupWireError(error: GroupError | null): { errorCode: number; errorMessage: string | null } {
  return { errorCode: groupErrorCode(error), errorMessage: error?.detail ?? null };
}
