// AddOffsetsToTxn (25): the producer will commit a group's offsets inside its open transaction.
import { api } from '../api.js';
import { int16, int32, int64, message, string } from '../schema.js';

export const AddOffsetsToTxnRequest = message({
  name: 'AddOffsetsToTxnRequest',
  type: 'request',
  apiKey: 25,
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: {
    transactionalId: string(),
    producerId: int64(),
    producerEpoch: int16(),
    groupId: string(),
  },
});

export const AddOffsetsToTxnResponse = message({
  name: 'AddOffsetsToTxnResponse',
  type: 'response',
  apiKey: 25,
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: { throttleTimeMs: int32(), errorCode: int16() },
});

export const AddOffsetsToTxn = api({
  key: 25,
  name: 'AddOffsetsToTxn',
  request: AddOffsetsToTxnRequest,
  response: AddOffsetsToTxnResponse,
  served: '0-3',
  why: 'kafkajs sends v1, librdkafka 2.0.2 v0',
});
