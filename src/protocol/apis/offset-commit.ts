// OffsetCommit: stores a group's consumed positions (the next offset to read) with optional metadata.
// generationId -1 with memberId '' is a standalone commit (a group with no active members, e.g. admin).
import { ApiKey, plainApi } from '../api-keys.js';
import { int, nullableString, optionalInt, string, topicPartitions } from '../validate.js';
import { body, groupId, instanceId } from './group-fields.js';

export interface OffsetCommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: Array<{
    name: string;
    partitions: Array<{ partition: number; offset: number; leaderEpoch: number; metadata: string | null }>;
  }>;
}

export interface OffsetCommitResponse {
  topics: Array<{
    name: string;
    partitions: Array<{ partition: number; errorCode: number; errorMessage: string | null }>;
  }>;
}

export const OFFSET_METADATA_MAX = 4096;

export const OffsetCommitApi = plainApi<OffsetCommitRequest, OffsetCommitResponse>(
  ApiKey.OffsetCommit,
  'OffsetCommit',
  (v) => {
    const b = body(v);
    return {
      groupId: groupId(b.groupId, 'groupId'),
      generationId: optionalInt(b.generationId, 'generationId', -1),
      memberId: string(b.memberId ?? '', 'memberId', 1024),
      groupInstanceId: instanceId(b.groupInstanceId, 'groupInstanceId'),
      topics: topicPartitions(b.topics, 'topics', (po, q) => ({
        partition: int(po.partition, `${q}.partition`, 0),
        offset: int(po.offset, `${q}.offset`),
        leaderEpoch: optionalInt(po.leaderEpoch, `${q}.leaderEpoch`, -1),
        // Length is checked by the handler, which answers OFFSET_METADATA_TOO_LARGE per partition.
        metadata: nullableString(po.metadata, `${q}.metadata`, 1024 * 1024),
      })),
    };
  },
  (v) => {
    const b = body(v);
    return {
      topics: topicPartitions(b.topics, 'topics', (po, q) => ({
        partition: int(po.partition, `${q}.partition`, 0),
        errorCode: int(po.errorCode, `${q}.errorCode`),
        errorMessage: nullableString(po.errorMessage, `${q}.errorMessage`),
      })),
    };
  },
);
