// AddPartitionsToTxn: the partitions join the producer's open transaction (the coordinator opens it).
// One outcome for the whole request, answered per partition as Kafka does; a partition that does not
// exist or may not be written fails the request before anything is added.
import { AddPartitionsToTxnApi, ErrorCode } from '../../protocol/index.js';
import { allowed, denied } from '../security/acl/authorize.js';
import { transactionalIdRefusal, txnOutcome, type TxnWireError } from './txn-errors.js';
import { defineHandler } from './types.js';

export const addPartitionsToTxnHandler = defineHandler(AddPartitionsToTxnApi, async (request, broker, ctx) => {
  const { transactionalId, producerId, producerEpoch } = request;
  const perPartition = new Map<string, TxnWireError>();
  for (const t of request.topics) {
    const refused = allowed(broker, ctx, 'Write', 'topic', t.name) ? null : denied('Write', 'topic', t.name, ctx);
    for (const p of t.partitions) {
      if (refused) perPartition.set(`${t.name}:${p}`, refused);
      else if (!broker.topics.log(t.name, p))
        perPartition.set(`${t.name}:${p}`, {
          errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          errorMessage: `${t.name}-${p} does not exist`,
        });
    }
  }
  let outcome: TxnWireError | null = transactionalIdRefusal(broker, ctx, transactionalId);
  if (!outcome && perPartition.size > 0)
    outcome = { errorCode: ErrorCode.OPERATION_NOT_ATTEMPTED, errorMessage: 'another partition of the request failed' };
  outcome ??= await txnOutcome(
    () =>
      broker.transactions.addPartitions(
        transactionalId,
        { producerId, producerEpoch },
        request.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition }))),
      ),
    ctx.logger,
  );
  const result = outcome;
  return {
    results: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((partition) => ({
        partition,
        ...(perPartition.get(`${t.name}:${partition}`) ?? result),
      })),
    })),
  };
});
