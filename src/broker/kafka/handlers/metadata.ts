// Metadata: one broker (this listener's advertised address), the controller and leader of every partition;
// in cluster mode every live broker's Kafka listener and each partition's leader, epoch, replicas and ISR.
// The topic lookups, name checks and auto-creation are the native door's (handlers/metadata.ts), so both
// doors create and describe topics alike. v0: an empty topic list means all topics; v1+: null does.
// Below v4 there is no allowAutoTopicCreation field and Kafka auto-creates (when the broker allows it).
import { Metadata } from '../../../protocol/kafka/index.js';
import { metadataHandler } from '../../handlers/metadata.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';

export const kafkaMetadataHandler = kafkaHandler(Metadata, async (request, broker, ctx) => {
  const all = request.topics === null || (ctx.version === 0 && request.topics.length === 0);
  const names = all ? null : request.topics!.map((t) => t.name ?? '');
  const native = await nativeAnswer(
    metadataHandler,
    { topics: names, allowAutoTopicCreation: request.allowAutoTopicCreation, includeInternal: all },
    broker,
    ctx,
  );
  const { nodeId } = broker.config;
  const cluster = broker.cluster;
  // Cluster mode: every live broker with a Kafka listener, at the Kafka port it registered.
  const brokers = cluster
    ? cluster
        .brokers()
        .filter((b) => b.kafkaPort !== null)
        .map((b) => ({ nodeId: b.id, host: b.host, port: b.kafkaPort!, rack: null }))
    : [{ nodeId, host: ctx.listener.advertisedHost, port: ctx.listener.advertisedPort, rack: null }];
  return {
    throttleTimeMs: 0,
    brokers,
    clusterId: native.clusterId,
    controllerId: native.controllerId,
    topics: native.topics.map((t) => ({
      errorCode: t.errorCode,
      name: t.name,
      isInternal: t.isInternal,
      partitions: t.partitions.map((p) => ({
        errorCode: p.errorCode,
        partitionIndex: p.partition,
        leaderId: p.leader,
        leaderEpoch: cluster?.partition(t.name, p.partition)?.leaderEpoch ?? 0,
        replicaNodes: p.replicas,
        isrNodes: p.isr,
        offlineReplicas: [],
      })),
    })),
  };
});
