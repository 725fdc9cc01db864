// Fetch: reads record batches from partitions, long-polling up to maxWaitMs until minBytes are
// available. The record bytes travel in the response tail, as chunks straight from storage.
import { ApiKey, type ApiSpec } from '../api-keys.js';
import { int, nullableString, object, optionalInt, topicPartitions } from '../validate.js';
import { refuseTail, TailReader } from './tail.js';

export interface FetchRequest {
  /** Longest the broker may hold the request when fewer than minBytes are available. */
  maxWaitMs: number;
  minBytes: number;
  /** Cap on the whole response's record bytes (the first batch is always returned whole). */
  maxBytes: number;
  isolationLevel: number;
  topics: Array<{
    name: string;
    partitions: Array<{ partition: number; fetchOffset: number; partitionMaxBytes: number }>;
  }>;
}

export interface FetchPartitionResult {
  partition: number;
  errorCode: number;
  errorMessage: string | null;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** Whole record batches; on encode, storage chunks written as they are; on decode, one view. */
  records: Buffer[];
}

export interface FetchResponse {
  throttleTimeMs: number;
  errorCode: number;
  topics: Array<{ name: string; partitions: FetchPartitionResult[] }>;
}

const MAX_WAIT_LIMIT_MS = 10 * 60_000;

export const FetchApi: ApiSpec<FetchRequest, FetchResponse> = {
  key: ApiKey.Fetch,
  name: 'Fetch',
  minVersion: 0,
  maxVersion: 0,
  encodeRequest: (request) => ({ body: request, tail: [] }),
  decodeRequest(body, tail) {
    refuseTail(tail, 'Fetch');
    const b = object(body, 'body');
    return {
      maxWaitMs: optionalInt(b.maxWaitMs, 'maxWaitMs', 500, 0, MAX_WAIT_LIMIT_MS),
      minBytes: optionalInt(b.minBytes, 'minBytes', 1, 0),
      maxBytes: optionalInt(b.maxBytes, 'maxBytes', 50 * 1024 * 1024, 1),
      isolationLevel: optionalInt(b.isolationLevel, 'isolationLevel', 0, 0, 1),
      topics: topicPartitions(b.topics, 'topics', (po, q) => ({
        partition: int(po.partition, `${q}.partition`, 0),
        fetchOffset: int(po.fetchOffset, `${q}.fetchOffset`),
        partitionMaxBytes: optionalInt(po.partitionMaxBytes, `${q}.partitionMaxBytes`, 1024 * 1024, 1),
      })),
    };
  },
  encodeResponse(response) {
    const tail: Buffer[] = [];
    const topics = response.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        let recordsBytes = 0;
        for (const chunk of p.records) {
          tail.push(chunk);
          recordsBytes += chunk.length;
        }
        const { records: _records, ...rest } = p;
        return { ...rest, recordsBytes };
      }),
    }));
    return { body: { throttleTimeMs: response.throttleTimeMs, errorCode: response.errorCode, topics }, tail };
  },
  decodeResponse(body, tailBytes) {
    const b = object(body, 'body');
    const tail = new TailReader(tailBytes);
    const response: FetchResponse = {
      throttleTimeMs: optionalInt(b.throttleTimeMs, 'throttleTimeMs', 0),
      errorCode: optionalInt(b.errorCode, 'errorCode', 0),
      topics: topicPartitions(b.topics, 'topics', (po, q) => {
        const length = int(po.recordsBytes, `${q}.recordsBytes`, 0);
        return {
          partition: int(po.partition, `${q}.partition`, 0),
          errorCode: int(po.errorCode, `${q}.errorCode`),
          errorMessage: nullableString(po.errorMessage, `${q}.errorMessage`),
          highWatermark: int(po.highWatermark, `${q}.highWatermark`),
          lastStableOffset: optionalInt(po.lastStableOffset, `${q}.lastStableOffset`, -1),
          logStartOffset: optionalInt(po.logStartOffset, `${q}.logStartOffset`, -1),
          records: length === 0 ? [] : [tail.take(length, `${q}.recordsBytes`)],
        };
      }),
    };
    tail.finish();
    return response;
  },
};
