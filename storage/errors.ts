// Error classes of the storage engine. Every error carries a stable `code` (the broker maps codes to wire
// errors in its handlers, nowhere else), `retriable` (may the same call succeed later?) and `cause`.

export class StorageError extends Error {
  override name = 'StorageError';
  readonly code: string;
  readonly retriable: boolean;

  constructor(message: string, options: { code: string; retriable?: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retriable = options.retriable ?? false;
  }
}

export class OffsetOutOfRangeError extends StorageError {
  override name = 'OffsetOutOfRangeError';
  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
    topicPartition = '',
  ) {
    super(
      `offset ${offset} is out of range${topicPartition ? ` for ${topicPartition}` : ''}: ` +
        `valid offsets are ${logStartOffset}..${logEndOffset} (log start..log end)`,
      { code: 'OFFSET_OUT_OF_RANGE' },
    );
  }
}

/** A batch handed to append() is malformed (layout, magic, counts or CRC). Nothing was written. */
export class InvalidRecordError extends StorageError {
  override name = 'InvalidRecordError';
  constructor(
    message: string,
    readonly position?: number,
    cause?: unknown,
  ) {
    super(message, { code: 'INVALID_RECORD', cause });
  }
}

/** A batch handed to append() is larger than the caller's limit (the topic's max.message.bytes). Nothing was written. */
export class RecordTooLargeError extends StorageError {
  override name = 'RecordTooLargeError';
  constructor(
    readonly batchBytes: number,
    readonly limit: number,
    readonly position: number,
  ) {
    super(`a record batch of ${batchBytes} bytes (at byte ${position}) exceeds the limit of ${limit} bytes`, {
      code: 'RECORD_TOO_LARGE',
    });
  }
}

/** A sealed segment holds bytes that are not valid batches. Names the file and the byte position. */
export class CorruptLogError extends StorageError {
  override name = 'CorruptLogError';
  constructor(
    readonly file: string,
    readonly position: number,
    reason: string,
    cause?: unknown,
  ) {
    super(
      `corrupt log segment ${file} at byte ${position}: ${reason} ` +
        '(open the partition with repair: true to truncate the log there, losing every later record)',
      { code: 'CORRUPT_LOG', cause },
    );
  }
}

const RETRIABLE_ERRNOS = new Set(['ENOSPC', 'EDQUOT', 'EAGAIN', 'EMFILE', 'ENFILE']);

/** A file-system call failed. `cause` is the errno error; retriable when space or descriptors may free up. */
export class StorageIOError extends StorageError {
  override name = 'StorageIOError';
  readonly errno: string | undefined;
  constructor(message: string, cause?: unknown) {
    const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
    super(`${message}${errno ? ` (${errno})` : ''}`, {
      code: 'STORAGE_IO',
      retriable: errno !== undefined && RETRIABLE_ERRNOS.has(errno),
      cause,
    });
    this.errno = errno;
  }
}

export class LogClosedError extends StorageError {
  override name = 'LogClosedError';
  constructor(what: string) {
    super(`${what} is closed`, { code: 'LOG_CLOSED' });
  }
}

/** Wraps anything that is not already a StorageError as a StorageIOError. */
export function asStorageError(err: unknown, message: string): StorageError {
  return err instanceof StorageError ? err : new StorageIOError(message, err);
}
