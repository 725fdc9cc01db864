// OffsetFetch (v0-5): committed offsets from the shared coordinator; -1 (and empty metadata) where the
// group committed nothing. A null topic list (v2+) means every topic the group committed.
import { OffsetFetch } from '../../../protocol/kafka/index.js';
import { groupErrorCode } from '../../handlers/domain-errors.js';
import { kafkaHandler } from '../handler.js';

export const kafkaOffsetFetchHandler = kafkaHandler(OffsetFetch, (request, broker) => {
  const fetched = broker.groups.fetchOffsets({
    groupId: request.groupId,
    topics: request.topics?.map((t) => ({ name: t.name, partitions: t.partitionIndexes })) ?? null,
  });
  return {
    throttleTimeMs: 0,
    errorCode: groupErrorCode(fetched.error),
    topics: fetched.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partition,
        committedOffset: p.offset,
        committedLeaderEpoch: -1,
        metadata: p.metadata ?? '',
        errorCode: groupErrorCode(fetched.error),
      })),
    })),
  };
});
