// ListTransactions (v0-1): served by the native door's handler (list-transactions.ts).
import { ListTransactions } from '../../../protocol/kafka/index.js';
import { listTransactionsHandler } from '../../handlers/list-transactions.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';

export const kafkaListTransactionsHandler = kafkaHandler(ListTransactions, async (request, broker, ctx) => {
  const native = await nativeAnswer(
    listTransactionsHandler,
    {
      stateFilters: request.stateFilters,
      producerIdFilters: request.producerIdFilters,
      durationFilter: request.durationFilter ?? -1,
    },
    broker,
    ctx,
  );
  return native;
});
