// Metadata: one broker, which leads every partition; in cluster mode, the live brokers and each partition's
// replicas, leader, leader epoch and ISR as the controller wrote them in etcd. Named topics that are missing are auto-created
// when the request allows it and the broker's autoCreateTopics setting is on. Internal topics
// (`__consumer_offsets`) are listed with isInternal when asked for by name or with includeInternal; in
// cluster mode with their real leader, replicas and ISR when the cluster replicates them.
import { ErrorCode, isValidTopicName, MetadataApi, TOPIC_NAME_RULE, type TopicMetadata } from '../../protocol/index.js';
import type { ClusterView } from '../cluster/cluster-node.js';
import type { Topic } from '../registries/topics.js';
import { partitionError, wireErrorOf } from './storage-errors.js';
import { defineHandler, type BrokerContext, type RequestContext } from './types.js';
import { allowed, denied, mayCreateTopic } from '../security/acl/authorize.js';

function describeTopic(
  topic: Pick<Topic, 'name' | 'partitions'>,
  nodeId: number,
  isInternal = topic.name.startsWith('__'),
  cluster?: ClusterView,
): TopicMetadata {
  const partitions = new Array(topic.partitions);
  for (let p = 0; p < topic.partitions; p++) {
    // Cluster mode: the partition's state as the controller last wrote it; an internal topic the cluster
    // does not replicate (it has no state in etcd) is this broker's own.
    const state = cluster?.partition(topic.name, p);
    if (cluster && (!isInternal || state)) {
      partitions[p] = state
        ? {
            partition: p,
            errorCode: state.leader < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
            leader: state.leader,
            replicas: state.replicas,
            isr: state.isr,
          }
        : { partition: p, errorCode: ErrorCode.LEADER_NOT_AVAILABLE, leader: -1, replicas: [], isr: [] };
      continue;
    }
    partitions[p] = { partition: p, errorCode: ErrorCode.NONE, leader: nodeId, replicas: [nodeId], isr: [nodeId] };
  }
  return { name: topic.name, errorCode: ErrorCode.NONE, errorMessage: null, isInternal, partitions };
}

function failed(name: string, error: { errorCode: number; errorMessage: string }): TopicMetadata {
  return { name, ...error, isInternal: false, partitions: [] };
}

async function lookup(
  name: string,
  autoCreate: boolean,
  broker: BrokerContext,
  ctx: RequestContext,
): Promise<TopicMetadata> {
  if (!allowed(broker, ctx, 'Describe', 'topic', name)) return failed(name, denied('Describe', 'topic', name, ctx));
  if (!isValidTopicName(name)) {
    return failed(name, partitionError('INVALID_TOPIC_EXCEPTION', `topic name "${name}" is not ${TOPIC_NAME_RULE}`));
  }
  let topic = broker.topics.get(name);
  const internal = topic ? undefined : broker.internalTopics().find((t) => t.name === name);
  if (internal) return describeTopic(internal, broker.config.nodeId, true, broker.cluster);
  if (!topic && autoCreate && mayCreateTopic(broker, ctx, name)) {
    try {
      topic = await broker.topics.ensure(name);
    } catch (error) {
      const wire = wireErrorOf(error, name);
      if (wire) return failed(name, wire);
      throw error;
    }
  }
  if (!topic) return failed(name, partitionError('UNKNOWN_TOPIC_OR_PARTITION', `topic "${name}" does not exist`));
  return describeTopic(topic, broker.config.nodeId, undefined, broker.cluster);
}

export const metadataHandler = defineHandler(MetadataApi, async (request, broker, ctx) => {
  const visible = (t: { name: string }) => allowed(broker, ctx, 'Describe', 'topic', t.name, false);
  const { nodeId, advertisedHost } = broker.config;
  const topics =
    request.topics === null
      ? [
          ...broker.topics
            .list()
            .filter(visible)
            .map((t) => describeTopic(t, nodeId, undefined, broker.cluster)),
          ...(request.includeInternal
            ? broker
                .internalTopics()
                .filter(visible)
                .map((t) => describeTopic(t, nodeId, true, broker.cluster))
            : []),
        ]
      : await Promise.all(
          request.topics.map((name) =>
            lookup(name, request.allowAutoTopicCreation && broker.config.autoCreateTopics, broker, ctx),
          ),
        );
  const cluster = broker.cluster;
  return {
    brokers: cluster
      ? cluster.brokers().map((b) => ({ nodeId: b.id, host: b.host, port: b.port }))
      : [{ nodeId, host: advertisedHost, port: broker.advertisedPort }],
    clusterId: broker.clusterId,
    controllerId: cluster ? cluster.controllerId : nodeId,
    topics,
  };
});
