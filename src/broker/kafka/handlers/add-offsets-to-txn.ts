// AddOffsetsToTxn (v0-3): served by the native door's handler (add-offsets-to-txn.ts).
import { AddOffsetsToTxn } from '../../../protocol/kafka/index.js';
import { addOffsetsToTxnHandler } from '../../handlers/add-offsets-to-txn.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';
import { kafkaTxnCode } from './txn-codes.js';

export const kafkaAddOffsetsToTxnHandler = kafkaHandler(AddOffsetsToTxn, async (request, broker, ctx) => {
  const native = await nativeAnswer(
    addOffsetsToTxnHandler,
    {
      transactionalId: request.transactionalId,
      producerId: request.producerId,
      producerEpoch: request.producerEpoch,
      groupId: request.groupId,
    },
    broker,
    ctx,
  );
  return { throttleTimeMs: 0, errorCode: kafkaTxnCode(native.errorCode) };
});
