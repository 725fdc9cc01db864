// DescribeTransactions (65, KIP-664): the coordinator's state of each transactional id asked for.
import { api } from '../api.js';
import { array, int16, int32, int64, message, string, struct } from '../schema.js';

export const DescribeTransactionsRequest = message({
  name: 'DescribeTransactionsRequest',
  type: 'request',
  apiKey: 65,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    transactionalIds: array(string()),
  },
});

export const DescribeTransactionsResponse = message({
  name: 'DescribeTransactionsResponse',
  type: 'response',
  apiKey: 65,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32(),
    transactionStates: array(
      struct({
        errorCode: int16(),
        transactionalId: string(),
        transactionState: string(),
        transactionTimeoutMs: int32(),
        transactionStartTimeMs: int64(),
        producerId: int64(),
        producerEpoch: int16(),
        topics: array(struct({ topic: string(), partitions: array(int32()) })),
      }),
    ),
  },
});

export const DescribeTransactions = api({
  key: 65,
  name: 'DescribeTransactions',
  request: DescribeTransactionsRequest,
  response: DescribeTransactionsResponse,
  served: '0',
  why: "the only version; kafka-transactions.sh and Kafka's AdminClient send it",
});
