// OffsetCommit: stores a group's consumed positions (the next offset to read) with optional metadata.
// generationId -1 with memberId '' is a standalone commit (a group with no active members, e.g. admin).
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

export const OFFSET_METADATA_MAX = 4096;

export const OffsetCommitRequestDef = message({
  name: 'OffsetCommitRequest',
  type: 'request',
  apiKey: ApiKey.OffsetCommit,
  validVersions: '0',
  fields: {
    groupId: groupId(),
    generationId: int({ default: -1 }),
    memberId: string({ maxLength: 1024, default: '' }),
    groupInstanceId: groupInstanceId(),
    topics: topicPartitions({
      partition: partitionIndex(),
      offset: int(),
      leaderEpoch: int({ default: -1 }),
      // The handler answers OFFSET_METADATA_TOO_LARGE per partition past OFFSET_METADATA_MAX.
      metadata: string({ maxLength: 1024 * 1024, nullableVersions: '0+' }),
    }),
  },
});

export const OffsetCommitResponseDef = message({
  name: 'OffsetCommitResponse',
  type: 'response',
  apiKey: ApiKey.OffsetCommit,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    topics: topicPartitions({ partition: partitionIndex(), errorCode: errorCode(), errorMessage: errorMessage() }),
  },
});

export type OffsetCommitRequest = MessageValue<typeof OffsetCommitRequestDef>;
export type OffsetCommitResponse = MessageValue<typeof OffsetCommitResponseDef>;

export const OffsetCommitApi = defineApi({
  key: ApiKey.OffsetCommit,
  name: 'OffsetCommit',
  request: OffsetCommitRequestDef,
  response: OffsetCommitResponseDef,
});
