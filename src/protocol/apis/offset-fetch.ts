// OffsetFetch: a group's committed offsets, with the partition's log end and the lag beside each.
import { ApiKey, plainApi } from '../api-keys.js';
import {
  array,
  int,
  nullableArray,
  nullableString,
  object,
  optionalInt,
  topicName,
  topicPartitions,
} from '../validate.js';
import { body, errorFields, groupId } from './group-fields.js';

export interface OffsetFetchRequest {
  groupId: string;
  /** null = every partition the group has committed. */
  topics: Array<{ name: string; partitions: number[] }> | null;
}

export interface OffsetFetchPartition {
  partition: number;
  /** -1 when the group has no committed offset here. */
  offset: number;
  metadata: string | null;
  errorCode: number;
  /** Sluice extension: the partition's log end offset (-1 if the partition is unknown). */
  logEndOffset: number;
  /** Sluice extension: logEndOffset − committed offset; -1 when either is unknown. */
  lag: number;
}

export interface OffsetFetchResponse {
  errorCode: number;
  errorMessage: string | null;
  topics: Array<{ name: string; partitions: OffsetFetchPartition[] }>;
}

export const OffsetFetchApi = plainApi<OffsetFetchRequest, OffsetFetchResponse>(
  ApiKey.OffsetFetch,
  'OffsetFetch',
  (v) => {
    const b = body(v);
    return {
      groupId: groupId(b.groupId, 'groupId'),
      topics: nullableArray(b.topics, 'topics', (x, p) => {
        const o = object(x, p);
        return {
          name: topicName(o.name, `${p}.name`),
          partitions: array(o.partitions, `${p}.partitions`, (y, q) => int(y, q, 0)),
        };
      }),
    };
  },
  (v) => {
    const b = body(v);
    return {
      ...errorFields(b, 'body'),
      topics: topicPartitions(b.topics, 'topics', (po, q) => ({
        partition: int(po.partition, `${q}.partition`, 0),
        offset: int(po.offset, `${q}.offset`),
        metadata: nullableString(po.metadata, `${q}.metadata`),
        errorCode: int(po.errorCode, `${q}.errorCode`),
        logEndOffset: optionalInt(po.logEndOffset, `${q}.logEndOffset`, -1),
        lag: optionalInt(po.lag, `${q}.lag`, -1),
      })),
    };
  },
);
