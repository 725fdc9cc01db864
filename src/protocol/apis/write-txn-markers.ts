// WriteTxnMarkers (broker to broker, cluster mode; Kafka's key 27 semantics): the transaction coordinator
// asks a partition's leader to end one producer's transaction in the named partitions with a COMMIT or ABORT
// marker. The leader stamps each marker with its leader epoch and answers once its in-sync replicas hold
// it (acks=-1), so a marker acknowledged to the coordinator survives the leader's death.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, bool, int, message, type MessageValue, struct } from '../schema.js';
import { errorCode, errorMessage, partitionIndex, topicName, topicPartitions } from './fields.js';
import { producerEpoch, producerId } from './txn-fields.js';

export const WriteTxnMarkersRequestDef = message({
  name: 'WriteTxnMarkersRequest',
  type: 'request',
  apiKey: ApiKey.WriteTxnMarkers,
  validVersions: '0',
  fields: {
    producerId: producerId(),
    producerEpoch: producerEpoch(),
    commit: bool({ doc: 'true: COMMIT, false: ABORT' }),
    coordinatorEpoch: int({ min: 0, doc: 'the leader epoch of __transaction_state the coordinator serves under' }),
    topics: array(struct({ name: topicName(), partitions: array(partitionIndex()) })),
  },
});

export const WriteTxnMarkersResponseDef = message({
  name: 'WriteTxnMarkersResponse',
  type: 'response',
  apiKey: ApiKey.WriteTxnMarkers,
  validVersions: '0',
  fields: {
    results: topicPartitions({ partition: partitionIndex(), errorCode: errorCode(), errorMessage: errorMessage() }),
  },
});

export type WriteTxnMarkersRequest = MessageValue<typeof WriteTxnMarkersRequestDef>;
export type WriteTxnMarkersResponse = MessageValue<typeof WriteTxnMarkersResponseDef>;

export const WriteTxnMarkersApi = defineApi({
  key: ApiKey.WriteTxnMarkers,
  name: 'WriteTxnMarkers',
  request: WriteTxnMarkersRequestDef,
  response: WriteTxnMarkersResponseDef,
});
