// ListPartitionReassignments (v0) onto the native door's handler (handlers/list-partition-reassignments.ts).
import { ListPartitionReassignments } from '../../../protocol/kafka/index.js';
import { listPartitionReassignmentsHandler } from '../../handlers/list-partition-reassignments.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';

export const kafkaListPartitionReassignmentsHandler = kafkaHandler(
  ListPartitionReassignments,
  async (request, broker, ctx) => {
    const native = await nativeAnswer(
      listPartitionReassignmentsHandler,
      {
        timeoutMs: Math.max(0, request.timeoutMs),
        topics: request.topics?.map((t) => ({ name: t.name, partitions: t.partitionIndexes })) ?? null,
      },
      broker,
      ctx,
    );
    return {
      throttleTimeMs: 0,
      errorCode: native.errorCode,
      errorMessage: native.errorMessage,
      topics: native.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partition,
          replicas: p.replicas,
          addingReplicas: p.addingReplicas,
          removingReplicas: p.removingReplicas,
        })),
      })),
    };
  },
);
