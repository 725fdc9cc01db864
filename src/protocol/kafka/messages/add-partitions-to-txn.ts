// AddPartitionsToTxn (24): a transactional producer adds partitions to its open transaction (v0-3; v4+ is
// the brokers' batched form, KIP-890).
import { api } from '../api.js';
import { array, int16, int32, int64, message, string, struct } from '../schema.js';

export const AddPartitionsToTxnRequest = message({
  name: 'AddPartitionsToTxnRequest',
  type: 'request',
  apiKey: 24,
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: {
    v3AndBelowTransactionalId: string(),
    v3AndBelowProducerId: int64(),
    v3AndBelowProducerEpoch: int16(),
    v3AndBelowTopics: array(struct({ name: string(), partitions: array(int32()) })),
  },
});

export const AddPartitionsToTxnResponse = message({
  name: 'AddPartitionsToTxnResponse',
  type: 'response',
  apiKey: 24,
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: {
    throttleTimeMs: int32(),
    resultsByTopicV3AndBelow: array(
      struct({
        name: string(),
        resultsByPartition: array(struct({ partitionIndex: int32(), partitionErrorCode: int16() })),
      }),
    ),
  },
});

export const AddPartitionsToTxn = api({
  key: 24,
  name: 'AddPartitionsToTxn',
  request: AddPartitionsToTxnRequest,
  response: AddPartitionsToTxnResponse,
  served: '0-3',
  why: 'kafkajs sends v1, librdkafka 2.0.2 v0; v3 flexible; v4+ batches several transactions (broker to broker)',
});
