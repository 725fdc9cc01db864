// Built-in partition assigners (kafkajs's `PartitionAssigners`) and the assigner protocol encoding.
import { CooperativeStickyAssigner } from './cooperative-sticky.js';
import { RangeAssigner } from './range.js';
import { RoundRobinAssigner } from './round-robin.js';
import type { PartitionAssigner } from './types.js';

export const PartitionAssigners = Object.freeze({
  roundRobin: RoundRobinAssigner,
  range: RangeAssigner,
  cooperativeSticky: CooperativeStickyAssigner,
});

/**
 * What a group member offers when the application names no assigners, in order of preference: kafkajs's
 * default ("RoundRobinAssigner"), then Java's and librdkafka's default ("range"). A group of SDK members
 * uses round robin; one with kafkajs members on their defaults too; one with librdkafka or Java members on
 * their defaults ("range,roundrobin" / "range,cooperative-sticky") agrees on "range".
 */
export const DEFAULT_PARTITION_ASSIGNERS: readonly PartitionAssigner[] = Object.freeze([
  RoundRobinAssigner,
  RangeAssigner,
]);

export { AssignerProtocol, MemberAssignment, MemberMetadata } from './protocol.js';
export type {
  MemberAssignment as MemberAssignmentData,
  MemberMetadata as MemberMetadataData,
  TopicPartitionList,
} from './protocol.js';
export { CooperativeStickyAssigner, planCooperativeSticky } from './cooperative-sticky.js';
export { RangeAssigner } from './range.js';
export { RoundRobinAssigner } from './round-robin.js';
export type {
  Assigner,
  AssignerCluster,
  AssignerPartitionMetadata,
  GroupMember,
  GroupMemberAssignment,
  GroupState,
  PartitionAssigner,
  ProtocolArgs,
} from './types.js';
