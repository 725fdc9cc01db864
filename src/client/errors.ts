// The SDK's error classes. Every error the SDK throws is a SluiceError carrying `retriable` (may an
// identical request succeed later?), a `type` (stable name) and, for wire errors, the numeric `code`
// from src/protocol/errors.ts. kafkajs's class names are exported as aliases so `instanceof` checks and
// `e.type === 'UNKNOWN_TOPIC_OR_PARTITION'` written for kafkajs keep working.
import { errorInfo, type ErrorName, errorInfoByName } from '../protocol/errors.js';

export interface SluiceErrorOptions {
  retriable?: boolean;
  code?: number | string;
  type?: string;
  cause?: unknown;
}

export class SluiceError extends Error {
  override name = 'SluiceError';
  readonly retriable: boolean;
  /** Wire error code (number) for protocol errors; a system code such as 'ECONNREFUSED' for sockets. */
  readonly code: number | string | undefined;
  readonly type: string;

  constructor(message: string | Error, options: SluiceErrorOptions = {}) {
    const text = typeof message === 'string' ? message : message.message;
    const cause = options.cause ?? (typeof message === 'string' ? undefined : message);
    super(text, cause === undefined ? undefined : { cause });
    this.retriable = options.retriable ?? true;
    this.code = options.code;
    this.type = options.type ?? 'SLUICE_ERROR';
  }
}

export class SluiceNonRetriableError extends SluiceError {
  override name = 'SluiceNonRetriableError';
  constructor(message: string | Error, options: Omit<SluiceErrorOptions, 'retriable'> = {}) {
    super(message, { ...options, retriable: false });
  }
}

/** An error code returned by the broker, for the whole request or for one topic/partition. */
export class SluiceProtocolError extends SluiceError {
  override name = 'SluiceProtocolError';
  declare readonly code: number;

  constructor(code: number | ErrorName, message?: string, options: { cause?: unknown } = {}) {
    const info = typeof code === 'number' ? errorInfo(code) : errorInfoByName(code);
    super(message || info.message, {
      code: info.code,
      type: info.name,
      retriable: info.retriable,
      cause: options.cause,
    });
  }
}

export class SluiceOffsetOutOfRange extends SluiceProtocolError {
  override name = 'SluiceOffsetOutOfRange';
  constructor(
    message: string | undefined,
    readonly topic: string,
    readonly partition: number,
  ) {
    super('OFFSET_OUT_OF_RANGE', message);
  }
}

/** The socket could not be opened, was closed, or failed. Always retriable. */
export class SluiceConnectionError extends SluiceError {
  override name = 'SluiceConnectionError';
  constructor(
    message: string,
    readonly broker: string,
    options: { code?: string; cause?: unknown } = {},
  ) {
    super(message, { retriable: true, code: options.code, type: 'CONNECTION_ERROR', cause: options.cause });
  }
}

export class SluiceRequestTimeoutError extends SluiceError {
  override name = 'SluiceRequestTimeoutError';
  constructor(
    message: string,
    readonly broker: string,
    readonly correlationId: number,
    readonly apiName: string,
  ) {
    super(message, { retriable: true, type: 'REQUEST_TIMED_OUT' });
  }
}

export class SluiceNumberOfRetriesExceeded extends SluiceNonRetriableError {
  override name = 'SluiceNumberOfRetriesExceeded';
  constructor(
    cause: Error,
    readonly retryCount: number,
    readonly retryTime: number,
  ) {
    super(cause, { cause, type: 'NUMBER_OF_RETRIES_EXCEEDED', code: (cause as SluiceError).code });
  }
}

/**
 * A fetched record batch the consumer cannot decode: bytes damaged at rest or a format it cannot read. It
 * stays the same however often it is fetched again, so the consumer crashes with it (kafkajs's CRASH event)
 * instead of waiting on that partition for ever.
 */
export class SluiceCorruptBatchError extends SluiceNonRetriableError {
  override name = 'SluiceCorruptBatchError';
  constructor(
    readonly topic: string,
    readonly partition: number,
    /** Base offset of the batch (decimal string, as kafkajs offsets). */
    readonly offset: string,
    cause: Error,
  ) {
    super(`cannot decode the record batch at offset ${offset} of ${topic}-${partition}: ${cause.message}`, {
      cause,
      type: 'CORRUPT_MESSAGE',
      code: errorInfoByName('CORRUPT_MESSAGE').code,
    });
  }
}

export class SluiceTopicMetadataNotLoaded extends SluiceError {
  override name = 'SluiceTopicMetadataNotLoaded';
  constructor(readonly topic: string) {
    super(`metadata for topic ${topic} is not loaded`, { retriable: true, type: 'TOPIC_METADATA_NOT_LOADED' });
  }
}

export class SluiceNotImplemented extends SluiceNonRetriableError {
  override name = 'SluiceNotImplemented';
}

/** The client was used before connect() or after disconnect(). */
export class SluiceNotConnected extends SluiceNonRetriableError {
  override name = 'SluiceNotConnected';
}

/** Maps a Node socket error code to the words used in connection error messages. */
export function describeSocketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset by peer';
    case 'EPIPE':
      return 'broken pipe';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    default:
      return err.message;
  }
}

// kafkajs names, so code written against kafkajs catches the same things.
export {
  SluiceError as KafkaJSError,
  SluiceNonRetriableError as KafkaJSNonRetriableError,
  SluiceProtocolError as KafkaJSProtocolError,
  SluiceOffsetOutOfRange as KafkaJSOffsetOutOfRange,
  SluiceConnectionError as KafkaJSConnectionError,
  SluiceRequestTimeoutError as KafkaJSRequestTimeoutError,
  SluiceNumberOfRetriesExceeded as KafkaJSNumberOfRetriesExceeded,
  SluiceTopicMetadataNotLoaded as KafkaJSTopicMetadataNotLoaded,
  SluiceNotImplemented as KafkaJSNotImplemented,
};
