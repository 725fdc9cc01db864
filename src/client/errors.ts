// The SDK's error classes. Every error the SDK throws is a SluiceError carrying `retriable` (may an
// identical request succeed later?), a `type` (stable name) and, for wire errors, the numeric `code`
// from src/protocol/errors.ts.
//
// kafkajs compatibility: every class kafkajs 2.x exports exists under its kafkajs name too (the same class,
// so `instanceof KafkaJSProtocolError` works), and a class kafkajs also has carries kafkajs's `name`
// ('KafkaJSNumberOfRetriesExceeded', …), so `error.name === '…'` checks written for kafkajs keep working.
// Constructors accept kafkajs's argument forms (`new KafkaJSConnectionError(message, { broker, code })`)
// beside Sluice's own. Sluice's additions (SluiceNotConnected) keep Sluice names.
import { errorInfo, type ErrorName, errorInfoByName, isErrorName } from '../protocol/errors.js';

export interface SluiceErrorOptions {
  retriable?: boolean;
  code?: number | string;
  type?: string;
  cause?: unknown;
}

/** What kafkajs passes to its protocol error classes: an Error, a message, or a table entry. */
export interface KafkaJSErrorLike {
  message?: string;
  type?: string;
  code?: number;
  retriable?: boolean;
  helpUrl?: string;
}

const messageOf = (e: unknown): string =>
  typeof e === 'string' ? e : ((e as { message?: unknown } | null)?.message as string | undefined) || String(e);

export class SluiceError extends Error {
  override name = 'KafkaJSError';
  readonly retriable: boolean;
  /** Wire error code (number) for protocol errors; a system code such as 'ECONNREFUSED' for sockets. */
  readonly code: number | string | undefined;
  readonly type: string;
  /** kafkajs: a link explaining the error, where one exists. */
  helpUrl?: string;

  constructor(message: string | Error | KafkaJSErrorLike, options: SluiceErrorOptions = {}) {
    const text = messageOf(message);
    const cause = options.cause ?? (message instanceof Error ? message : undefined);
    super(text, cause === undefined ? undefined : { cause });
    this.retriable = options.retriable ?? true;
    this.code = options.code;
    this.type = options.type ?? 'SLUICE_ERROR';
    const helpUrl = (message as KafkaJSErrorLike | null)?.helpUrl;
    if (typeof helpUrl === 'string') this.helpUrl = helpUrl;
  }
}

export class SluiceNonRetriableError extends SluiceError {
  override name = 'KafkaJSNonRetriableError';
  constructor(message: string | Error | KafkaJSErrorLike, options: Omit<SluiceErrorOptions, 'retriable'> = {}) {
    super(message, { ...options, retriable: false });
  }
}

/** An error code returned by the broker, for the whole request or for one topic/partition. */
export class SluiceProtocolError extends SluiceError {
  override name = 'KafkaJSProtocolError';
  declare readonly code: number;

  /** Sluice: a wire code or its name, and a message. kafkajs: an error-like `{ message, type, code }`. */
  constructor(code: number | ErrorName, message?: string, options?: { cause?: unknown });
  constructor(e: Error | string | KafkaJSErrorLike, options?: { retriable?: boolean });
  constructor(
    code: number | string | Error | KafkaJSErrorLike,
    message?: string | { retriable?: boolean },
    options: { cause?: unknown } = {},
  ) {
    if (typeof code === 'number' || (typeof code === 'string' && isErrorName(code))) {
      const info = typeof code === 'number' ? errorInfo(code) : errorInfoByName(code as ErrorName);
      super((typeof message === 'string' && message) || info.message, {
        code: info.code,
        type: info.name,
        retriable: info.retriable,
        cause: options.cause,
      });
      return;
    }
    // kafkajs's form: what the error-like says, retriable unless it says otherwise (kafkajs's default).
    const like = (typeof code === 'string' ? { message: code } : code) as KafkaJSErrorLike;
    const known = typeof like.type === 'string' && isErrorName(like.type) ? errorInfoByName(like.type) : undefined;
    super(like, {
      code: typeof like.code === 'number' ? like.code : (known?.code ?? -1),
      type: like.type ?? 'UNKNOWN',
      retriable: (message as { retriable?: boolean } | undefined)?.retriable ?? like.retriable ?? true,
    });
  }
}

export class SluiceOffsetOutOfRange extends SluiceProtocolError {
  override name = 'KafkaJSOffsetOutOfRange';
  readonly topic: string;
  readonly partition: number;
  constructor(message: string | undefined, topic: string, partition: number);
  constructor(e: Error | string | KafkaJSErrorLike, metadata: { topic: string; partition: number });
  constructor(
    message: string | undefined | Error | KafkaJSErrorLike,
    topic: string | { topic: string; partition: number },
    partition?: number,
  ) {
    if (typeof topic === 'object')
      super(typeof message === 'string' ? { message, type: 'OFFSET_OUT_OF_RANGE' } : message!);
    else super('OFFSET_OUT_OF_RANGE', message === undefined ? undefined : messageOf(message));
    if (typeof topic === 'object') {
      this.topic = topic.topic;
      this.partition = topic.partition;
    } else {
      this.topic = topic;
      this.partition = partition!;
    }
  }
}

/** kafkajs: JoinGroup answered MEMBER_ID_REQUIRED; the member rejoins with the id it was given. */
export class KafkaJSMemberIdRequired extends SluiceProtocolError {
  override name = 'KafkaJSMemberIdRequired';
  readonly memberId: string;
  constructor(e: Error | string | KafkaJSErrorLike, metadata: { memberId: string }) {
    super(typeof e === 'string' ? { message: e, type: 'MEMBER_ID_REQUIRED' } : e);
    this.memberId = metadata.memberId;
  }
}

/** The socket could not be opened, was closed, or failed. Always retriable. */
export class SluiceConnectionError extends SluiceError {
  override name = 'KafkaJSConnectionError';
  readonly broker: string;
  constructor(message: string, broker: string, options?: { code?: string; cause?: unknown });
  constructor(e: Error | string, metadata?: { broker?: string; code?: string });
  constructor(
    message: string | Error,
    broker?: string | { broker?: string; code?: string },
    options: { code?: string; cause?: unknown } = {},
  ) {
    const meta = typeof broker === 'object' ? broker : { broker, ...options };
    super(message, { retriable: true, code: meta.code, type: 'CONNECTION_ERROR', cause: options.cause });
    this.broker = meta.broker ?? '';
  }
}

/**
 * The peer at a broker address does not speak Sluice's native protocol (an HTTP server, a Kafka-protocol
 * port, a TLS port without `ssl`): `brokers` names the wrong port, which no retry mends.
 */
export class SluiceForeignProtocolError extends SluiceNonRetriableError {
  override name = 'SluiceForeignProtocolError';
  readonly broker: string;
  constructor(message: string, broker: string, options: { cause?: unknown } = {}) {
    super(message, { type: 'FOREIGN_PROTOCOL', cause: options.cause });
    this.broker = broker;
  }
}

/** kafkajs: the broker closed the connection. */
export class KafkaJSConnectionClosedError extends SluiceConnectionError {
  override name = 'KafkaJSConnectionClosedError';
  readonly host: string | undefined;
  readonly port: number | undefined;
  constructor(e: Error | string, metadata: { host?: string; port?: number } = {}) {
    super(e, { broker: `${metadata.host}:${metadata.port}` });
    this.host = metadata.host;
    this.port = metadata.port;
  }
}

export interface RequestTimeoutDetails {
  broker: string;
  correlationId: number;
  apiName?: string;
  clientId?: string;
  createdAt?: number;
  sentAt?: number;
  pendingDuration?: number;
}

export class SluiceRequestTimeoutError extends SluiceError {
  override name = 'KafkaJSRequestTimeoutError';
  readonly broker: string;
  readonly correlationId: number;
  readonly apiName: string;
  readonly createdAt: number;
  readonly sentAt: number;
  readonly pendingDuration: number;
  constructor(message: string, broker: string, correlationId: number, apiName: string);
  constructor(e: Error | string, metadata: RequestTimeoutDetails);
  constructor(
    message: string | Error,
    broker: string | RequestTimeoutDetails,
    correlationId?: number,
    apiName?: string,
  ) {
    super(message, { retriable: true, type: 'REQUEST_TIMED_OUT' });
    const details: RequestTimeoutDetails =
      typeof broker === 'object' ? broker : { broker, correlationId: correlationId!, apiName };
    this.broker = details.broker;
    this.correlationId = details.correlationId;
    this.apiName = details.apiName ?? '';
    this.createdAt = details.createdAt ?? 0;
    this.sentAt = details.sentAt ?? 0;
    this.pendingDuration = details.pendingDuration ?? 0;
  }
}

export class SluiceNumberOfRetriesExceeded extends SluiceNonRetriableError {
  override name = 'KafkaJSNumberOfRetriesExceeded';
  readonly retryCount: number;
  readonly retryTime: number;
  constructor(cause: Error, retryCount: number, retryTime: number);
  constructor(e: Error | string, metadata: { retryCount: number; retryTime: number });
  constructor(
    cause: Error | string,
    retryCount: number | { retryCount: number; retryTime: number },
    retryTime?: number,
  ) {
    const counts = typeof retryCount === 'object' ? retryCount : { retryCount, retryTime: retryTime! };
    super(cause, { cause, type: 'NUMBER_OF_RETRIES_EXCEEDED', code: (cause as SluiceError).code });
    this.retryCount = counts.retryCount;
    this.retryTime = counts.retryTime;
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

/** kafkajs: cluster metadata was used before it was loaded. */
export class KafkaJSMetadataNotLoaded extends SluiceError {
  override name = 'KafkaJSMetadataNotLoaded';
  constructor(message: string | Error = 'metadata is not loaded', options: SluiceErrorOptions = {}) {
    super(message, { type: 'METADATA_NOT_LOADED', ...options });
  }
}

export class SluiceTopicMetadataNotLoaded extends KafkaJSMetadataNotLoaded {
  override name = 'KafkaJSTopicMetadataNotLoaded';
  readonly topic: string;
  constructor(topic: string);
  constructor(e: Error | string, metadata: { topic: string });
  constructor(e: string | Error, metadata?: { topic: string }) {
    const topic = metadata ? metadata.topic : String(e);
    super(metadata ? e : `metadata for topic ${topic} is not loaded`, { type: 'TOPIC_METADATA_NOT_LOADED' });
    this.topic = topic;
  }
}

/** kafkajs: an assignment named partitions the metadata does not know (yet). */
export class KafkaJSStaleTopicMetadataAssignment extends SluiceError {
  override name = 'KafkaJSStaleTopicMetadataAssignment';
  readonly topic: string | undefined;
  readonly unknownPartitions: unknown;
  constructor(e: Error | string, metadata: { topic?: string; unknownPartitions?: unknown } = {}) {
    super(e);
    this.topic = metadata.topic;
    this.unknownPartitions = metadata.unknownPartitions;
  }
}

/** deleteGroups: one or more groups could not be deleted; `groups` says which and why. */
export class SluiceDeleteGroupsError extends SluiceProtocolError {
  override name = 'KafkaJSDeleteGroupsError';
  readonly groups: Array<{ groupId: string; errorCode: number; error: SluiceError }>;
  constructor(groups: Array<{ groupId: string; errorCode: number; error: SluiceProtocolError }>);
  constructor(e: Error | string, groups?: Array<{ groupId: string; errorCode: number; error: SluiceError }>);
  constructor(
    e: Error | string | Array<{ groupId: string; errorCode: number; error: SluiceProtocolError }>,
    groups: Array<{ groupId: string; errorCode: number; error: SluiceError }> = [],
  ) {
    if (Array.isArray(e)) {
      super(e[0]!.errorCode, `could not delete ${e.map((g) => `'${g.groupId}' (${g.error.type})`).join(', ')}`);
      this.groups = e;
    } else {
      super(e);
      this.groups = groups;
    }
  }
}

/** The broker lacks an API (or every version of it the client speaks). */
export class KafkaJSServerDoesNotSupportApiKey extends SluiceNonRetriableError {
  override name = 'KafkaJSServerDoesNotSupportApiKey';
  readonly apiKey: number | undefined;
  readonly apiName: string | undefined;
  constructor(e: Error | string, metadata: { apiKey?: number; apiName?: string } = {}) {
    super(e, { type: 'UNSUPPORTED_VERSION' });
    this.apiKey = metadata.apiKey;
    this.apiName = metadata.apiName;
  }
}

/** A node id the metadata does not (or no longer) know. Retriable: metadata is refreshed first. */
export class KafkaJSBrokerNotFound extends SluiceError {
  override name = 'KafkaJSBrokerNotFound';
  constructor(message: string | Error = 'broker not found', options: SluiceErrorOptions = {}) {
    super(message, { type: 'BROKER_NOT_FOUND', ...options });
  }
}

export class KafkaJSPartialMessageError extends SluiceNonRetriableError {
  override name = 'KafkaJSPartialMessageError';
}

export class KafkaJSSASLAuthenticationError extends SluiceNonRetriableError {
  override name = 'KafkaJSSASLAuthenticationError';
}

export class KafkaJSGroupCoordinatorNotFound extends SluiceNonRetriableError {
  override name = 'KafkaJSGroupCoordinatorNotFound';
}

/** A kafkajs feature Sluice does not have yet (transactions, ACLs, reassignment, …). */
export class SluiceNotImplemented extends SluiceNonRetriableError {
  override name = 'KafkaJSNotImplemented';
}

export class KafkaJSTimeout extends SluiceNonRetriableError {
  override name = 'KafkaJSTimeout';
}

export class KafkaJSLockTimeout extends KafkaJSTimeout {
  override name = 'KafkaJSLockTimeout';
}

export class KafkaJSUnsupportedMagicByteInMessageSet extends SluiceNonRetriableError {
  override name = 'KafkaJSUnsupportedMagicByteInMessageSet';
}

export interface DeleteTopicRecordsPartitionError {
  partition: number;
  offset: string;
  error: SluiceError;
}

/**
 * deleteTopicRecords: some partitions failed; `partitions` lists them with their error. Retriable only
 * when every one of those errors is (kafkajs's rule).
 */
export class KafkaJSDeleteTopicRecordsError extends SluiceError {
  override name = 'KafkaJSDeleteTopicRecordsError';
  readonly topic: string | undefined;
  readonly partitions: DeleteTopicRecordsPartitionError[];
  constructor(metadata: { topic?: string; partitions: DeleteTopicRecordsPartitionError[] }) {
    const failed = metadata.partitions.filter((p) => p.error != null);
    const retriable = failed.every((p) => p.error.retriable === true);
    // Each partition named once: the broker's reason may name it already ("… records of orders-0 below …").
    const named = (p: DeleteTopicRecordsPartitionError) =>
      metadata.topic !== undefined && p.error.message.includes(`${metadata.topic}-${p.partition}`);
    const detail = failed
      .map((p) => (named(p) ? p.error.message : `partition ${p.partition}: ${p.error.message}`))
      .join('; ');
    super(`Error while deleting records${metadata.topic ? ` of topic ${metadata.topic}` : ''}: ${detail}`, {
      retriable,
      type: 'DELETE_TOPIC_RECORDS_ERROR',
    });
    this.topic = metadata.topic;
    this.partitions = metadata.partitions;
  }
}

/** An internal invariant broke: a bug in the SDK. */
export class KafkaJSInvariantViolation extends SluiceNonRetriableError {
  override name = 'KafkaJSInvariantViolation';
  constructor(e: Error | string) {
    super(`Invariant violated: ${messageOf(e)}. This is likely a bug and should be reported.`);
  }
}

// kafkajs names these two 'KafkaJSNonRetriableError' (its constructors never set their own name): kept as is,
// so code comparing names behaves exactly as with kafkajs.
export class KafkaJSInvalidVarIntError extends SluiceNonRetriableError {
  override name = 'KafkaJSNonRetriableError';
}

export class KafkaJSInvalidLongError extends SluiceNonRetriableError {
  override name = 'KafkaJSNonRetriableError';
}

export class KafkaJSCreateTopicError extends SluiceProtocolError {
  override name = 'KafkaJSCreateTopicError';
  readonly topic: string;
  constructor(e: Error | string | KafkaJSErrorLike, topicName: string) {
    super(e);
    this.topic = topicName;
  }
}

export class KafkaJSAlterPartitionReassignmentsError extends SluiceProtocolError {
  override name = 'KafkaJSAlterPartitionReassignmentsError';
  readonly topic: string | undefined;
  readonly partition: number | undefined;
  constructor(e: Error | string | KafkaJSErrorLike, topicName?: string, partition?: number) {
    super(e);
    this.topic = topicName;
    this.partition = partition;
  }
}

/** kafkajs: several errors at once (not a KafkaJSError, as in kafkajs). */
export class KafkaJSAggregateError extends Error {
  override name = 'KafkaJSAggregateError';
  readonly errors: Array<Error | string>;
  constructor(message: Error | string, errors: Array<Error | string>) {
    super(messageOf(message));
    this.errors = errors;
  }
}

/** kafkajs: an internal signal of its fetcher, exported by kafkajs (a plain Error, named 'Error' there too). */
export class KafkaJSFetcherRebalanceError extends Error {}

export class KafkaJSNoBrokerAvailableError extends SluiceError {
  override name = 'KafkaJSNoBrokerAvailableError';
  constructor() {
    super('No broker available', { type: 'NO_BROKER_AVAILABLE' });
  }
}

/** The client was used before connect() or after disconnect(). */
export class SluiceNotConnected extends SluiceNonRetriableError {
  override name = 'SluiceNotConnected';
}

/** kafkajs: the error means the group is rebalancing (the member must rejoin). */
export function isRebalancing(e: unknown): boolean {
  const type = (e as { type?: unknown } | null)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION';
}

/** kafkajs: the error comes from the client library (any SluiceError). */
export function isKafkaJSError(e: unknown): e is SluiceError {
  return e instanceof SluiceError;
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

// kafkajs names for the classes above, so code written against kafkajs catches the same things.
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
  SluiceDeleteGroupsError as KafkaJSDeleteGroupsError,
};
