// InitProducerId (v0-1): served by the native door's handler, so idempotent producers share the allocator
// (and the per-partition sequence state) with the native door, and transactional ones (a transactional id)
// the transaction coordinator.
import { InitProducerId } from '../../../protocol/kafka/index.js';
import { initProducerIdHandler } from '../../handlers/init-producer-id.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';
import { kafkaTxnCode } from './txn-codes.js';

export const kafkaInitProducerIdHandler = kafkaHandler(InitProducerId, async (request, broker, ctx) => {
  const native = await nativeAnswer(
    initProducerIdHandler,
    {
      transactionalId: request.transactionalId,
      transactionTimeoutMs: request.transactionTimeoutMs,
      producerId: request.producerId,
      producerEpoch: request.producerEpoch,
    },
    broker,
    ctx,
  );
  return {
    throttleTimeMs: 0,
    errorCode: kafkaTxnCode(native.errorCode),
    producerId: native.producerId,
    producerEpoch: native.producerEpoch,
  };
});
