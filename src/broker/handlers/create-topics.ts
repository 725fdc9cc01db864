// CreateTopics: per-topic results; a bad topic never fails its neighbours.
import { CreateTopicsApi, ProtocolError } from '../../protocol/index.js';
import { perTopic } from './per-topic.js';
import { defineHandler } from './types.js';
import { mayCreateTopic, refusal } from '../security/acl/authorize.js';
import { publishRequestActivity } from '../activity/events.js';

export const createTopicsHandler = defineHandler(CreateTopicsApi, async (request, broker, ctx) => ({
  topics: await perTopic(
    request.topics,
    async (t) => {
      if (!mayCreateTopic(broker, ctx, t.name)) throw refusal('Create', 'topic', t.name, ctx);
      if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
        throw new ProtocolError(
          'INVALID_REPLICATION_FACTOR',
          `replicationFactor ${t.replicationFactor}: a single broker supports only 1`,
        );
      }
      await broker.topics.create(t.name, t.numPartitions, t.configs, { validateOnly: request.validateOnly });
      if (request.validateOnly) return;
      ctx.logger.info({ topic: t.name, partitions: t.numPartitions, configs: t.configs }, 'created topic');
      publishRequestActivity(ctx, 'topic.created', `topic:${t.name}`, { partitions: t.numPartitions });
    },
    { refuseDuplicates: true },
  ),
}));
