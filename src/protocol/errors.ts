// The stable table of error codes shared by the broker and the SDK. Numeric codes follow Kafka's
// where Kafka has the same error, so kafkajs users recognise both the number and the name; an error Kafka
// has no code for gets one of Sluice's own, from 1000 up.

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
  ['BROKER_NOT_AVAILABLE', 8, false, 'The broker is not available'],
  ['REPLICA_NOT_AVAILABLE', 9, true, 'The replica is not available for the requested topic-partition'],
  [
    'MESSAGE_TOO_LARGE',
    10,
    false,
    'The request included a message larger than the max message size the server will accept',
  ],
  ['STALE_CONTROLLER_EPOCH', 11, false, 'The controller epoch is older than the broker'],
  ['OFFSET_METADATA_TOO_LARGE', 12, false, 'The metadata field of the offset request was too large'],
  ['NETWORK_EXCEPTION', 13, true, 'The server disconnected before a response was received'],
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
  [
    'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
    20,
    true,
    'Messages were written but fewer in-sync replicas than required acknowledged them',
  ],
  ['INVALID_REQUIRED_ACKS', 21, false, 'The acks of the produce request are not -1, 0 or 1'],
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
  ['UNSUPPORTED_SASL_MECHANISM', 33, false, 'The broker does not support the requested SASL mechanism'],
  ['ILLEGAL_SASL_STATE', 34, false, 'The request is not valid in the current SASL state'],
  ['UNSUPPORTED_VERSION', 35, false, 'The version of API is not supported'],
  ['TOPIC_ALREADY_EXISTS', 36, false, 'Topic with this name already exists'],
  ['INVALID_PARTITIONS', 37, false, 'Number of partitions is invalid'],
  ['INVALID_REPLICATION_FACTOR', 38, false, 'Replication-factor is invalid'],
  ['INVALID_REPLICA_ASSIGNMENT', 39, false, 'The replica assignment is invalid'],
  ['INVALID_CONFIG', 40, false, 'Configuration is invalid'],
  ['NOT_CONTROLLER', 41, true, 'This is not the correct controller for this cluster'],
  ['INVALID_REQUEST', 42, false, 'This most likely occurs because of a request being malformed by the client library'],
  [
    'UNSUPPORTED_FOR_MESSAGE_FORMAT',
    43,
    false,
    'The message format version on the broker does not support the request',
  ],
  ['POLICY_VIOLATION', 44, false, 'Request parameters do not satisfy the configured policy'],
  ['OUT_OF_ORDER_SEQUENCE_NUMBER', 45, false, 'The broker received an out of order sequence number'],
  ['DUPLICATE_SEQUENCE_NUMBER', 46, false, 'The broker received a duplicate sequence number'],
  ['INVALID_PRODUCER_EPOCH', 47, false, 'Producer attempted to produce with an old epoch'],
  ['INVALID_TXN_STATE', 48, false, 'The producer attempted a transactional operation in an invalid state'],
  ['INVALID_PRODUCER_ID_MAPPING', 49, false, 'The producer id is not mapped to this transactional id'],
  ['INVALID_TRANSACTION_TIMEOUT', 50, false, 'The transaction timeout is larger than the broker allows'],
  ['CONCURRENT_TRANSACTIONS', 51, true, 'Another operation on this transactional id is in progress'],
  ['TRANSACTION_COORDINATOR_FENCED', 52, false, 'A newer transaction coordinator has taken over this transactional id'],
  ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 53, false, 'Not authorized to use this transactional id'],
  ['SECURITY_DISABLED', 54, false, 'Security features are disabled'],
  [
    'OPERATION_NOT_ATTEMPTED',
    55,
    false,
    'The broker did not attempt this operation (another part of the request failed)',
  ],
  ['KAFKA_STORAGE_ERROR', 56, true, 'Disk error when trying to access log file on the disk'],
  ['LOG_DIR_NOT_FOUND', 57, false, 'The log directory was not found'],
  ['SASL_AUTHENTICATION_FAILED', 58, false, 'SASL Authentication failed'],
  [
    'UNKNOWN_PRODUCER_ID',
    59,
    false,
    'The broker has no state for this producer id (its records may have been deleted); the producer must start a new sequence',
  ],
  ['REASSIGNMENT_IN_PROGRESS', 60, false, 'A partition reassignment is in progress'],
  ['DELEGATION_TOKEN_AUTH_DISABLED', 61, false, 'Delegation token authentication is disabled'],
  ['DELEGATION_TOKEN_NOT_FOUND', 62, false, 'The delegation token was not found'],
  ['DELEGATION_TOKEN_OWNER_MISMATCH', 63, false, 'The principal does not own the delegation token'],
  ['DELEGATION_TOKEN_REQUEST_NOT_ALLOWED', 64, false, 'Delegation token requests are not allowed on this connection'],
  ['DELEGATION_TOKEN_AUTHORIZATION_FAILED', 65, false, 'Not authorized for this delegation token'],
  ['DELEGATION_TOKEN_EXPIRED', 66, false, 'The delegation token has expired'],
  ['INVALID_PRINCIPAL_TYPE', 67, false, 'The principal type is not supported'],
  ['NON_EMPTY_GROUP', 68, false, 'The group is not empty'],
  ['GROUP_ID_NOT_FOUND', 69, false, 'The group id does not exist'],
  ['FETCH_SESSION_ID_NOT_FOUND', 70, true, 'The fetch session id was not found'],
  ['INVALID_FETCH_SESSION_EPOCH', 71, true, 'The fetch session epoch is invalid'],
  ['LISTENER_NOT_FOUND', 72, true, 'No endpoint matches the listener the request came in on'],
  ['TOPIC_DELETION_DISABLED', 73, false, 'Topic deletion is disabled'],
  ['FENCED_LEADER_EPOCH', 74, true, 'The leader epoch in the request is older than the broker'],
  ['UNKNOWN_LEADER_EPOCH', 75, true, 'The leader epoch in the request is newer than the broker'],
  [
    'UNSUPPORTED_COMPRESSION_TYPE',
    76,
    false,
    'The requesting client does not support the compression type of the records',
  ],
  ['STALE_BROKER_EPOCH', 77, false, 'The broker epoch has changed'],
  ['OFFSET_NOT_AVAILABLE', 78, true, 'The high watermark of the leader has not caught up with a recent election'],
  [
    'MEMBER_ID_REQUIRED',
    79,
    false,
    'The group member needs to have a valid member id before actually entering a consumer group',
  ],
  ['PREFERRED_LEADER_NOT_AVAILABLE', 80, true, 'The preferred leader is not available'],
  ['GROUP_MAX_SIZE_REACHED', 81, false, 'The consumer group has reached its max size'],
  [
    'FENCED_INSTANCE_ID',
    82,
    false,
    'The broker rejected this static consumer since another consumer with the same group.instance.id has registered with a different member.id',
  ],
  ['ELIGIBLE_LEADERS_NOT_AVAILABLE', 83, true, 'No eligible leader is available for the partition'],
  ['ELECTION_NOT_NEEDED', 84, true, 'Leader election is not needed for the partition'],
  ['NO_REASSIGNMENT_IN_PROGRESS', 85, false, 'No partition reassignment is in progress'],
  ['GROUP_SUBSCRIBED_TO_TOPIC', 86, false, 'The group still subscribes to the topic, so its offsets cannot be deleted'],
  ['INVALID_RECORD', 87, false, 'This record has failed the validation on broker and hence will be rejected'],
  ['UNSTABLE_OFFSET_COMMIT', 88, true, 'There are unstable offsets that need to be cleared'],
  ['THROTTLING_QUOTA_EXCEEDED', 89, true, 'The throttling quota has been exceeded'],
  ['PRODUCER_FENCED', 90, false, 'A newer producer with the same transactional id has fenced this one'],
  ['RESOURCE_NOT_FOUND', 91, false, 'The resource was not found'],
  ['DUPLICATE_RESOURCE', 92, false, 'The resource is named more than once in the request'],
  ['UNACCEPTABLE_CREDENTIAL', 93, false, 'The credential does not meet the broker requirements'],
  ['INCONSISTENT_VOTER_SET', 94, false, 'The voter set is inconsistent with the receiver'],
  ['INVALID_UPDATE_VERSION', 95, false, 'The update version is invalid'],
  ['FEATURE_UPDATE_FAILED', 96, false, 'The feature update could not be applied'],
  ['PRINCIPAL_DESERIALIZATION_FAILURE', 97, false, 'The forwarded principal could not be deserialized'],
  ['SNAPSHOT_NOT_FOUND', 98, false, 'The snapshot was not found'],
  ['POSITION_OUT_OF_RANGE', 99, false, 'The requested position is not in the snapshot'],
  ['UNKNOWN_TOPIC_ID', 100, true, 'This server does not host this topic id'],
  ['DUPLICATE_BROKER_REGISTRATION', 101, false, 'This broker id is already registered'],
  ['BROKER_ID_NOT_REGISTERED', 102, false, 'The broker id is not registered'],
  ['INCONSISTENT_TOPIC_ID', 103, true, 'The topic id does not match the topic id in the log'],
  ['INCONSISTENT_CLUSTER_ID', 104, false, 'The cluster id does not match the receiver'],
  ['TRANSACTIONAL_ID_NOT_FOUND', 105, false, 'The transactional id was not found'],
  ['FETCH_SESSION_TOPIC_ID_ERROR', 106, true, 'The fetch session met a topic id it did not expect'],
  ['INELIGIBLE_REPLICA', 107, false, 'The replica is not eligible for the leader and ISR'],
  ['NEW_LEADER_ELECTED', 108, false, 'A new leader was elected while the request was pending'],
  ['OFFSET_MOVED_TO_TIERED_STORAGE', 109, false, 'The requested offset has moved to tiered storage'],
  ['FENCED_MEMBER_EPOCH', 110, false, 'The member epoch is fenced; the member must rejoin with epoch 0'],
  ['UNRELEASED_INSTANCE_ID', 111, false, 'The instance id is still in use by another member'],
  ['UNSUPPORTED_ASSIGNOR', 112, false, 'The assignor is not supported by the group'],
  ['STALE_MEMBER_EPOCH', 113, false, 'The member epoch is stale'],
  ['MISMATCHED_ENDPOINT_TYPE', 114, false, 'The request was sent to an endpoint of the wrong type'],
  ['UNSUPPORTED_ENDPOINT_TYPE', 115, false, 'This endpoint type does not support the request'],
  ['UNKNOWN_CONTROLLER_ID', 116, false, 'The controller id is unknown'],
  ['UNKNOWN_SUBSCRIPTION_ID', 117, false, 'The client telemetry subscription id is unknown'],
  ['TELEMETRY_TOO_LARGE', 118, false, 'The client telemetry payload is too large'],
  ['INVALID_REGISTRATION', 119, false, 'The controller registration is invalid'],
  ['TRANSACTION_ABORTABLE', 120, false, 'The transaction must be aborted before the producer can continue'],
  ['INVALID_RECORD_STATE', 121, false, 'The record state is invalid for this acknowledgement'],
  ['SHARE_SESSION_NOT_FOUND', 122, true, 'The share session was not found'],
  ['INVALID_SHARE_SESSION_EPOCH', 123, true, 'The share session epoch is invalid'],
  ['FENCED_STATE_EPOCH', 124, false, 'The share coordinator state epoch is fenced'],
  ['INVALID_VOTER_KEY', 125, false, 'The voter key does not match the receiver'],
  ['DUPLICATE_VOTER', 126, false, 'The voter is already part of the voter set'],
  ['VOTER_NOT_FOUND', 127, false, 'The voter is not part of the voter set'],
  ['INVALID_REGULAR_EXPRESSION', 128, false, 'The regular expression is invalid'],
  // Sluice's own codes start at 1000, clear of Kafka's (as its own API keys do); the native protocol only.
  [
    'CONNECTION_LIMIT_REACHED',
    1000,
    true,
    'The broker is at its connection limit (maxConnections or maxConnectionsPerAddress)',
  ],
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
