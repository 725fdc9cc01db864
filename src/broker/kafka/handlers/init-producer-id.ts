// InitProducerId (v0-1): a producer id for an idempotent producer, from the allocator the native door uses,
// so the per-partition sequence state (storage) is one whichever door a producer came through. Sluice has
// no transactions yet: a transactional id is refused with a non-retriable Kafka code, so a transactional
// client fails at once with a clear message instead of retrying.
import { ErrorCode } from '../../../protocol/index.js';
import { InitProducerId } from '../../../protocol/kafka/index.js';
import { initProducerIdHandler } from '../../handlers/init-producer-id.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';

export const kafkaInitProducerIdHandler = kafkaHandler(InitProducerId, async (request, broker, ctx) => {
  if (request.transactionalId !== null) {
    ctx.logger.info({ transactionalId: request.transactionalId }, 'refused a transactional producer (no transactions)');
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      producerId: -1,
      producerEpoch: -1,
    };
  }
  const native = await nativeAnswer(
    initProducerIdHandler,
    {
      transactionalId: null,
      transactionTimeoutMs: request.transactionTimeoutMs,
      producerId: request.producerId,
      producerEpoch: request.producerEpoch,
    },
    broker,
    ctx,
  );
  return {
    throttleTimeMs: 0,
    errorCode: native.errorCode,
    producerId: native.producerId,
    producerEpoch: native.producerEpoch,
  };
});
