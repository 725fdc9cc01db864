// DeleteTopics: removes each named topic with all its data; per-topic results.
import { DeleteTopicsApi, ErrorCode, type TopicResult } from '../../protocol/index.js';
import { wireErrorOf } from './storage-errors.js';
import { defineHandler } from './types.js';

export const deleteTopicsHandler = defineHandler(DeleteTopicsApi, async (request, broker) => {
  const topics: TopicResult[] = [];
  for (const name of request.topics) {
    try {
      await broker.topics.delete(name);
      topics.push({ name, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (error) {
      const wire = wireErrorOf(error, name);
      if (!wire) throw error;
      topics.push({ name, ...wire });
    }
  }
  return { topics };
});
