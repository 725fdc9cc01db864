// OffsetFetch (v0-8): committed offsets from the shared coordinator; -1 (and empty metadata) where the
// group committed nothing. A null topic list (v2+) means every topic the group committed. v8 asks for
// several groups at once (`groups`), each answered as v0-7 answer one.
import { OffsetFetch } from '../../../protocol/kafka/index.js';
import { groupErrorCode } from '../../handlers/domain-errors.js';
import type { BrokerContext, RequestContext } from '../../handlers/types.js';
import { kafkaHandler } from '../handler.js';
import { groupsFor } from '../../security/acl/groups.js';

type Wanted = Array<{ name: string; partitionIndexes: number[] }> | null;

function fetchGroup(broker: BrokerContext, ctx: RequestContext, groupId: string, topics: Wanted) {
  const fetched = groupsFor(broker, ctx).fetchOffsets({
    groupId,
    topics: topics?.map((t) => ({ name: t.name, partitions: t.partitionIndexes })) ?? null,
  });
  return {
    errorCode: groupErrorCode(fetched.error),
    topics: fetched.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partition,
        committedOffset: p.offset,
        committedLeaderEpoch: -1,
        metadata: p.metadata ?? '',
        errorCode: groupErrorCode(p.error ?? fetched.error),
      })),
    })),
  };
}

export const kafkaOffsetFetchHandler = kafkaHandler(OffsetFetch, (request, broker, ctx) => {
  if (ctx.version >= 8)
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((g) => ({ groupId: g.groupId, ...fetchGroup(broker, ctx, g.groupId, g.topics) })),
    };
  return { throttleTimeMs: 0, ...fetchGroup(broker, ctx, request.groupId, request.topics) };
});
