// The per-topic result shape shared by CreateTopics and DeleteTopics responses.
import { array, int, nullableString, object, string } from '../validate.js';

export interface TopicResult {
  name: string;
  errorCode: number;
  errorMessage: string | null;
}

export function decodeTopicResults(body: unknown): { topics: TopicResult[] } {
  const b = object(body, 'body');
  return {
    topics: array(b.topics, 'topics', (v, p) => {
      const o = object(v, p);
      return {
        name: string(o.name, `${p}.name`),
        errorCode: int(o.errorCode, `${p}.errorCode`),
        errorMessage: nullableString(o.errorMessage, `${p}.errorMessage`),
      };
    }),
  };
}
