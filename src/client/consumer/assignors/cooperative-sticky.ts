// Cooperative sticky (Kafka's CooperativeStickyAssignor, KIP-429, named "cooperative-sticky" as in Java and
// librdkafka; its member metadata is ConsumerProtocol v2: owned partitions and their generation), in three
// steps:
//   1. claims   every member keeps the partitions it owns (from its metadata) that still exist and it
//               still subscribes to; a partition claimed twice goes to the newer generation, then the
//               smaller member id.
//   2. balance  unowned partitions go, one by one, to the least-loaded subscribed member; then partitions
//               move from the most- to the least-loaded member while the difference exceeds one, newest
//               additions first, so owned partitions move only when balance requires it.
//   3. cooperate a partition that moves from its owner to another member is left out of this round's
//               assignment: the owner sees it gone, revokes it (commits, stops fetching it) and rejoins;
//               the follow-up rebalance finds it unowned and gives it to its new member. Every partition
//               that does not move is never revoked and keeps being consumed throughout.
import { MemberMetadata } from './protocol.js';
import { decodeMembers, encodeAssignments, partitionsOf, type DecodedMember } from './common.js';
import type { AssignerCluster, PartitionAssigner } from './types.js';
import { splitTopicPartitionKey, topicPartitionKey } from '../../topic-partition.js';

type Key = string;

export interface StickyPlan {
  /** memberId → partitions it gets this round (moved partitions held back). */
  assignment: Map<string, Key[]>;
  /** Partitions held back this round because their owner must revoke them first. */
  pendingRevocation: Key[];
}

/** The assignment computation, exported for tests. */
export function planCooperativeSticky(
  members: DecodedMember[],
  cluster: AssignerCluster,
  topics: string[],
): StickyPlan {
  const eligible = new Map<Key, DecodedMember[]>();
  for (const topic of [...new Set(topics)].sort()) {
    const subscribed = members.filter((m) => m.topics.has(topic));
    if (subscribed.length === 0) continue;
    for (const p of partitionsOf(cluster, topic)) eligible.set(topicPartitionKey(topic, p), subscribed);
  }
  const owner = claims(members, eligible);
  const target = new Map<string, Key[]>(members.map((m) => [m.memberId, []]));
  for (const [key, memberId] of owner) target.get(memberId)!.push(key);
  for (const list of target.values()) list.sort();
  for (const [key, candidates] of eligible) {
    if (owner.has(key)) continue;
    leastLoaded(candidates, target).push(key);
  }
  balance(target, eligible);
  const pendingRevocation: Key[] = [];
  for (const [memberId, keys] of target) {
    target.set(
      memberId,
      keys.filter((key) => {
        const previous = owner.get(key);
        if (previous === undefined || previous === memberId) return true;
        pendingRevocation.push(key);
        return false;
      }),
    );
  }
  return { assignment: target, pendingRevocation };
}

function claims(members: DecodedMember[], eligible: Map<Key, DecodedMember[]>): Map<Key, string> {
  const owner = new Map<Key, string>();
  const byGeneration = [...members].sort(
    (a, b) => b.generationId - a.generationId || (a.memberId < b.memberId ? -1 : 1),
  );
  for (const m of byGeneration) {
    for (const { topic, partitions } of m.owned) {
      if (!m.topics.has(topic)) continue;
      for (const p of partitions) {
        const key = topicPartitionKey(topic, p);
        if (eligible.has(key) && !owner.has(key)) owner.set(key, m.memberId);
      }
    }
  }
  return owner;
}

function leastLoaded(candidates: DecodedMember[], target: Map<string, Key[]>): Key[] {
  let best = target.get(candidates[0]!.memberId)!;
  for (const m of candidates) {
    const list = target.get(m.memberId)!;
    if (list.length < best.length) best = list;
  }
  return best;
}

/** Moves partitions from over- to under-loaded members until no eligible move narrows a gap above one. */
function balance(target: Map<string, Key[]>, eligible: Map<Key, DecodedMember[]>): void {
  const ids = [...target.keys()];
  for (let guard = 0; guard < 1_000_000; guard++) {
    ids.sort((a, b) => target.get(a)!.length - target.get(b)!.length || (a < b ? -1 : 1));
    let moved = false;
    search: for (const receiver of ids) {
      for (let d = ids.length - 1; d >= 0; d--) {
        const donor = ids[d]!;
        const from = target.get(donor)!;
        const to = target.get(receiver)!;
        if (from.length - to.length <= 1) break;
        for (let i = from.length - 1; i >= 0; i--) {
          if (!eligible.get(from[i]!)!.some((m) => m.memberId === receiver)) continue;
          to.push(from.splice(i, 1)[0]!);
          moved = true;
          break search;
        }
      }
    }
    if (!moved) return;
  }
}

export const CooperativeStickyAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'cooperative-sticky',
  version: 2,
  rebalanceProtocol: 'cooperative',
  assign({ members, topics }) {
    const decoded = decodeMembers(members);
    const plan = planCooperativeSticky(decoded, cluster, topics);
    const result = new Map<string, Map<string, number[]>>();
    for (const [memberId, keys] of plan.assignment) {
      const byTopic = new Map<string, number[]>();
      for (const key of keys) {
        const [topic, partition] = splitTopicPartitionKey(key);
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
      }
      result.set(memberId, byTopic);
    }
    return encodeAssignments(decoded, result, this.version);
  },
  protocol({ topics, ownedPartitions, generationId }) {
    return {
      name: this.name,
      metadata: MemberMetadata.encode({
        version: this.version,
        topics,
        userData: null,
        ownedPartitions: ownedPartitions ?? [],
        generationId: generationId ?? -1,
      }),
    };
  },
});
