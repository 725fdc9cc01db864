// CreatePartitions (v0-1): grows a topic to `count` partitions (the native door's handlers/create-partitions.ts:
// never shrinks, validateOnly, manual assignments must name this broker).
import { CreatePartitions } from '../../../protocol/kafka/index.js';
import { createPartitionsHandler } from '../../handlers/create-partitions.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';

export const kafkaCreatePartitionsHandler = kafkaHandler(CreatePartitions, async (request, broker, ctx) => {
  const native = await nativeAnswer(
    createPartitionsHandler,
    {
      timeoutMs: request.timeoutMs,
      validateOnly: request.validateOnly,
      topics: request.topics.map((t) => ({
        name: t.name,
        count: t.count,
        assignments: t.assignments?.map((a) => a.brokerIds) ?? null,
      })),
    },
    broker,
    ctx,
  );
  return {
    throttleTimeMs: 0,
    results: native.topics.map((t) => ({ name: t.name, errorCode: t.errorCode, errorMessage: t.errorMessage })),
  };
});
