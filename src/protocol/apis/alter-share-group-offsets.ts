// AlterShareGroupOffsets: moves the start offset of a share group without members on a topic's partitions
// (all, or those listed) to the earliest or latest offset or the first record at or after a timestamp.
// Records before it count as settled; from it on, as never delivered (delivery counts start over).
import { ApiKey, defineApi } from '../api-keys.js';
import { array, int, message, type MessageValue, oneOf, struct } from '../schema.js';
import { errorCode, errorMessage, groupId, partitionIndex, topicName, throttleTimeMs } from './fields.js';

export const AlterShareGroupOffsetsRequestDef = message({
  name: 'AlterShareGroupOffsetsRequest',
  type: 'request',
  apiKey: ApiKey.AlterShareGroupOffsets,
  validVersions: '0',
  fields: {
    groupId: groupId(),
    topic: topicName(),
    partitions: array(partitionIndex(), { maxItems: 100_000, nullableVersions: '0+', doc: 'nil: every partition' }),
    to: oneOf(['earliest', 'latest', 'timestamp'] as const),
    timestamp: int({ default: -1, doc: "to: 'timestamp', ms since the epoch" }),
  },
});

export const AlterShareGroupOffsetsResponseDef = message({
  name: 'AlterShareGroupOffsetsResponse',
  type: 'response',
  apiKey: ApiKey.AlterShareGroupOffsets,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    partitions: array(struct({ partition: partitionIndex(), startOffset: int() }), { default: [] }),
  },
});

export type AlterShareGroupOffsetsRequest = MessageValue<typeof AlterShareGroupOffsetsRequestDef>;
export type AlterShareGroupOffsetsResponse = MessageValue<typeof AlterShareGroupOffsetsResponseDef>;

export const AlterShareGroupOffsetsApi = defineApi({
  key: ApiKey.AlterShareGroupOffsets,
  name: 'AlterShareGroupOffsets',
  request: AlterShareGroupOffsetsRequestDef,
  response: AlterShareGroupOffsetsResponseDef,
});
