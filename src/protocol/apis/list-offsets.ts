// ListOffsets: earliest (-2), latest (-1) or first offset at/after a timestamp, per partition.
import { ApiKey, plainApi } from '../api-keys.js';
import { int, nullableString, object, optionalInt, topicPartitions } from '../validate.js';

export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;

export interface ListOffsetsRequest {
  /** 0 = read uncommitted, 1 = read committed (same thing until transactions exist). */
  isolationLevel: number;
  topics: Array<{ name: string; partitions: Array<{ partition: number; timestamp: number }> }>;
}

export interface ListOffsetsPartitionResult {
  partition: number;
  errorCode: number;
  errorMessage: string | null;
  /** Timestamp of the record found, -1 for earliest/latest or when none matches. */
  timestamp: number;
  /** -1 when no record has a timestamp at or after the one asked. */
  offset: number;
}

export interface ListOffsetsResponse {
  topics: Array<{ name: string; partitions: ListOffsetsPartitionResult[] }>;
}

export const ListOffsetsApi = plainApi<ListOffsetsRequest, ListOffsetsResponse>(
  ApiKey.ListOffsets,
  'ListOffsets',
  (body) => {
    const b = object(body, 'body');
    return {
      isolationLevel: optionalInt(b.isolationLevel, 'isolationLevel', 0, 0, 1),
      topics: topicPartitions(b.topics, 'topics', (po, q) => ({
        partition: int(po.partition, `${q}.partition`, 0),
        timestamp: int(po.timestamp, `${q}.timestamp`, -2),
      })),
    };
  },
  (body) => {
    const b = object(body, 'body');
    return {
      topics: topicPartitions(b.topics, 'topics', (po, q) => ({
        partition: int(po.partition, `${q}.partition`, 0),
        errorCode: int(po.errorCode, `${q}.errorCode`),
        errorMessage: nullableString(po.errorMessage, `${q}.errorMessage`),
        timestamp: int(po.timestamp, `${q}.timestamp`),
        offset: int(po.offset, `${q}.offset`),
      })),
    };
  },
);
