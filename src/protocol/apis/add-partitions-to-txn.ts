// AddPartitionsToTxn: a transactional producer names the partitions it is about to write in its open
// transaction (the coordinator writes their markers when the transaction ends). Opens the transaction.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, message, type MessageValue, struct } from '../schema.js';
import { errorCode, errorMessage, partitionIndex, topicName, topicPartitions, throttleTimeMs } from './fields.js';
import { producerEpoch, producerId, transactionalId } from './txn-fields.js';

export const AddPartitionsToTxnRequestDef = message({
  name: 'AddPartitionsToTxnRequest',
  type: 'request',
  apiKey: ApiKey.AddPartitionsToTxn,
  validVersions: '0',
  fields: {
    transactionalId: transactionalId(),
    producerId: producerId(),
    producerEpoch: producerEpoch(),
    topics: array(struct({ name: topicName(), partitions: array(partitionIndex()) })),
  },
});

export const AddPartitionsToTxnResponseDef = message({
  name: 'AddPartitionsToTxnResponse',
  type: 'response',
  apiKey: ApiKey.AddPartitionsToTxn,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    results: topicPartitions({ partition: partitionIndex(), errorCode: errorCode(), errorMessage: errorMessage() }),
  },
});

export type AddPartitionsToTxnRequest = MessageValue<typeof AddPartitionsToTxnRequestDef>;
export type AddPartitionsToTxnResponse = MessageValue<typeof AddPartitionsToTxnResponseDef>;

export const AddPartitionsToTxnApi = defineApi({
  key: ApiKey.AddPartitionsToTxn,
  name: 'AddPartitionsToTxn',
  request: AddPartitionsToTxnRequestDef,
  response: AddPartitionsToTxnResponseDef,
});
