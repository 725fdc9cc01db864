// DeleteTopics: removes topics and all their data.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, int, message, type MessageValue } from '../schema.js';
import { topicName, topicResults, throttleTimeMs } from './fields.js';

export const DeleteTopicsRequestDef = message({
  name: 'DeleteTopicsRequest',
  type: 'request',
  apiKey: ApiKey.DeleteTopics,
  validVersions: '0',
  fields: {
    topics: array(topicName(), { maxItems: 10_000 }),
    timeoutMs: int({ min: 0, default: 30_000 }),
  },
});

export const DeleteTopicsResponseDef = message({
  name: 'DeleteTopicsResponse',
  type: 'response',
  apiKey: ApiKey.DeleteTopics,
  validVersions: '0',
  fields: { throttleTimeMs: throttleTimeMs(), topics: topicResults() },
});

export type DeleteTopicsRequest = MessageValue<typeof DeleteTopicsRequestDef>;
export type DeleteTopicsResponse = MessageValue<typeof DeleteTopicsResponseDef>;

export const DeleteTopicsApi = defineApi({
  key: ApiKey.DeleteTopics,
  name: 'DeleteTopics',
  request: DeleteTopicsRequestDef,
  response: DeleteTopicsResponseDef,
});
