// DeleteRecords: moves a partition's log start forward, making every record below the given offset
// unreadable (Kafka's DeleteRecords, apiKey 21). Offset -1 means the high watermark (delete everything
// readable); an offset at or below the current log start changes nothing.
import { ApiKey, defineApi } from '../api-keys.js';
import { int, message, type MessageValue } from '../schema.js';
import { errorCode, errorMessage, partitionIndex, topicPartitions, throttleTimeMs } from './fields.js';

/** Offset meaning "up to the high watermark": every record consumers can see. */
export const DELETE_TO_HIGH_WATERMARK = -1;

export const DeleteRecordsRequestDef = message({
  name: 'DeleteRecordsRequest',
  type: 'request',
  apiKey: ApiKey.DeleteRecords,
  validVersions: '0',
  fields: {
    topics: topicPartitions({ partition: partitionIndex(), offset: int({ doc: '-1 = the high watermark' }) }),
    timeoutMs: int({ min: 0, default: 30_000 }),
  },
});

export const DeleteRecordsResponseDef = message({
  name: 'DeleteRecordsResponse',
  type: 'response',
  apiKey: ApiKey.DeleteRecords,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    topics: topicPartitions({
      partition: partitionIndex(),
      errorCode: errorCode(),
      errorMessage: errorMessage(),
      lowWatermark: int({ min: -1, doc: 'the log start afterwards, -1 on error' }),
    }),
  },
});

export type DeleteRecordsRequest = MessageValue<typeof DeleteRecordsRequestDef>;
export type DeleteRecordsResponse = MessageValue<typeof DeleteRecordsResponseDef>;
export type DeleteRecordsPartitionResult = DeleteRecordsResponse['topics'][number]['partitions'][number];

export const DeleteRecordsApi = defineApi({
  key: ApiKey.DeleteRecords,
  name: 'DeleteRecords',
  request: DeleteRecordsRequestDef,
  response: DeleteRecordsResponseDef,
});
