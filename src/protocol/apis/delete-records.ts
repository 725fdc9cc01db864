// DeleteRecords: moves a partition's log start forward, making every record below the given offset
// unreadable (Kafka's DeleteRecords, apiKey 21). Offset -1 means the high watermark (delete everything
// readable); an offset at or below the current log start changes nothing.
import { ApiKey, plainApi } from '../api-keys.js';
import { int, nullableString, object, optionalInt, topicPartitions } from '../validate.js';

/** Offset meaning "up to the high watermark": every record consumers can see. */
export const DELETE_TO_HIGH_WATERMARK = -1;

export interface DeleteRecordsRequest {
  topics: Array<{ name: string; partitions: Array<{ partition: number; offset: number }> }>;
  timeoutMs: number;
}

export interface DeleteRecordsPartitionResult {
  partition: number;
  errorCode: number;
  errorMessage: string | null;
  /** The partition's log start after the call (-1 on error). */
  lowWatermark: number;
}

export interface DeleteRecordsResponse {
  throttleTimeMs: number;
  topics: Array<{ name: string; partitions: DeleteRecordsPartitionResult[] }>;
}

export const DeleteRecordsApi = plainApi<DeleteRecordsRequest, DeleteRecordsResponse>(
  ApiKey.DeleteRecords,
  'DeleteRecords',
  (body) => {
    const b = object(body, 'body');
    return {
      topics: topicPartitions(b.topics, 'topics', (po, q) => ({
        partition: int(po.partition, `${q}.partition`, 0),
        offset: int(po.offset, `${q}.offset`),
      })),
      timeoutMs: optionalInt(b.timeoutMs, 'timeoutMs', 30_000, 0),
    };
  },
  (body) => {
    const b = object(body, 'body');
    return {
      throttleTimeMs: optionalInt(b.throttleTimeMs, 'throttleTimeMs', 0, 0),
      topics: topicPartitions(b.topics, 'topics', (po, q) => ({
        partition: int(po.partition, `${q}.partition`, 0),
        errorCode: int(po.errorCode, `${q}.errorCode`),
        errorMessage: nullableString(po.errorMessage, `${q}.errorMessage`),
        lowWatermark: int(po.lowWatermark, `${q}.lowWatermark`, -1),
      })),
    };
  },
);
