// CreatePartitions: raises a topic's partition count (Kafka's CreatePartitions, apiKey 37). Counts only
// grow: existing partitions keep their data and keys that hash by partition count may move, as in Kafka.
import { ApiKey, plainApi } from '../api-keys.js';
import { array, bool, int, nullableArray, object, optionalInt, topicName } from '../validate.js';
import { decodeTopicResults, type TopicResult } from './topic-results.js';

export interface CreatePartitionsTopic {
  name: string;
  /** The new total number of partitions. */
  count: number;
  /** Broker ids for each new partition (one list per partition added); nil = the broker decides. */
  assignments: number[][] | null;
}

export interface CreatePartitionsRequest {
  topics: CreatePartitionsTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatePartitionsResponse {
  topics: TopicResult[];
}

export const CreatePartitionsApi = plainApi<CreatePartitionsRequest, CreatePartitionsResponse>(
  ApiKey.CreatePartitions,
  'CreatePartitions',
  (body) => {
    const b = object(body, 'body');
    return {
      topics: array(
        b.topics,
        'topics',
        (v, p) => {
          const o = object(v, p);
          return {
            name: topicName(o.name, `${p}.name`),
            count: int(o.count, `${p}.count`, 1, 1_000_000),
            assignments: nullableArray(o.assignments, `${p}.assignments`, (a, q) =>
              array(a, q, (x, r) => int(x, r, 0), 1000),
            ),
          };
        },
        10_000,
      ),
      timeoutMs: optionalInt(b.timeoutMs, 'timeoutMs', 30_000, 0),
      validateOnly: bool(b.validateOnly, 'validateOnly', false),
    };
  },
  decodeTopicResults,
);
