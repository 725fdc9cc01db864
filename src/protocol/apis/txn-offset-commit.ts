// TxnOffsetCommit: a group's offsets committed inside the producer's open transaction. The group sees them
// only when the transaction commits; an abort drops them.
import { ApiKey, defineApi } from '../api-keys.js';
import { int, message, type MessageValue, string } from '../schema.js';
import {
  errorCode,
  errorMessage,
  groupId,
  groupInstanceId,
  partitionIndex,
  topicPartitions,
  throttleTimeMs,
} from './fields.js';
import { producerEpoch, producerId, transactionalId } from './txn-fields.js';

export const TxnOffsetCommitRequestDef = message({
  name: 'TxnOffsetCommitRequest',
  type: 'request',
  apiKey: ApiKey.TxnOffsetCommit,
  validVersions: '0',
  fields: {
    transactionalId: transactionalId(),
    groupId: groupId(),
    producerId: producerId(),
    producerEpoch: producerEpoch(),
    generationId: int({ default: -1 }),
    memberId: string({ maxLength: 1024, default: '' }),
    groupInstanceId: groupInstanceId(),
    topics: topicPartitions({
      partition: partitionIndex(),
      offset: int({ min: 0 }),
      metadata: string({ maxLength: 4096, nullableVersions: '0+' }),
    }),
  },
});

export const TxnOffsetCommitResponseDef = message({
  name: 'TxnOffsetCommitResponse',
  type: 'response',
  apiKey: ApiKey.TxnOffsetCommit,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    topics: topicPartitions({ partition: partitionIndex(), errorCode: errorCode(), errorMessage: errorMessage() }),
  },
});

export type TxnOffsetCommitRequest = MessageValue<typeof TxnOffsetCommitRequestDef>;
export type TxnOffsetCommitResponse = MessageValue<typeof TxnOffsetCommitResponseDef>;

export const TxnOffsetCommitApi = defineApi({
  key: ApiKey.TxnOffsetCommit,
  name: 'TxnOffsetCommit',
  request: TxnOffsetCommitRequestDef,
  response: TxnOffsetCommitResponseDef,
});
