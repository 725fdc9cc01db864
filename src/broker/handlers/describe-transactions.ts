// DescribeTransactions: each transactional id's state in the coordinator, for ids the principal may
// Describe (Kafka's rule: TRANSACTIONAL_ID_AUTHORIZATION_FAILED otherwise); an unknown id is
// TRANSACTIONAL_ID_NOT_FOUND; a broker that is not the coordinator now answers NOT_COORDINATOR.
import { type DescribeTransactionsResponse, DescribeTransactionsApi, ErrorCode } from '../../protocol/index.js';
import type { TransactionView } from '../txn/index.js';
import { allowed, denied } from '../security/acl/authorize.js';
import { defineHandler } from './types.js';

type TransactionState = DescribeTransactionsResponse['transactionStates'][number];

const NO_TRANSACTION = {
  transactionState: '',
  transactionTimeoutMs: 0,
  transactionStartTimeMs: -1,
  producerId: -1,
  producerEpoch: -1,
  topics: [],
};

/** The partitions of the open transaction, grouped by topic. */
function topicsOf(view: TransactionView): TransactionState['topics'] {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of view.partitions) {
    const list = byTopic.get(topic);
    if (list) list.push(partition);
    else byTopic.set(topic, [partition]);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
}

export function describedTransaction(view: TransactionView): Omit<TransactionState, 'errorCode' | 'errorMessage'> {
  const open = view.state !== 'Empty' && view.startMs > 0;
  return {
    transactionalId: view.transactionalId,
    transactionState: view.state,
    transactionTimeoutMs: view.timeoutMs,
    transactionStartTimeMs: open ? view.startMs : -1,
    producerId: view.producerId,
    producerEpoch: view.producerEpoch,
    topics: topicsOf(view),
  };
}

export const describeTransactionsHandler = defineHandler(DescribeTransactionsApi, (request, broker, ctx) => {
  const coordinator = broker.transactions;
  const transactionStates = request.transactionalIds.map((transactionalId): TransactionState => {
    if (!allowed(broker, ctx, 'Describe', 'transactional-id', transactionalId))
      return { ...NO_TRANSACTION, transactionalId, ...denied('Describe', 'transactional-id', transactionalId, ctx) };
    // Cluster mode: only the leader of __transaction_state knows the transactions; an admin client that
    // asked another broker finds the coordinator again (FindCoordinator) and asks it.
    if (!coordinator.coordinatesNow) {
      return {
        ...NO_TRANSACTION,
        transactionalId,
        errorCode: ErrorCode.NOT_COORDINATOR,
        errorMessage: `broker ${broker.config.nodeId} does not coordinate transactions now: ask the coordinator FindCoordinator names`,
      };
    }
    if (!coordinator.ready) {
      return {
        ...NO_TRANSACTION,
        transactionalId,
        errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
        errorMessage: 'the transaction coordinator is loading its state',
      };
    }
    const view = coordinator.describe(transactionalId);
    if (!view) {
      return {
        ...NO_TRANSACTION,
        transactionalId,
        errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND,
        errorMessage: `transactional id '${transactionalId}' is not known to the transaction coordinator`,
      };
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, ...describedTransaction(view) };
  });
  return { throttleTimeMs: 0, transactionStates };
});
