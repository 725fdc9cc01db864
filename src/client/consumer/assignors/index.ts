// Built-in partition assigners (kafkajs's `PartitionAssigners`) and the assigner protocol encoding.
import { CooperativeStickyAssigner } from './cooperative-sticky.js';
import { RangeAssigner } from './range.js';
import { RoundRobinAssigner } from './round-robin.js';

export const PartitionAssigners = Object.freeze({
  roundRobin: RoundRobinAssigner,
  range: RangeAssigner,
  cooperativeSticky: CooperativeStickyAssigner,
});

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
