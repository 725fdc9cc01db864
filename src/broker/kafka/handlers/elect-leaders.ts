// ElectLeaders (v0-2): Kafka's election types (0 preferred, 1 unclean; v0 always preferred) onto the native
// door's handler (handlers/elect-leaders.ts).
import { ElectLeaders } from '../../../protocol/kafka/index.js';
import { ErrorCode } from '../../../protocol/index.js';
import { electLeadersHandler } from '../../handlers/elect-leaders.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';

export const kafkaElectLeadersHandler = kafkaHandler(ElectLeaders, async (request, broker, ctx) => {
  const type = request.electionType;
  if (type !== 0 && type !== 1)
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.INVALID_REQUEST,
      replicaElectionResults: (request.topicPartitions ?? []).map((t) => ({
        topic: t.topic,
        partitionResult: t.partitions.map((partitionId) => ({
          partitionId,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `unknown election type ${type} (0 preferred, 1 unclean)`,
        })),
      })),
    };
  const native = await nativeAnswer(
    electLeadersHandler,
    {
      electionType: type === 1 ? 'unclean' : 'preferred',
      topics: request.topicPartitions?.map((t) => ({ name: t.topic, partitions: t.partitions })) ?? null,
      timeoutMs: Math.max(0, request.timeoutMs),
    },
    broker,
    ctx,
  );
  // Refused as a whole (authorization): every partition named carries the error too, as Kafka answers (v0
  // has no top-level error code).
  if (native.errorCode !== ErrorCode.NONE)
    return {
      throttleTimeMs: 0,
      errorCode: native.errorCode,
      replicaElectionResults: (request.topicPartitions ?? []).map((t) => ({
        topic: t.topic,
        partitionResult: t.partitions.map((partitionId) => ({
          partitionId,
          errorCode: native.errorCode,
          errorMessage: native.errorMessage,
        })),
      })),
    };
  return {
    throttleTimeMs: 0,
    errorCode: native.errorCode,
    replicaElectionResults: native.topics.map((t) => ({
      topic: t.name,
      partitionResult: t.partitions.map((p) => ({
        partitionId: p.partition,
        errorCode: p.errorCode,
        errorMessage: p.errorMessage,
      })),
    })),
  };
});
