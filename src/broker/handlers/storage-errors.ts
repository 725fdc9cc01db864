// The one place storage errors (and, through domain-errors.ts, the registries' domain errors) become wire
// error codes (DESIGN §7). Per-partition results carry { errorCode, errorMessage }; anything not recognised
// here is a bug and surfaces as UNKNOWN_SERVER_ERROR (logged by the caller with its stack).
import {
  CorruptLogError,
  InvalidRecordError,
  LogClosedError,
  OffsetOutOfRangeError,
  ProducerSequenceError,
  RecordTooLargeError,
  StorageError,
  StorageIOError,
} from '../../../storage/index.js';
import { ErrorCode, ProtocolError } from '../../protocol/index.js';
import { type BatchProblem, InvalidBatchError } from '../../records/errors.js';
import { TopicError } from '../registries/errors.js';
import { TOPIC_PROBLEM_CODES } from './domain-errors.js';

export interface PartitionError {
  errorCode: number;
  errorMessage: string;
}

export function partitionError(code: keyof typeof ErrorCode, errorMessage: string): PartitionError {
  return { errorCode: ErrorCode[code], errorMessage };
}

/** A produced batch refused by src/records/batch-validation.ts, by what was wrong with it. */
const BATCH_PROBLEM_CODES: Readonly<Record<BatchProblem, keyof typeof ErrorCode>> = {
  corrupt: 'CORRUPT_MESSAGE',
  invalid: 'INVALID_RECORD',
  'unsupported-compression': 'UNSUPPORTED_COMPRESSION_TYPE',
  'invalid-timestamp': 'INVALID_TIMESTAMP',
};

/**
 * Maps an error thrown while serving one partition to its wire code. `where` names the partition
 * ("orders-3") for the message. Returns undefined for errors that are not storage, domain or protocol errors.
 */
export function wireErrorOf(error: unknown, where: string): PartitionError | undefined {
  if (error instanceof ProtocolError) return { errorCode: error.code, errorMessage: error.message };
  if (error instanceof TopicError) return partitionError(TOPIC_PROBLEM_CODES[error.problem], error.message);
  if (error instanceof OffsetOutOfRangeError) {
    // Storage's message names the offset, the partition and the valid range (log start..log end).
    return partitionError('OFFSET_OUT_OF_RANGE', error.message);
  }
  if (error instanceof RecordTooLargeError) {
    // The limit storage was given is the topic's max.message.bytes.
    return partitionError(
      'MESSAGE_TOO_LARGE',
      `${where}: a record batch of ${error.batchBytes} bytes exceeds max.message.bytes=${error.limit}`,
    );
  }
  // Storage names these errors by their wire names (OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, …).
  if (error instanceof ProducerSequenceError)
    return partitionError(error.code as keyof typeof ErrorCode, error.message);
  if (error instanceof InvalidBatchError)
    return partitionError(BATCH_PROBLEM_CODES[error.problem], `${where}: ${error.message}`);
  if (error instanceof InvalidRecordError) return partitionError('CORRUPT_MESSAGE', `${where}: ${error.message}`);
  if (error instanceof StorageIOError) return partitionError('KAFKA_STORAGE_ERROR', `${where}: ${error.message}`);
  if (error instanceof LogClosedError) {
    return partitionError(
      'NOT_LEADER_FOR_PARTITION',
      `${where} is closed (topic deleted or broker stopping); refresh metadata and retry`,
    );
  }
  if (error instanceof CorruptLogError) return partitionError('KAFKA_STORAGE_ERROR', `${where}: ${error.message}`);
  if (error instanceof StorageError) return partitionError('KAFKA_STORAGE_ERROR', `${where}: ${error.message}`);
  return undefined;
}

/** Like wireErrorOf, but an unrecognised error is logged and answered UNKNOWN_SERVER_ERROR. */
export function toPartitionError(
  error: unknown,
  where: string,
  log: { error(obj: object, msg: string): void },
): PartitionError {
  const known = wireErrorOf(error, where);
  if (known) return known;
  log.error({ err: error, partition: where }, 'unexpected error serving a partition');
  return partitionError(
    'UNKNOWN_SERVER_ERROR',
    `${where}: unexpected server error (${(error as Error)?.message ?? String(error)})`,
  );
}
