// CreateTopics: per-topic results; a bad topic never fails its neighbours.
import { CreateTopicsApi, ErrorCode, ProtocolError, type TopicResult } from '../../protocol/index.js';
import { wireErrorOf } from './storage-errors.js';
import { defineHandler } from './types.js';

export const createTopicsHandler = defineHandler(CreateTopicsApi, async (request, broker, ctx) => {
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const topics: TopicResult[] = [];
  // Sequential: creations are serialised by the registry anyway, and results keep request order.
  for (const t of request.topics) {
    try {
      if (counts.get(t.name)! > 1)
        throw new ProtocolError('INVALID_REQUEST', `topic "${t.name}" appears more than once in the request`);
      if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
        throw new ProtocolError(
          'INVALID_REPLICATION_FACTOR',
          `replicationFactor ${t.replicationFactor}: a single broker supports only 1`,
        );
      }
      await broker.topics.create(t.name, t.numPartitions, t.configs, { validateOnly: request.validateOnly });
      if (!request.validateOnly)
        ctx.logger.info({ topic: t.name, partitions: t.numPartitions, configs: t.configs }, 'created topic');
      topics.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (error) {
      // A full or failing disk (topics.json, a partition directory) is KAFKA_STORAGE_ERROR, not a crash.
      const wire = wireErrorOf(error, t.name);
      if (!wire) throw error;
      topics.push({ name: t.name, ...wire });
    }
  }
  return { topics };
});
