// CreateTopics: per-topic results; a bad topic never fails its neighbours.
import { CreateTopicsApi, type CreateTopicsRequest, ProtocolError } from '../../protocol/index.js';
import { type ClusterView, ReplicationFactorError } from '../cluster/cluster-node.js';
import { EtcdError } from '../cluster/etcd-client.js';
import { perTopic } from './per-topic.js';
import { type BrokerContext, defineHandler, type RequestContext } from './types.js';
import { mayCreateTopic, refusal } from '../security/acl/authorize.js';
import { publishRequestActivity } from '../activity/events.js';

/**
 * Cluster mode: the name, partition count and configs are checked here as on a single node (validateOnly
 * on the local registry), then the topic is written to etcd for the controller to place; the answer comes
 * once this broker holds it and every partition has a leader, or after the request's timeout.
 */
async function createInCluster(
  cluster: ClusterView,
  t: CreateTopicsRequest['topics'][number],
  request: CreateTopicsRequest,
  broker: BrokerContext,
  ctx: RequestContext,
): Promise<void> {
  const replicationFactor = t.replicationFactor === -1 ? cluster.defaultReplicationFactor : t.replicationFactor;
  if (replicationFactor < 1)
    throw new ProtocolError(
      'INVALID_REPLICATION_FACTOR',
      `replicationFactor ${t.replicationFactor}: must be -1 or at least 1`,
    );
  const checked = await broker.topics.create(t.name, t.numPartitions, t.configs, { validateOnly: true });
  if (request.validateOnly) return;
  try {
    await cluster.createTopic(
      t.name,
      { partitions: checked.partitions, replicationFactor, configs: t.configs },
      { waitMs: Math.max(0, request.timeoutMs ?? 30_000) },
    );
  } catch (error) {
    if (error instanceof ReplicationFactorError) throw new ProtocolError('INVALID_REPLICATION_FACTOR', error.message);
    if (error instanceof EtcdError)
      throw new ProtocolError('REQUEST_TIMED_OUT', `the cluster cannot create topics now: ${error.message}`);
    throw error;
  }
  ctx.logger.info({ topic: t.name, partitions: checked.partitions, replicationFactor }, 'created topic in the cluster');
  publishRequestActivity(ctx, 'topic.created', `topic:${t.name}`, { partitions: checked.partitions });
}

export const createTopicsHandler = defineHandler(CreateTopicsApi, async (request, broker, ctx) => ({
  topics: await perTopic(
    request.topics,
    async (t) => {
      if (!mayCreateTopic(broker, ctx, t.name)) throw refusal('Create', 'topic', t.name, ctx);
      if (broker.cluster) return createInCluster(broker.cluster, t, request, broker, ctx);
      if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
        throw new ProtocolError(
          'INVALID_REPLICATION_FACTOR',
          `replicationFactor ${t.replicationFactor}: a single broker supports only 1`,
        );
      }
      const created = await broker.topics.create(t.name, t.numPartitions, t.configs, {
        validateOnly: request.validateOnly,
      });
      if (request.validateOnly) return;
      // The count made, the broker's default where the request said -1.
      const partitions = created.partitions;
      ctx.logger.info({ topic: t.name, partitions, configs: t.configs }, 'created topic');
      publishRequestActivity(ctx, 'topic.created', `topic:${t.name}`, { partitions });
    },
    { refuseDuplicates: true },
  ),
}));
