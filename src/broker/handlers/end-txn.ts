// EndTxn: commits or aborts the producer's open transaction; answered once its markers are written.
import { EndTxnApi } from '../../protocol/index.js';
import { transactionalIdRefusal, txnOutcome } from './txn-errors.js';
import { defineHandler } from './types.js';

export const endTxnHandler = defineHandler(EndTxnApi, async (request, broker, ctx) => {
  const { transactionalId, producerId, producerEpoch, committed } = request;
  const outcome =
    transactionalIdRefusal(broker, ctx, transactionalId) ??
    (await txnOutcome(
      () => broker.transactions.endTransaction(transactionalId, { producerId, producerEpoch }, committed),
      ctx.logger,
    ));
  return { ...outcome };
});
