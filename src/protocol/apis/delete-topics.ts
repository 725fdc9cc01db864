// DeleteTopics: removes topics and all their data.
import { ApiKey, plainApi } from '../api-keys.js';
import { array, object, optionalInt, topicName } from '../validate.js';
import { decodeTopicResults, type TopicResult } from './topic-results.js';

export interface DeleteTopicsRequest {
  topics: string[];
  timeoutMs: number;
}

export interface DeleteTopicsResponse {
  topics: TopicResult[];
}

export const DeleteTopicsApi = plainApi<DeleteTopicsRequest, DeleteTopicsResponse>(
  ApiKey.DeleteTopics,
  'DeleteTopics',
  (body) => {
    const b = object(body, 'body');
    return {
      topics: array(b.topics, 'topics', topicName, 10_000),
      timeoutMs: optionalInt(b.timeoutMs, 'timeoutMs', 30_000, 0),
    };
  },
  decodeTopicResults,
);
