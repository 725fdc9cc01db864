// DeleteTopics (v0-3): the native door's deletion (handlers/delete-topics.ts): files removed, long polls
// on the topic woken, the groups' committed offsets of the topic dropped.
import { DeleteTopics } from '../../../protocol/kafka/index.js';
import { deleteTopicsHandler } from '../../handlers/delete-topics.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';

export const kafkaDeleteTopicsHandler = kafkaHandler(DeleteTopics, async (request, broker, ctx) => {
  const native = await nativeAnswer(
    deleteTopicsHandler,
    { topics: request.topicNames, timeoutMs: request.timeoutMs },
    broker,
    ctx,
  );
  return {
    throttleTimeMs: 0,
    responses: native.topics.map((t) => ({ name: t.name, errorCode: t.errorCode, errorMessage: t.errorMessage })),
  };
});
