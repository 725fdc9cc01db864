// OffsetFetch (v0-8): committed offsets from the shared coordinator; -1 (and empty metadata) where the
// group committed nothing. A null topic list (v2+) means every topic the group committed. v8 asks for
// several groups at once (`groups`), each answered as v0-7 answer one. With require_stable (v7+, what
// librdkafka sends for a read_committed consumer; KIP-447), offsets a transaction not ended yet commits are held
// back (UNSTABLE_OFFSET_COMMIT, handlers/stable-offsets.ts).
import { OffsetFetch } from '../../../protocol/kafka/index.js';
import { groupErrorCode } from '../../handlers/domain-errors.js';
import { stableOffsets } from '../../handlers/stable-offsets.js';
import type { BrokerContext, RequestContext } from '../../handlers/types.js';
import { kafkaHandler } from '../handler.js';
import { groupsFor } from '../../security/acl/groups.js';

type Wanted = Array<{ name: string; partitionIndexes: number[] }> | null;

function fetchGroup(
  broker: BrokerContext,
  ctx: RequestContext,
  groupId: string,
  topics: Wanted,
  requireStable: boolean,
) {
  const all = groupsFor(broker, ctx).fetchOffsets({
    groupId,
    topics: topics?.map((t) => ({ name: t.name, partitions: t.partitionIndexes })) ?? null,
  });
  const fetched = requireStable ? stableOffsets(all, groupId, broker) : all;
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
  const requireStable = ctx.version >= 7 && request.requireStable;
  if (ctx.version >= 8)
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((g) => ({
        groupId: g.groupId,
        ...fetchGroup(broker, ctx, g.groupId, g.topics, requireStable),
      })),
    };
  return { throttleTimeMs: 0, ...fetchGroup(broker, ctx, request.groupId, request.topics, requireStable) };
});
