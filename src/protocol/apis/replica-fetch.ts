// ReplicaFetch (broker to broker): a follower fetches its partitions from their leader (Kafka's Fetch with a
// replica id). It states, per partition, where its log ends (the fetch offset), the leader epoch it fetches
// under, and the epoch of its last batch; the leader records the first as the follower's log end, answers
// with whole batches from there (below its log end, not its high watermark: followers copy everything) and
// its high watermark, and long-polls like Fetch when nothing is new. The record bytes travel in the tail.
import { ApiKey, defineApi } from '../api-keys.js';
import { int, message, type MessageValue, records } from '../schema.js';
import { errorCode, errorMessage, partitionIndex, topicPartitions } from './fields.js';

export const ReplicaFetchRequestDef = message({
  name: 'ReplicaFetchRequest',
  type: 'request',
  apiKey: ApiKey.ReplicaFetch,
  validVersions: '0',
  fields: {
    replicaId: int({ min: 0, doc: 'the fetching broker' }),
    maxWaitMs: int({ min: 0, max: 60_000, default: 500 }),
    maxBytes: int({ min: 1, default: 10 * 1024 * 1024, doc: 'the first batch is always returned whole' }),
    topics: topicPartitions({
      partition: partitionIndex(),
      currentLeaderEpoch: int({ min: 0, doc: 'the epoch the follower believes the leader has' }),
      fetchOffset: int({ min: 0, doc: "the follower's log end" }),
      lastFetchedEpoch: int({ default: -1, doc: "the epoch of the follower's last batch (-1: none)" }),
      partitionMaxBytes: int({ min: 1, default: 1024 * 1024 }),
    }),
  },
});

export const ReplicaFetchResponseDef = message({
  name: 'ReplicaFetchResponse',
  type: 'response',
  apiKey: ApiKey.ReplicaFetch,
  validVersions: '0',
  fields: {
    topics: topicPartitions({
      partition: partitionIndex(),
      errorCode: errorCode(),
      errorMessage: errorMessage(),
      highWatermark: int(),
      logStartOffset: int({ default: -1 }),
      records: records({ chunks: true, doc: 'whole batches from the fetch offset, as the leader stores them' }),
    }),
  },
});

export type ReplicaFetchRequest = MessageValue<typeof ReplicaFetchRequestDef>;
export type ReplicaFetchResponse = MessageValue<typeof ReplicaFetchResponseDef>;
export type ReplicaFetchPartitionResult = ReplicaFetchResponse['topics'][number]['partitions'][number];

export const ReplicaFetchApi = defineApi({
  key: ApiKey.ReplicaFetch,
  name: 'ReplicaFetch',
  request: ReplicaFetchRequestDef,
  response: ReplicaFetchResponseDef,
});
