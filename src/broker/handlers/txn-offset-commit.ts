// TxnOffsetCommit: a group's offsets inside the producer's open transaction; the group sees them only
// once the transaction commits. One outcome for the request, answered per partition.
import { ErrorCode, TxnOffsetCommitApi } from '../../protocol/index.js';
import { allowed, denied } from '../security/acl/authorize.js';
import { transactionalIdRefusal, txnOutcome } from './txn-errors.js';
import { defineHandler } from './types.js';

export const txnOffsetCommitHandler = defineHandler(TxnOffsetCommitApi, async (request, broker, ctx) => {
  const { transactionalId, producerId, producerEpoch, groupId } = request;
  const refused =
    transactionalIdRefusal(broker, ctx, transactionalId) ??
    (allowed(broker, ctx, 'Read', 'group', groupId) ? null : denied('Read', 'group', groupId, ctx)) ??
    request.topics
      .filter((t) => !allowed(broker, ctx, 'Read', 'topic', t.name))
      .map((t) => denied('Read', 'topic', t.name, ctx))[0] ??
    (groupId === '' ? { errorCode: ErrorCode.INVALID_GROUP_ID, errorMessage: 'groupId must not be empty' } : null);
  const outcome =
    refused ??
    (await txnOutcome(
      () =>
        broker.transactions.commitOffsets(
          transactionalId,
          { producerId, producerEpoch },
          groupId,
          request.topics.flatMap((t) =>
            t.partitions.map((p) => ({
              topic: t.name,
              partition: p.partition,
              offset: p.offset,
              metadata: p.metadata,
            })),
          ),
        ),
      ctx.logger,
    ));
  return {
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partition: p.partition, ...outcome })),
    })),
  };
});
