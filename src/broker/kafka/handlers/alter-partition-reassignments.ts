// AlterPartitionReassignments (v0) onto the native door's handler (handlers/alter-partition-reassignments.ts).
// Kafka sets the catch-up throttle through dynamic broker configs, which Sluice does not have: reassignments
// from this door are unthrottled (the native door and `sluice cluster reassign --throttle` take one).
import { AlterPartitionReassignments } from '../../../protocol/kafka/index.js';
import { alterPartitionReassignmentsHandler } from '../../handlers/alter-partition-reassignments.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';

export const kafkaAlterPartitionReassignmentsHandler = kafkaHandler(
  AlterPartitionReassignments,
  async (request, broker, ctx) => {
    const native = await nativeAnswer(
      alterPartitionReassignmentsHandler,
      {
        timeoutMs: Math.max(0, request.timeoutMs),
        topics: request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, replicas: p.replicas })),
        })),
        throttleBytesPerSecond: null,
      },
      broker,
      ctx,
    );
    return {
      throttleTimeMs: 0,
      errorCode: native.errorCode,
      errorMessage: native.errorMessage,
      responses: native.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partition,
          errorCode: p.errorCode,
          errorMessage: p.errorMessage,
        })),
      })),
    };
  },
);
