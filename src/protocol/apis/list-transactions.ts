// ListTransactions (Kafka's key 66): the transactional ids the coordinator knows, filtered by state, by
// producer id and by how long their open transaction has run; only those the principal may Describe.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, int, message, type MessageValue, string, struct } from '../schema.js';
import { errorCode } from './fields.js';

export const ListTransactionsRequestDef = message({
  name: 'ListTransactionsRequest',
  type: 'request',
  apiKey: ApiKey.ListTransactions,
  validVersions: '0',
  fields: {
    stateFilters: array(string({ maxLength: 64 }), { maxItems: 16, doc: 'states to list; empty: every state' }),
    producerIdFilters: array(int({ min: 0 }), { maxItems: 10_000, doc: 'producer ids to list; empty: all' }),
    durationFilter: int({
      min: -1,
      default: -1,
      doc: 'only transactions open longer than this many ms; -1: no filter',
    }),
  },
});

export const ListTransactionsResponseDef = message({
  name: 'ListTransactionsResponse',
  type: 'response',
  apiKey: ApiKey.ListTransactions,
  validVersions: '0',
  fields: {
    throttleTimeMs: int({ min: 0, default: 0 }),
    errorCode: errorCode(),
    unknownStateFilters: array(string(), { doc: 'state filters that name no state' }),
    transactionStates: array(struct({ transactionalId: string(), producerId: int(), transactionState: string() })),
  },
});

export type ListTransactionsRequest = MessageValue<typeof ListTransactionsRequestDef>;
export type ListTransactionsResponse = MessageValue<typeof ListTransactionsResponseDef>;

export const ListTransactionsApi = defineApi({
  key: ApiKey.ListTransactions,
  name: 'ListTransactions',
  request: ListTransactionsRequestDef,
  response: ListTransactionsResponseDef,
});
