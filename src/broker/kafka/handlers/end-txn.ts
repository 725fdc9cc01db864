// EndTxn (v0-3): served by the native door's handler (end-txn.ts).
import { EndTxn } from '../../../protocol/kafka/index.js';
import { endTxnHandler } from '../../handlers/end-txn.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';
import { kafkaTxnCode } from './txn-codes.js';

export const kafkaEndTxnHandler = kafkaHandler(EndTxn, async (request, broker, ctx) => {
  const native = await nativeAnswer(
    endTxnHandler,
    {
      transactionalId: request.transactionalId,
      producerId: request.producerId,
      producerEpoch: request.producerEpoch,
      committed: request.committed,
    },
    broker,
    ctx,
  );
  return { throttleTimeMs: 0, errorCode: kafkaTxnCode(native.errorCode) };
});
