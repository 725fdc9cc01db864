// CreateTopics: creates topics with a partition count and per-topic configs (retention.ms, …).
import { ApiKey, plainApi } from '../api-keys.js';
import { array, bool, object, optionalInt, stringMap, topicName } from '../validate.js';
import { decodeTopicResults, type TopicResult } from './topic-results.js';

export interface CreatableTopic {
  name: string;
  /** -1 = the broker's default partition count. */
  numPartitions: number;
  /** Accepted for kafkajs compatibility; a single broker supports only 1 (or -1 = default). */
  replicationFactor: number;
  configs: Record<string, string>;
}

export interface CreateTopicsRequest {
  topics: CreatableTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreateTopicsResponse {
  topics: TopicResult[];
}

export const CreateTopicsApi = plainApi<CreateTopicsRequest, CreateTopicsResponse>(
  ApiKey.CreateTopics,
  'CreateTopics',
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
            numPartitions: optionalInt(o.numPartitions, `${p}.numPartitions`, -1, -1, 1_000_000),
            replicationFactor: optionalInt(o.replicationFactor, `${p}.replicationFactor`, -1, -1, 32_767),
            configs: (o.configs === undefined || o.configs === null
              ? {}
              : stringMap(o.configs, `${p}.configs`)) as Record<string, string>,
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
