// DeleteTopics: removes each named topic with all its data; per-topic results. In cluster mode the topic
// is deleted cluster-wide (cluster-topics.ts): every broker removes its replicas.
import { DeleteTopicsApi } from '../../protocol/index.js';
import { isInternalTopicName } from '../security/acl/internal-topics.js';
import { deleteInCluster } from './cluster-topics.js';
import { perTopic } from './per-topic.js';
import { defineHandler } from './types.js';
import { requireAllowed } from '../security/acl/authorize.js';
import { publishRequestActivity } from '../activity/events.js';

export const deleteTopicsHandler = defineHandler(DeleteTopicsApi, async (request, broker, ctx) => ({
  topics: await perTopic(
    request.topics.map((name) => ({ name })),
    async ({ name }) => {
      requireAllowed(broker, ctx, 'Delete', 'topic', name);
      if (broker.cluster && !isInternalTopicName(name)) {
        await deleteInCluster(broker.cluster, name, request.timeoutMs);
      } else {
        await broker.topics.delete(name);
      }
      publishRequestActivity(ctx, 'topic.deleted', `topic:${name}`);
    },
    { refuseDuplicates: false },
  ),
}));
