// Fetch: reads record batches from partitions, long-polling up to maxWaitMs until minBytes are
// available. The record bytes travel in the response tail, as chunks straight from storage.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, int, message, type MessageValue, records, struct } from '../schema.js';
import { errorCode, errorMessage, partitionIndex, topicPartitions, throttleTimeMs } from './fields.js';

export const MAX_WAIT_LIMIT_MS = 10 * 60_000;

/** The partitions a fetch reads, each from its position (Fetch, FetchPush). */
export const fetchTopics = () =>
  topicPartitions({
    partition: partitionIndex(),
    fetchOffset: int(),
    partitionMaxBytes: int({ min: 1, default: 1024 * 1024 }),
  });

/** What a fetch answers per partition (Fetch, FetchPush): watermarks and whole batches in the tail. */
export const fetchedTopics = () =>
  topicPartitions({
    partition: partitionIndex(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    highWatermark: int(),
    lastStableOffset: int({ default: -1 }),
    logStartOffset: int({ default: -1 }),
    abortedTransactions: array(struct({ producerId: int(), firstOffset: int() }), {
      nullableVersions: '0+',
      default: null,
      doc: 'read_committed: the aborted transactions overlapping the records (their batches are to be dropped)',
    }),
    records: records({ chunks: true, doc: 'whole batches: storage chunks on encode, one view on decode' }),
  });

export const FetchRequestDef = message({
  name: 'FetchRequest',
  type: 'request',
  apiKey: ApiKey.Fetch,
  validVersions: '0',
  fields: {
    maxWaitMs: int({ min: 0, max: MAX_WAIT_LIMIT_MS, default: 500 }),
    minBytes: int({ min: 0, default: 1 }),
    maxBytes: int({ min: 1, default: 50 * 1024 * 1024, doc: 'the first batch is always returned whole' }),
    isolationLevel: int({
      min: 0,
      max: 1,
      default: 0,
      doc: '0 read_uncommitted, 1 read_committed (up to the last stable offset)',
    }),
    topics: fetchTopics(),
  },
});

export const FetchResponseDef = message({
  name: 'FetchResponse',
  type: 'response',
  apiKey: ApiKey.Fetch,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: int({ default: 0 }),
    topics: fetchedTopics(),
  },
});

export type FetchRequest = MessageValue<typeof FetchRequestDef>;
export type FetchResponse = MessageValue<typeof FetchResponseDef>;
export type FetchPartitionResult = FetchResponse['topics'][number]['partitions'][number];

export const FetchApi = defineApi({
  key: ApiKey.Fetch,
  name: 'Fetch',
  request: FetchRequestDef,
  response: FetchResponseDef,
});
