// The assigner contract, kafkajs's shape: a factory `({ cluster }) => assigner`. The leader of a group
// calls `assign` with every member's metadata; each member calls `protocol` when it joins.
import type { TopicPartitionList } from './protocol.js';

/** kafkajs PartitionMetadata subset an assigner may read. */
export interface AssignerPartitionMetadata {
  partitionId: number;
  leader: number;
}

/** What an assigner may ask the cluster: the partitions of a topic (metadata is loaded by the consumer first). */
export interface AssignerCluster {
  findTopicPartitionMetadata(topic: string): AssignerPartitionMetadata[];
}

export interface GroupMember {
  memberId: string;
  memberMetadata: Buffer;
}

export interface GroupMemberAssignment {
  memberId: string;
  memberAssignment: Buffer;
}

export interface GroupState {
  name: string;
  metadata: Buffer;
}

/** Sluice additions to protocol()'s argument; kafkajs assigners ignore them. */
export interface ProtocolArgs {
  topics: string[];
  /** The partitions this member owns now (cooperative assigners put them in the metadata). */
  ownedPartitions?: TopicPartitionList[];
  generationId?: number;
}

export interface Assigner {
  name: string;
  version: number;
  /**
   * Sluice addition. 'cooperative': members keep consuming what they still own during a rebalance and
   * revoke only partitions that move (two rounds). Absent or 'eager': everything is revoked before rejoining.
   */
  rebalanceProtocol?: 'eager' | 'cooperative';
  assign(group: {
    members: GroupMember[];
    topics: string[];
    userData?: Buffer;
  }): Promise<GroupMemberAssignment[]> | GroupMemberAssignment[];
  protocol(args: ProtocolArgs): GroupState;
}

export type PartitionAssigner = (config: { cluster: AssignerCluster }) => Assigner;
