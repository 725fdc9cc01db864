// OffsetFetch: a group's committed offsets, with the partition's log end and the lag beside each. v1 adds
// requireStable (KIP-447): what a read_committed consumer asks before it starts from the offsets.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, bool, int, message, type MessageValue, string, struct } from '../schema.js';
import {
  errorCode,
  errorMessage,
  groupId,
  partitionIndex,
  topicName,
  topicPartitions,
  throttleTimeMs,
} from './fields.js';

export const OffsetFetchRequestDef = message({
  name: 'OffsetFetchRequest',
  type: 'request',
  apiKey: ApiKey.OffsetFetch,
  validVersions: '0-1',
  fields: {
    groupId: groupId(),
    topics: array(struct({ name: topicName(), partitions: array(partitionIndex()) }), {
      nullableVersions: '0+',
      doc: 'nil = every partition the group has committed',
    }),
    requireStable: bool({
      versions: '1+',
      default: false,
      doc: 'true: a partition whose offset a transaction not ended yet commits is answered UNSTABLE_OFFSET_COMMIT',
    }),
  },
});

export const OffsetFetchResponseDef = message({
  name: 'OffsetFetchResponse',
  type: 'response',
  apiKey: ApiKey.OffsetFetch,
  validVersions: '0-1',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    topics: topicPartitions({
      partition: partitionIndex(),
      offset: int({ doc: '-1 when the group has no committed offset here' }),
      metadata: string({ nullableVersions: '0+' }),
      errorCode: errorCode(),
      logEndOffset: int({ default: -1, doc: "Sluice extension: the partition's log end offset" }),
      lag: int({ default: -1, doc: 'Sluice extension: logEndOffset − offset; -1 when either is unknown' }),
    }),
  },
});

export type OffsetFetchRequest = MessageValue<typeof OffsetFetchRequestDef>;
export type OffsetFetchResponse = MessageValue<typeof OffsetFetchResponseDef>;
export type OffsetFetchPartition = OffsetFetchResponse['topics'][number]['partitions'][number];

export const OffsetFetchApi = defineApi({
  key: ApiKey.OffsetFetch,
  name: 'OffsetFetch',
  request: OffsetFetchRequestDef,
  response: OffsetFetchResponseDef,
});
