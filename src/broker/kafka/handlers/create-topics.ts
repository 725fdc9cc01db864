// CreateTopics (v0-7): the native door's creation (handlers/create-topics.ts: name and config checks,
// replication factor 1 or -1 on a single node, validateOnly). A manual replica assignment gives the
// partition count (every replica is this broker). A config with a null value means "the default": left out.
// The native door's pseudo-config `partitions` is refused here (INVALID_CONFIG): Kafka has no such config.
import { ErrorCode } from '../../../protocol/index.js';
import { CreateTopics } from '../../../protocol/kafka/index.js';
import { createTopicsHandler } from '../../handlers/create-topics.js';
import type { BrokerContext } from '../../handlers/types.js';
import { PARTITIONS_KEY } from '../../registries/topic-config.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';
import { partitionsConfigRefusal } from './config-resources.js';

/** What was created: -1 asks for the cluster's default (1 on a single node). */
function replicationFactorOf(asked: number, broker: BrokerContext): number {
  if (asked !== -1) return asked;
  return broker.cluster?.defaultReplicationFactor ?? 1;
}

export const kafkaCreateTopicsHandler = kafkaHandler(CreateTopics, async (request, broker, ctx) => {
  const topics = request.topics.map((t) => ({
    name: t.name,
    numPartitions: t.assignments.length > 0 ? t.assignments.length : t.numPartitions,
    replicationFactor: t.assignments.length > 0 ? (t.assignments[0]?.brokerIds.length ?? 1) : t.replicationFactor,
    configs: Object.fromEntries(t.configs.filter((c) => c.value !== null).map((c) => [c.name, c.value as string])),
  }));
  // A topic named twice still goes to the native handler, which refuses every copy as a duplicate.
  const named = new Map<string, number>();
  for (const t of topics) named.set(t.name, (named.get(t.name) ?? 0) + 1);
  const refused = (t: (typeof topics)[number]) => named.get(t.name) === 1 && Object.hasOwn(t.configs, PARTITIONS_KEY);
  const native = await nativeAnswer(
    createTopicsHandler,
    { timeoutMs: request.timeoutMs, validateOnly: request.validateOnly, topics: topics.filter((t) => !refused(t)) },
    broker,
    ctx,
  );
  const asked = new Map(topics.map((t) => [t.name, t]));
  let next = 0;
  return {
    throttleTimeMs: 0,
    topics: topics.map((topic) => {
      if (refused(topic)) {
        return {
          name: topic.name,
          ...partitionsConfigRefusal('CreateTopics'),
          numPartitions: -1,
          replicationFactor: -1,
        };
      }
      const t = native.topics[next++]!;
      const ok = t.errorCode === ErrorCode.NONE;
      // v5+ report what was created (Kafka also lists the topic's configs there; Sluice leaves them out:
      // DescribeConfigs has them). Sluice has no topic ids: v7's topicId stays the zero uuid.
      const partitions = asked.get(t.name)?.numPartitions ?? -1;
      return {
        name: t.name,
        errorCode: t.errorCode,
        errorMessage: ok ? null : t.errorMessage,
        numPartitions: ok ? (partitions === -1 ? broker.config.defaultPartitions : partitions) : -1,
        replicationFactor: ok ? replicationFactorOf(asked.get(t.name)?.replicationFactor ?? -1, broker) : -1,
      };
    }),
  };
});
