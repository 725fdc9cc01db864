// KIP-447, for both doors' OffsetFetch: an OffsetFetch that asks for stable offsets (native v1's requireStable,
// Kafka's require_stable, what a read_committed consumer sends) gets no offset for a partition whose offset a
// transaction not ended yet commits, but the 'unstable-offset' error (UNSTABLE_OFFSET_COMMIT): the client asks
// again until the transaction ends, and then starts where it left the group, not before it. Where this broker
// cannot tell (cluster mode, another broker coordinating transactions) the offsets are answered as they are.
import { GroupError, type OffsetFetchAnswer } from '../groups/index.js';
import { partitionKey } from '../partition-key.js';
import type { BrokerContext } from './types.js';

/** `answer` (the group's committed offsets) with the offsets a transaction not ended yet commits held back. */
export function stableOffsets(answer: OffsetFetchAnswer, groupId: string, broker: BrokerContext): OffsetFetchAnswer {
  if (answer.error !== null) return answer;
  const pending = broker.transactions.pendingOffsetPartitions(groupId);
  if (pending === null || pending.size === 0) return answer;
  const unstable = new GroupError('unstable-offset', null);
  return {
    ...answer,
    topics: answer.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) =>
        !p.error && pending.has(partitionKey(t.name, p.partition))
          ? { ...p, offset: -1, metadata: null, lag: -1, error: unstable }
          : p,
      ),
    })),
  };
}
