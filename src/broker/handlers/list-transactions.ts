// ListTransactions: the transactional ids the coordinator knows, filtered by state, producer id and how long
// their open transaction has run; only the ids the principal may Describe are listed (Kafka's rule: the
// listing is filtered, not refused). Unknown state names come back in unknownStateFilters.
import { ErrorCode, ListTransactionsApi } from '../../protocol/index.js';
import { TXN_STATES } from '../txn/index.js';
import { allowed } from '../security/acl/authorize.js';
import { defineHandler } from './types.js';

export const listTransactionsHandler = defineHandler(ListTransactionsApi, (request, broker, ctx) => {
  const coordinator = broker.transactions;
  const known = new Set<string>(TXN_STATES);
  const unknownStateFilters = request.stateFilters.filter((s) => !known.has(s));
  if (!coordinator.ready) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
      unknownStateFilters,
      transactionStates: [],
    };
  }
  const states = new Set(request.stateFilters);
  const producerIds = new Set(request.producerIdFilters);
  const now = broker.clock.now();
  const transactionStates = coordinator
    .list()
    .filter((t) => states.size === 0 || states.has(t.state))
    .filter((t) => producerIds.size === 0 || producerIds.has(t.producerId))
    .filter((t) => request.durationFilter < 0 || (t.state === 'Ongoing' && now - t.startMs > request.durationFilter))
    .filter((t) => allowed(broker, ctx, 'Describe', 'transactional-id', t.transactionalId, false))
    .map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state }))
    .sort((a, b) => a.transactionalId.localeCompare(b.transactionalId));
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates };
});
