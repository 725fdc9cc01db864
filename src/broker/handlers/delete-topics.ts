// DeleteTopics: removes each named topic with all its data; per-topic results.
import { DeleteTopicsApi, ProtocolError } from '../../protocol/index.js';
import { perTopic } from './per-topic.js';
import { defineHandler } from './types.js';
import { requireAllowed } from '../security/acl/authorize.js';
import { publishRequestActivity } from '../activity/events.js';

export const deleteTopicsHandler = defineHandler(DeleteTopicsApi, async (request, broker, ctx) => ({
  topics: await perTopic(
    request.topics.map((name) => ({ name })),
    async ({ name }) => {
      requireAllowed(broker, ctx, 'Delete', 'topic', name);
      if (broker.cluster)
        throw new ProtocolError(
          'INVALID_REQUEST',
          `deleting topics is not available in cluster mode yet ("${name}" is kept)`,
        );
      await broker.topics.delete(name);
      publishRequestActivity(ctx, 'topic.deleted', `topic:${name}`);
    },
    { refuseDuplicates: false },
  ),
}));
