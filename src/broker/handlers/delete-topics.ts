// DeleteTopics: removes each named topic with all its data; per-topic results.
import { DeleteTopicsApi } from '../../protocol/index.js';
import { perTopic } from './per-topic.js';
import { defineHandler } from './types.js';

export const deleteTopicsHandler = defineHandler(DeleteTopicsApi, async (request, broker) => ({
  topics: await perTopic(
    request.topics.map((name) => ({ name })),
    ({ name }) => broker.topics.delete(name),
    { refuseDuplicates: false },
  ),
}));
