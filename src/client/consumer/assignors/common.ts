// Helpers shared by the built-in assigners: decoding members, listing partitions, encoding results.
import { MemberAssignment, MemberMetadata, type TopicPartitionList } from './protocol.js';
import type { AssignerCluster, GroupMember, GroupMemberAssignment } from './types.js';

export interface DecodedMember {
  memberId: string;
  topics: Set<string>;
  owned: TopicPartitionList[];
  generationId: number;
}

/** Members sorted by id (every built-in assigner is deterministic in that order). Undecodable metadata = no topics. */
export function decodeMembers(members: GroupMember[]): DecodedMember[] {
  return members
    .map((m) => {
      try {
        const meta = MemberMetadata.decode(m.memberMetadata);
        return {
          memberId: m.memberId,
          topics: new Set(meta.topics),
          owned: meta.ownedPartitions ?? [],
          generationId: meta.generationId ?? -1,
        };
      } catch {
        return { memberId: m.memberId, topics: new Set<string>(), owned: [], generationId: -1 };
      }
    })
    .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
}

/** Partition ids of a topic, ascending; [] when the cluster does not know the topic. */
export function partitionsOf(cluster: AssignerCluster, topic: string): number[] {
  try {
    return cluster
      .findTopicPartitionMetadata(topic)
      .map((p) => p.partitionId)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/** Every member gets an entry (possibly empty), encoded as MemberAssignment version `version`. */
export function encodeAssignments(
  members: DecodedMember[],
  result: Map<string, Map<string, number[]>>,
  version: number,
): GroupMemberAssignment[] {
  return members.map((m) => {
    // No prototype: a topic named `__proto__` or `constructor` is an entry like any other.
    const assignment: Record<string, number[]> = Object.create(null);
    for (const [topic, parts] of result.get(m.memberId) ?? [])
      if (parts.length > 0) assignment[topic] = [...parts].sort((a, b) => a - b);
    return { memberId: m.memberId, memberAssignment: MemberAssignment.encode({ version, assignment, userData: null }) };
  });
}

export function addTo(
  result: Map<string, Map<string, number[]>>,
  memberId: string,
  topic: string,
  partition: number,
): void {
  let topics = result.get(memberId);
  if (!topics) result.set(memberId, (topics = new Map()));
  let parts = topics.get(topic);
  if (!parts) topics.set(topic, (parts = []));
  parts.push(partition);
}
