// The stable table of error codes shared by the broker and the SDK. Numeric codes follow Kafka's
// where Kafka has the same error, so kafkajs users recognise both the number and the name.

export interface ErrorInfo {
  /** Stable name, as kafkajs's `error.type` (e.g. 'UNKNOWN_TOPIC_OR_PARTITION'). */
  readonly name: string;
  readonly code: number;
  /** A retriable error may succeed if the same request is sent again later. */
  readonly retriable: boolean;
  readonly message: string;
}

const table = [
  ['UNKNOWN_SERVER_ERROR', -1, false, 'The server experienced an unexpected error when processing the request'],
  ['NONE', 0, false, 'No error'],
  ['OFFSET_OUT_OF_RANGE', 1, false, 'The requested offset is not within the range of offsets maintained by the server'],
  ['CORRUPT_MESSAGE', 2, true, 'The message contents do not match the message CRC or the message is otherwise corrupt'],
  ['UNKNOWN_TOPIC_OR_PARTITION', 3, true, 'This server does not host this topic-partition'],
  ['INVALID_FETCH_SIZE', 4, false, 'The requested fetch size is invalid'],
  [
    'LEADER_NOT_AVAILABLE',
    5,
    true,
    'There is no leader for this topic-partition as we are in the middle of a leadership election',
  ],
  ['NOT_LEADER_FOR_PARTITION', 6, true, 'This server is not the leader for that topic-partition'],
  ['REQUEST_TIMED_OUT', 7, true, 'The request timed out'],
  [
    'MESSAGE_TOO_LARGE',
    10,
    false,
    'The request included a message larger than the max message size the server will accept',
  ],
  ['OFFSET_METADATA_TOO_LARGE', 12, false, 'The metadata field of the offset request was too large'],
  ['COORDINATOR_LOAD_IN_PROGRESS', 14, true, 'The coordinator is loading and hence can not process requests'],
  ['COORDINATOR_NOT_AVAILABLE', 15, true, 'The coordinator is not available'],
  ['NOT_COORDINATOR', 16, true, 'This is not the correct coordinator'],
  ['INVALID_TOPIC_EXCEPTION', 17, false, 'The request attempted to perform an operation on an invalid topic'],
  [
    'RECORD_LIST_TOO_LARGE',
    18,
    false,
    'The request included message batch larger than the configured segment size on the server',
  ],
  ['NOT_ENOUGH_REPLICAS', 19, true, 'Messages are rejected since there are fewer in-sync replicas than required'],
  ['ILLEGAL_GENERATION', 22, false, 'Specified group generation id is not valid'],
  [
    'INCONSISTENT_GROUP_PROTOCOL',
    23,
    false,
    "The group member's supported protocols are incompatible with those of existing members",
  ],
  ['INVALID_GROUP_ID', 24, false, 'The configured groupId is invalid'],
  ['UNKNOWN_MEMBER_ID', 25, false, 'The coordinator is not aware of this member'],
  ['INVALID_SESSION_TIMEOUT', 26, false, 'The session timeout is not within the range allowed by the broker'],
  ['REBALANCE_IN_PROGRESS', 27, false, 'The group is rebalancing, so a rejoin is needed'],
  ['INVALID_COMMIT_OFFSET_SIZE', 28, false, 'The committing offset data size is not valid'],
  ['TOPIC_AUTHORIZATION_FAILED', 29, false, 'Not authorized to access topics'],
  ['GROUP_AUTHORIZATION_FAILED', 30, false, 'Not authorized to access group'],
  ['CLUSTER_AUTHORIZATION_FAILED', 31, false, 'Cluster authorization failed'],
  ['INVALID_TIMESTAMP', 32, false, 'The timestamp of the message is out of acceptable range'],
  ['UNSUPPORTED_VERSION', 35, false, 'The version of API is not supported'],
  ['TOPIC_ALREADY_EXISTS', 36, false, 'Topic with this name already exists'],
  ['INVALID_PARTITIONS', 37, false, 'Number of partitions is invalid'],
  ['INVALID_REPLICATION_FACTOR', 38, false, 'Replication-factor is invalid'],
  ['INVALID_REPLICA_ASSIGNMENT', 39, false, 'Replica assignment is invalid'],
  ['INVALID_CONFIG', 40, false, 'Configuration is invalid'],
  ['INVALID_REQUEST', 42, false, 'This most likely occurs because of a request being malformed by the client library'],
  ['POLICY_VIOLATION', 44, false, 'Request parameters do not satisfy the configured policy'],
  ['OUT_OF_ORDER_SEQUENCE_NUMBER', 45, false, 'The broker received an out of order sequence number'],
  ['DUPLICATE_SEQUENCE_NUMBER', 46, false, 'The broker received a duplicate sequence number'],
  ['INVALID_PRODUCER_EPOCH', 47, false, 'Producer attempted to produce with an old epoch'],
  ['KAFKA_STORAGE_ERROR', 56, true, 'Disk error when trying to access log file on the disk'],
  ['SASL_AUTHENTICATION_FAILED', 58, false, 'SASL Authentication failed'],
  [
    'UNKNOWN_PRODUCER_ID',
    59,
    false,
    'The broker has no state for this producer id (its records may have been deleted); the producer must start a new sequence',
  ],
  ['NON_EMPTY_GROUP', 68, false, 'The group is not empty'],
  ['GROUP_ID_NOT_FOUND', 69, false, 'The group id does not exist'],
  [
    'UNSUPPORTED_COMPRESSION_TYPE',
    76,
    false,
    'The requesting client does not support the compression type of given partition',
  ],
  [
    'MEMBER_ID_REQUIRED',
    79,
    false,
    'The group member needs to have a valid member id before actually entering a consumer group',
  ],
  [
    'FENCED_INSTANCE_ID',
    82,
    false,
    'The broker rejected this static consumer since another consumer with the same group.instance.id has registered with a different member.id',
  ],
  ['GROUP_MAX_SIZE_REACHED', 81, false, 'The consumer group has reached its max size'],
  ['UNSTABLE_OFFSET_COMMIT', 88, true, 'There are unstable offsets that need to be cleared'],
  ['INVALID_RECORD', 87, false, 'This record has failed the validation on broker and hence will be rejected'],
  ['THROTTLING_QUOTA_EXCEEDED', 89, true, 'The throttling quota has been exceeded'],
] as const;

export type ErrorName = (typeof table)[number][0];

const byCode = new Map<number, ErrorInfo>();
const byName = new Map<string, ErrorInfo>();
for (const [name, code, retriable, message] of table) {
  const info: ErrorInfo = Object.freeze({ name, code, retriable, message });
  byCode.set(code, info);
  byName.set(name, info);
}

/** Numeric code by name: `ErrorCode.UNKNOWN_TOPIC_OR_PARTITION === 3`. */
export const ErrorCode = Object.freeze(Object.fromEntries(table.map(([name, code]) => [name, code]))) as {
  readonly [K in ErrorName]: number;
};

/** Looks up a code; an unknown code maps to a synthetic non-retriable entry, never throws. */
export function errorInfo(code: number): ErrorInfo {
  return (
    byCode.get(code) ?? {
      name: `UNKNOWN_ERROR_CODE_${code}`,
      code,
      retriable: false,
      message: `Unknown error code ${code}`,
    }
  );
}

/** Whether `name` is one of the table's names (e.g. 'UNKNOWN_TOPIC_OR_PARTITION'). */
export function isErrorName(name: string): name is ErrorName {
  return byName.has(name);
}

export function errorInfoByName(name: ErrorName): ErrorInfo {
  return byName.get(name)!;
}

export function allErrors(): ErrorInfo[] {
  return [...byCode.values()];
}

/**
 * An error that travels on the wire: a code from the table plus a human message.
 * The SDK throws it (as kafkajs throws KafkaJSProtocolError); the broker builds responses from it.
 */
export class ProtocolError extends Error {
  override name = 'SluiceProtocolError';
  readonly code: number;
  /** kafkajs compatibility: the stable name of the code. */
  readonly type: string;
  readonly retriable: boolean;

  constructor(code: number | ErrorName, message?: string, options?: { cause?: unknown }) {
    const info = typeof code === 'number' ? errorInfo(code) : errorInfoByName(code);
    super(message ?? info.message, options);
    this.code = info.code;
    this.type = info.name;
    this.retriable = info.retriable;
  }
}
