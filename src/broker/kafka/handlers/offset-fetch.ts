// OffsetFetch (v0-5): committed offsets from the shared coordinator; -1 (and empty metadata) where the
// group committed nothing. A null topic list (v2+) means every topic the group committed.
import { OffsetFetch } from '../../../protocol/kafka/index.js';
import { kafkaHandler } from '../handler.js';
import { groupsFor } from '../../security/acl/groups.js';

export const kafkaOffsetFetchHandler = kafkaHandler(OffsetFetch, (request, broker, ctx) => {
  const fetched = groupsFor(broker, ctx).fetchOffsets({
    groupId: request.groupId,
    topics: request.topics?.map((t) => ({ name: t.name, partitions: t.partitionIndexes })) ?? null,
  });
  return {
    throttleTimeMs: 0,
    errorCode: fetched.errorCode,
    topics: fetched.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partition,
        committedOffset: p.offset,
        committedLeaderEpoch: -1,
        metadata: p.metadata ?? '',
        errorCode: p.errorCode || fetched.errorCode,
      })),
    })),
  };
});
