// EndTxn: commits or aborts the producer's open transaction. Answered once the decision is stored and the
// markers are in every partition of the transaction (single node), so a read_committed consumer can read
// a committed transaction as soon as its producer's commit() returned.
import { ApiKey, defineApi } from '../api-keys.js';
import { bool, message, type MessageValue } from '../schema.js';
import { errorCode, errorMessage, throttleTimeMs } from './fields.js';
import { producerEpoch, producerId, transactionalId } from './txn-fields.js';

export const EndTxnRequestDef = message({
  name: 'EndTxnRequest',
  type: 'request',
  apiKey: ApiKey.EndTxn,
  validVersions: '0',
  fields: {
    transactionalId: transactionalId(),
    producerId: producerId(),
    producerEpoch: producerEpoch(),
    committed: bool({ doc: 'true: commit, false: abort' }),
  },
});

export const EndTxnResponseDef = message({
  name: 'EndTxnResponse',
  type: 'response',
  apiKey: ApiKey.EndTxn,
  validVersions: '0',
  fields: { throttleTimeMs: throttleTimeMs(), errorCode: errorCode(), errorMessage: errorMessage() },
});

export type EndTxnRequest = MessageValue<typeof EndTxnRequestDef>;
export type EndTxnResponse = MessageValue<typeof EndTxnResponseDef>;

export const EndTxnApi = defineApi({
  key: ApiKey.EndTxn,
  name: 'EndTxn',
  request: EndTxnRequestDef,
  response: EndTxnResponseDef,
});
