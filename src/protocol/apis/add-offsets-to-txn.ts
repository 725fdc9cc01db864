// AddOffsetsToTxn: the producer will commit a consumer group's offsets inside its open transaction
// (TxnOffsetCommit follows). Opens the transaction if needed.
import { ApiKey, defineApi } from '../api-keys.js';
import { message, type MessageValue } from '../schema.js';
import { errorCode, errorMessage, groupId, throttleTimeMs } from './fields.js';
import { producerEpoch, producerId, transactionalId } from './txn-fields.js';

export const AddOffsetsToTxnRequestDef = message({
  name: 'AddOffsetsToTxnRequest',
  type: 'request',
  apiKey: ApiKey.AddOffsetsToTxn,
  validVersions: '0',
  fields: {
    transactionalId: transactionalId(),
    producerId: producerId(),
    producerEpoch: producerEpoch(),
    groupId: groupId(),
  },
});

export const AddOffsetsToTxnResponseDef = message({
  name: 'AddOffsetsToTxnResponse',
  type: 'response',
  apiKey: ApiKey.AddOffsetsToTxn,
  validVersions: '0',
  fields: { throttleTimeMs: throttleTimeMs(), errorCode: errorCode(), errorMessage: errorMessage() },
});

export type AddOffsetsToTxnRequest = MessageValue<typeof AddOffsetsToTxnRequestDef>;
export type AddOffsetsToTxnResponse = MessageValue<typeof AddOffsetsToTxnResponseDef>;

export const AddOffsetsToTxnApi = defineApi({
  key: ApiKey.AddOffsetsToTxn,
  name: 'AddOffsetsToTxn',
  request: AddOffsetsToTxnRequestDef,
  response: AddOffsetsToTxnResponseDef,
});
