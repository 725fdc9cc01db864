// AddOffsetsToTxn: the producer will commit a group's offsets in its open transaction (TxnOffsetCommit).
import { AddOffsetsToTxnApi } from '../../protocol/index.js';
import { allowed, denied } from '../security/acl/authorize.js';
import { transactionalIdRefusal, txnOutcome } from './txn-errors.js';
import { defineHandler } from './types.js';

export const addOffsetsToTxnHandler = defineHandler(AddOffsetsToTxnApi, async (request, broker, ctx) => {
  const { transactionalId, producerId, producerEpoch, groupId } = request;
  const refused =
    transactionalIdRefusal(broker, ctx, transactionalId) ??
    (allowed(broker, ctx, 'Read', 'group', groupId) ? null : denied('Read', 'group', groupId, ctx));
  const outcome =
    refused ??
    (await txnOutcome(
      () => broker.transactions.addOffsets(transactionalId, { producerId, producerEpoch }, groupId),
      ctx.logger,
    ));
  return { ...outcome };
});
