// VerifyTxnWrite (broker to broker, cluster mode; Kafka 3.6's AddPartitionsToTxn v4 with verifyOnly, KIP-890
// part 1): before a partition's leader appends a producer's first transactional batch of a transaction,
// it asks the transaction coordinator whether that producer, at that epoch, has an open transaction that
// added the partition. NONE: it has; INVALID_TXN_STATE: it has not (the batch would hang, outside any
// transaction); INVALID_PRODUCER_EPOCH: a newer epoch fenced it; NOT_COORDINATOR: ask the new coordinator.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, message, type MessageValue, struct } from '../schema.js';
import { errorCode, errorMessage, partitionIndex, topicName, topicPartitions } from './fields.js';
import { producerEpoch, producerId } from './txn-fields.js';

export const VerifyTxnWriteRequestDef = message({
  name: 'VerifyTxnWriteRequest',
  type: 'request',
  apiKey: ApiKey.VerifyTxnWrite,
  validVersions: '0',
  fields: {
    producerId: producerId(),
    producerEpoch: producerEpoch(),
    topics: array(struct({ name: topicName(), partitions: array(partitionIndex()) })),
  },
});

export const VerifyTxnWriteResponseDef = message({
  name: 'VerifyTxnWriteResponse',
  type: 'response',
  apiKey: ApiKey.VerifyTxnWrite,
  validVersions: '0',
  fields: {
    results: topicPartitions({ partition: partitionIndex(), errorCode: errorCode(), errorMessage: errorMessage() }),
  },
});

export type VerifyTxnWriteRequest = MessageValue<typeof VerifyTxnWriteRequestDef>;
export type VerifyTxnWriteResponse = MessageValue<typeof VerifyTxnWriteResponseDef>;

export const VerifyTxnWriteApi = defineApi({
  key: ApiKey.VerifyTxnWrite,
  name: 'VerifyTxnWrite',
  request: VerifyTxnWriteRequestDef,
  response: VerifyTxnWriteResponseDef,
});
