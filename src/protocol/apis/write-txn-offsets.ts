// WriteTxnOffsets (broker to broker, cluster mode): a committed transaction's offsets (TxnOffsetCommit's),
// sent by the transaction coordinator to the group coordinator (the leader of `__consumer_offsets`), which
// makes them the group's committed offsets. Kafka does this with a marker in `__consumer_offsets`; here the
// pending offsets stay with the transaction coordinator until the commit, so they travel in this request.
// Answered once `__consumer_offsets`' in-sync replicas hold them.
import { ApiKey, defineApi } from '../api-keys.js';
import { int, message, type MessageValue, string } from '../schema.js';
import { errorCode, errorMessage, groupId, partitionIndex, topicPartitions } from './fields.js';

export const WriteTxnOffsetsRequestDef = message({
  name: 'WriteTxnOffsetsRequest',
  type: 'request',
  apiKey: ApiKey.WriteTxnOffsets,
  validVersions: '0',
  fields: {
    groupId: groupId(),
    topics: topicPartitions({
      partition: partitionIndex(),
      offset: int({ min: 0 }),
      metadata: string({ maxLength: 4096, nullableVersions: '0+' }),
    }),
  },
});

export const WriteTxnOffsetsResponseDef = message({
  name: 'WriteTxnOffsetsResponse',
  type: 'response',
  apiKey: ApiKey.WriteTxnOffsets,
  validVersions: '0',
  fields: {
    errorCode: errorCode(),
    errorMessage: errorMessage(),
  },
});

export type WriteTxnOffsetsRequest = MessageValue<typeof WriteTxnOffsetsRequestDef>;
export type WriteTxnOffsetsResponse = MessageValue<typeof WriteTxnOffsetsResponseDef>;

export const WriteTxnOffsetsApi = defineApi({
  key: ApiKey.WriteTxnOffsets,
  name: 'WriteTxnOffsets',
  request: WriteTxnOffsetsRequestDef,
  response: WriteTxnOffsetsResponseDef,
});
