// Metadata: one broker (this listener's advertised address), the controller and leader of every partition.
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
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId, host: ctx.listener.advertisedHost, port: ctx.listener.advertisedPort, rack: null }],
    clusterId: native.clusterId,
    controllerId: nodeId,
    topics: native.topics.map((t) => ({
      errorCode: t.errorCode,
      name: t.name,
      isInternal: t.isInternal,
      partitions: t.partitions.map((p) => ({
        errorCode: p.errorCode,
        partitionIndex: p.partition,
        leaderId: p.leader,
        leaderEpoch: 0,
        replicaNodes: p.replicas,
        isrNodes: p.isr,
        offlineReplicas: [],
      })),
    })),
  };
});
