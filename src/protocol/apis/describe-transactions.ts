// DescribeTransactions (Kafka's key 65): the coordinator's state of each transactional id asked for.
// An id the coordinator does not know is TRANSACTIONAL_ID_NOT_FOUND; one the principal may not Describe is
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED (Kafka's rules).
import { ApiKey, defineApi } from '../api-keys.js';
import { array, int, message, type MessageValue, string, struct } from '../schema.js';
import { errorCode, errorMessage } from './fields.js';
import { transactionalId } from './txn-fields.js';

export const DescribeTransactionsRequestDef = message({
  name: 'DescribeTransactionsRequest',
  type: 'request',
  apiKey: ApiKey.DescribeTransactions,
  validVersions: '0',
  fields: {
    transactionalIds: array(transactionalId(), { maxItems: 10_000 }),
  },
});

export const DescribeTransactionsResponseDef = message({
  name: 'DescribeTransactionsResponse',
  type: 'response',
  apiKey: ApiKey.DescribeTransactions,
  validVersions: '0',
  fields: {
    throttleTimeMs: int({ min: 0, default: 0 }),
    transactionStates: array(
      struct({
        errorCode: errorCode(),
        errorMessage: errorMessage(),
        transactionalId: string(),
        transactionState: string({
          doc: "Kafka's names: Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort",
        }),
        transactionTimeoutMs: int(),
        transactionStartTimeMs: int({ doc: 'when the current or last transaction began; -1 when none did' }),
        producerId: int(),
        producerEpoch: int(),
        topics: array(struct({ topic: string(), partitions: array(int()) }), {
          doc: 'the partitions of the open transaction',
        }),
      }),
    ),
  },
});

export type DescribeTransactionsRequest = MessageValue<typeof DescribeTransactionsRequestDef>;
export type DescribeTransactionsResponse = MessageValue<typeof DescribeTransactionsResponseDef>;

export const DescribeTransactionsApi = defineApi({
  key: ApiKey.DescribeTransactions,
  name: 'DescribeTransactions',
  request: DescribeTransactionsRequestDef,
  response: DescribeTransactionsResponseDef,
});
