// ListTransactions (66, KIP-664): the transactional ids the coordinator knows, filtered.
import { api } from '../api.js';
import { array, int16, int32, int64, message, string, struct } from '../schema.js';

export const ListTransactionsRequest = message({
  name: 'ListTransactionsRequest',
  type: 'request',
  apiKey: 66,
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: {
    stateFilters: array(string()),
    producerIdFilters: array(int64()),
    durationFilter: int64({ versions: '1+', default: -1 }),
  },
});

export const ListTransactionsResponse = message({
  name: 'ListTransactionsResponse',
  type: 'response',
  apiKey: 66,
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    unknownStateFilters: array(string()),
    transactionStates: array(struct({ transactionalId: string(), producerId: int64(), transactionState: string() })),
  },
});

export const ListTransactions = api({
  key: 66,
  name: 'ListTransactions',
  request: ListTransactionsRequest,
  response: ListTransactionsResponse,
  served: '0-1',
  why: "Kafka's AdminClient sends v1 (duration filter, KIP-994) and v0 to older brokers",
});
