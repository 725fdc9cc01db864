// CreateTopics: creates topics with a partition count and per-topic configs (retention.ms, …).
import { ApiKey, defineApi } from '../api-keys.js';
import { array, bool, int, message, type MessageValue, stringMap, struct } from '../schema.js';
import { topicName, topicResults, throttleTimeMs } from './fields.js';

export const CreateTopicsRequestDef = message({
  name: 'CreateTopicsRequest',
  type: 'request',
  apiKey: ApiKey.CreateTopics,
  validVersions: '0',
  fields: {
    topics: array(
      struct({
        name: topicName(),
        numPartitions: int({ min: -1, max: 1_000_000, default: -1, doc: "-1 = the broker's default" }),
        replicationFactor: int({ min: -1, max: 32_767, default: -1, doc: 'only -1 or 1 on a single broker' }),
        configs: stringMap({ default: {} }),
      }),
      { maxItems: 10_000 },
    ),
    timeoutMs: int({ min: 0, default: 30_000 }),
    validateOnly: bool({ default: false }),
  },
});

export const CreateTopicsResponseDef = message({
  name: 'CreateTopicsResponse',
  type: 'response',
  apiKey: ApiKey.CreateTopics,
  validVersions: '0',
  fields: { throttleTimeMs: throttleTimeMs(), topics: topicResults() },
});

export type CreateTopicsRequest = MessageValue<typeof CreateTopicsRequestDef>;
export type CreateTopicsResponse = MessageValue<typeof CreateTopicsResponseDef>;
export type CreatableTopic = CreateTopicsRequest['topics'][number];
export type TopicResult = CreateTopicsResponse['topics'][number];

export const CreateTopicsApi = defineApi({
  key: ApiKey.CreateTopics,
  name: 'CreateTopics',
  request: CreateTopicsRequestDef,
  response: CreateTopicsResponseDef,
});
