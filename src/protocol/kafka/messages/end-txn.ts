// EndTxn (26): commits or aborts the producer's open transaction.
import { api } from '../api.js';
import { bool, int16, int32, int64, message, string } from '../schema.js';

export const EndTxnRequest = message({
  name: 'EndTxnRequest',
  type: 'request',
  apiKey: 26,
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: {
    transactionalId: string(),
    producerId: int64(),
    producerEpoch: int16(),
    committed: bool(),
  },
});

export const EndTxnResponse = message({
  name: 'EndTxnResponse',
  type: 'response',
  apiKey: 26,
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: { throttleTimeMs: int32(), errorCode: int16() },
});

export const EndTxn = api({
  key: 26,
  name: 'EndTxn',
  request: EndTxnRequest,
  response: EndTxnResponse,
  served: '0-3',
  why: 'kafkajs sends v1, librdkafka 2.0.2 v1',
});
