// InitProducerId: a new producer id (epoch 0), or the next epoch of an id this data directory issued.
// The allocator persists its high-water mark in blocks (producer-ids.ts), so ids stay unique across
// restarts without one fsync per id. With a transactional id the transaction coordinator answers: the
// id's producer at its next epoch (fencing the previous instance), or a new one.
import { ErrorCode, InitProducerIdApi, MAX_PRODUCER_EPOCH, type InitProducerIdResponse } from '../../protocol/index.js';
import { type Answer, defineHandler } from './types.js';
import { denied, mayProduceIdempotently } from '../security/acl/authorize.js';
import { transactionalIdRefusal, txnWireError } from './txn-errors.js';
import { ProducerIdError } from '../registries/errors.js';
import { PRODUCER_ID_PROBLEM_CODES } from './domain-errors.js';

function refused(code: keyof typeof ErrorCode, errorMessage: string): Answer<InitProducerIdResponse> {
  return { errorCode: ErrorCode[code], errorMessage, producerId: -1, producerEpoch: -1 };
}

export const initProducerIdHandler = defineHandler(InitProducerIdApi, async (request, broker, ctx) => {
  if (request.transactionalId !== null) {
    const { transactionalId, transactionTimeoutMs, producerId, producerEpoch } = request;
    if (transactionalId === '') return refused('INVALID_REQUEST', 'transactionalId must not be empty');
    const denial = transactionalIdRefusal(broker, ctx, transactionalId);
    if (denial) return { ...denial, producerId: -1, producerEpoch: -1 };
    try {
      const identity = await broker.transactions.initProducerId(
        transactionalId,
        transactionTimeoutMs,
        producerId >= 0 ? { producerId, producerEpoch } : undefined,
      );
      return { errorCode: ErrorCode.NONE, errorMessage: null, ...identity };
    } catch (err) {
      return { ...txnWireError(err, ctx.logger), producerId: -1, producerEpoch: -1 };
    }
  }
  if (!mayProduceIdempotently(broker, ctx))
    return refused('CLUSTER_AUTHORIZATION_FAILED', denied('IdempotentWrite', 'cluster', '', ctx).errorMessage);
  const { producerId, producerEpoch } = request;
  if (producerId >= 0) {
    if (producerEpoch < 0)
      return refused('INVALID_REQUEST', `producerEpoch must be given (>= 0) with producerId ${producerId}`);
    if (!broker.producerIds.wasIssued(producerId))
      return refused('UNKNOWN_PRODUCER_ID', `producer id ${producerId} was not issued by this broker`);
    if (producerEpoch < MAX_PRODUCER_EPOCH) {
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        producerId,
        producerEpoch: producerEpoch + 1,
      };
    }
    // Epochs exhausted: a fresh id (Kafka does the same).
  } else if (producerEpoch !== -1) {
    return refused('INVALID_REQUEST', `producerEpoch ${producerEpoch} needs a producerId`);
  }
  try {
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      producerId: await broker.producerIds.allocate(),
      producerEpoch: 0,
    };
  } catch (err) {
    if (!(err instanceof ProducerIdError)) throw err;
    // An unreachable etcd is reported once by the cluster node, not once per producer asking.
    if (err.problem === 'storage-failed') ctx.logger.error({ err }, 'cannot reserve producer ids');
    return refused(PRODUCER_ID_PROBLEM_CODES[err.problem], err.message);
  }
});
