// ListOffsets: earliest (-2), latest (-1) or first offset at/after a timestamp, per partition.
import { ApiKey, defineApi } from '../api-keys.js';
import { int, message, type MessageValue } from '../schema.js';
import { errorCode, errorMessage, partitionIndex, topicPartitions, throttleTimeMs } from './fields.js';

export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;

export const ListOffsetsRequestDef = message({
  name: 'ListOffsetsRequest',
  type: 'request',
  apiKey: ApiKey.ListOffsets,
  validVersions: '0',
  fields: {
    isolationLevel: int({ min: 0, max: 1, default: 0 }),
    topics: topicPartitions({
      partition: partitionIndex(),
      timestamp: int({ min: -2, doc: '-2 = earliest, -1 = latest' }),
    }),
  },
});

export const ListOffsetsResponseDef = message({
  name: 'ListOffsetsResponse',
  type: 'response',
  apiKey: ApiKey.ListOffsets,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    topics: topicPartitions({
      partition: partitionIndex(),
      errorCode: errorCode(),
      errorMessage: errorMessage(),
      timestamp: int(),
      offset: int({ doc: '-1 when no record is that recent' }),
    }),
  },
});

export type ListOffsetsRequest = MessageValue<typeof ListOffsetsRequestDef>;
export type ListOffsetsResponse = MessageValue<typeof ListOffsetsResponseDef>;
export type ListOffsetsPartitionResult = ListOffsetsResponse['topics'][number]['partitions'][number];

export const ListOffsetsApi = defineApi({
  key: ApiKey.ListOffsets,
  name: 'ListOffsets',
  request: ListOffsetsRequestDef,
  response: ListOffsetsResponseDef,
});
