// CreateTopics (v0-4): the native door's creation (handlers/create-topics.ts: name and config checks,
// replication factor 1 or -1 on a single node, validateOnly). A manual replica assignment gives the
// partition count (every replica is this broker). A config with a null value means "the default": left out.
import { ErrorCode } from '../../../protocol/index.js';
import { CreateTopics } from '../../../protocol/kafka/index.js';
import { createTopicsHandler } from '../../handlers/create-topics.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';

export const kafkaCreateTopicsHandler = kafkaHandler(CreateTopics, async (request, broker, ctx) => {
  const native = await nativeAnswer(
    createTopicsHandler,
    {
      timeoutMs: request.timeoutMs,
      validateOnly: request.validateOnly,
      topics: request.topics.map((t) => ({
        name: t.name,
        numPartitions: t.assignments.length > 0 ? t.assignments.length : t.numPartitions,
        replicationFactor: t.assignments.length > 0 ? (t.assignments[0]?.brokerIds.length ?? 1) : t.replicationFactor,
        configs: Object.fromEntries(t.configs.filter((c) => c.value !== null).map((c) => [c.name, c.value as string])),
      })),
    },
    broker,
    ctx,
  );
  return {
    throttleTimeMs: 0,
    topics: native.topics.map((t) => ({
      name: t.name,
      errorCode: t.errorCode,
      errorMessage: t.errorCode === ErrorCode.NONE ? null : t.errorMessage,
    })),
  };
});
