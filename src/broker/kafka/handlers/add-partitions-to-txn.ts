// AddPartitionsToTxn (v0-3): served by the native door's handler (add-partitions-to-txn.ts).
import { AddPartitionsToTxn } from '../../../protocol/kafka/index.js';
import { addPartitionsToTxnHandler } from '../../handlers/add-partitions-to-txn.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';
import { kafkaTxnCode } from './txn-codes.js';

export const kafkaAddPartitionsToTxnHandler = kafkaHandler(AddPartitionsToTxn, async (request, broker, ctx) => {
  const native = await nativeAnswer(
    addPartitionsToTxnHandler,
    {
      transactionalId: request.v3AndBelowTransactionalId,
      producerId: request.v3AndBelowProducerId,
      producerEpoch: request.v3AndBelowProducerEpoch,
      topics: request.v3AndBelowTopics.map((t) => ({ name: t.name, partitions: t.partitions })),
    },
    broker,
    ctx,
  );
  return {
    throttleTimeMs: 0,
    resultsByTopicV3AndBelow: native.results.map((t) => ({
      name: t.name,
      resultsByPartition: t.partitions.map((p) => ({
        partitionIndex: p.partition,
        partitionErrorCode: kafkaTxnCode(p.errorCode),
      })),
    })),
  };
});
