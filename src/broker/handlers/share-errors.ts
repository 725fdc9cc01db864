// Where share groups' domain errors (share/errors.ts) and the storage errors of their state appends
// become wire codes, for the share-group handlers.
import type { ErrorName } from '../../protocol/index.js';
import { ErrorCode } from '../../protocol/index.js';
import { type AckResult, ShareError, type ShareProblem } from '../share/index.js';
import { toPartitionError } from './storage-errors.js';

export const SHARE_PROBLEM_CODES: Readonly<Record<ShareProblem, ErrorName>> = {
  'not-held': 'INVALID_RECORD_STATE',
  'unknown-member': 'UNKNOWN_MEMBER_ID',
  'unknown-group': 'GROUP_ID_NOT_FOUND',
  'group-not-empty': 'NON_EMPTY_GROUP',
  'unknown-topic': 'UNKNOWN_TOPIC_OR_PARTITION',
  'invalid-value': 'INVALID_REQUEST',
};

export interface ShareWireError {
  errorCode: number;
  errorMessage: string;
}

/** A share operation's error as { errorCode, errorMessage }; unknown errors are logged, UNKNOWN_SERVER_ERROR. */
export function shareWireError(
  error: unknown,
  where: string,
  log: { error(obj: object, msg: string): void },
): ShareWireError {
  if (error instanceof ShareError)
    return { errorCode: ErrorCode[SHARE_PROBLEM_CODES[error.problem]], errorMessage: error.message };
  return toPartitionError(error, where, log);
}

/** Per-record acknowledgement results on the wire (ShareAcknowledge, ShareFetch v1). */
export function shareAckResults(
  results: readonly AckResult[],
  where: string,
  log: { error(obj: object, msg: string): void },
): Array<{ topic: string; partition: number; offset: number; errorCode: number; errorMessage: string | null }> {
  return results.map(({ topic, partition, offset, error }) => ({
    topic,
    partition,
    offset,
    ...(error ? shareWireError(error, where, log) : { errorCode: 0, errorMessage: null }),
  }));
}
