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

type WireAckResult = {
  topic: string;
  partition: number;
  offset: number;
  errorCode: number;
  errorMessage: string | null;
};

/**
 * Acknowledgement results on the wire. `perEntry` (ShareAcknowledge v0, ShareFetch v1, whose entries are
 * single offsets): one result per entry sent, in order, 0 for those settled; otherwise (the versions with
 * ranges) the failed offsets only.
 */
export function shareAckResults(
  acks: ReadonlyArray<{ topic: string; partition: number; offset: number }>,
  failures: readonly AckResult[],
  perEntry: boolean,
  where: string,
  log: { error(obj: object, msg: string): void },
): WireAckResult[] {
  const wire = ({ topic, partition, offset, error }: AckResult): WireAckResult => ({
    topic,
    partition,
    offset,
    ...shareWireError(error, where, log),
  });
  if (!perEntry) return failures.map(wire);
  const failed = new Map(failures.map((f) => [`${f.topic}\0${f.partition}\0${f.offset}`, f]));
  return acks.map(({ topic, partition, offset }) => {
    const failure = failed.get(`${topic}\0${partition}\0${offset}`);
    return failure ? wire(failure) : { topic, partition, offset, errorCode: 0, errorMessage: null };
  });
}
