// OffsetFetch (v0-8): committed offsets from the shared coordinator; -1 (and empty metadata) where the
// group committed nothing. A null topic list (v2+) means every topic the group committed. v8 asks for
// several groups at once (`groups`), each answered as v0-7 answer one. With require_stable (v7+, what
// librdkafka sends for a read_committed consumer; KIP-447), a partition whose offset a transaction not yet
// complete is committing is answered UNSTABLE_OFFSET_COMMIT (no offset), and the client asks again until the
// transaction ends: it then starts where the transaction left the group, not before it. Where this broker
// cannot tell (cluster mode, another broker coordinating transactions) the offsets are answered as without it.
import { ErrorCode } from '../../../protocol/index.js';
import { OffsetFetch } from '../../../protocol/kafka/index.js';
import { groupErrorCode } from '../../handlers/domain-errors.js';
import type { BrokerContext, RequestContext } from '../../handlers/types.js';
import { partitionKey } from '../../partition-key.js';
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
  const fetched = groupsFor(broker, ctx).fetchOffsets({
    groupId,
    topics: topics?.map((t) => ({ name: t.name, partitions: t.partitionIndexes })) ?? null,
  });
  const unstable =
    requireStable && fetched.error === null ? broker.transactions.pendingOffsetPartitions(groupId) : null;
  return {
    errorCode: groupErrorCode(fetched.error),
    topics: fetched.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const pending = !p.error && unstable?.has(partitionKey(t.name, p.partition)) === true;
        return {
          partitionIndex: p.partition,
          committedOffset: pending ? -1 : p.offset,
          committedLeaderEpoch: -1,
          metadata: pending ? '' : (p.metadata ?? ''),
          errorCode: pending ? ErrorCode.UNSTABLE_OFFSET_COMMIT : groupErrorCode(p.error ?? fetched.error),
        };
      }),
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
