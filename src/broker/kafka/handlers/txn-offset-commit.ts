// TxnOffsetCommit (v0-3): served by the native door's handler (txn-offset-commit.ts).
import { TxnOffsetCommit } from '../../../protocol/kafka/index.js';
import { txnOffsetCommitHandler } from '../../handlers/txn-offset-commit.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';
import { kafkaTxnCode } from './txn-codes.js';

export const kafkaTxnOffsetCommitHandler = kafkaHandler(TxnOffsetCommit, async (request, broker, ctx) => {
  const native = await nativeAnswer(
    txnOffsetCommitHandler,
    {
      transactionalId: request.transactionalId,
      groupId: request.groupId,
      producerId: request.producerId,
      producerEpoch: request.producerEpoch,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partition: p.partitionIndex,
          offset: p.committedOffset,
          metadata: p.committedMetadata,
        })),
      })),
    },
    broker,
    ctx,
  );
  return {
    throttleTimeMs: 0,
    topics: native.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: kafkaTxnCode(p.errorCode) })),
    })),
  };
});
