// Built-in partition assigners (kafkajs's `PartitionAssigners`) and the assigner protocol encoding.
import { CooperativeStickyAssigner } from './cooperative-sticky.js';
import { RangeAssigner } from './range.js';
import { KafkaRoundRobinAssigner, RoundRobinAssigner } from './round-robin.js';
import type { PartitionAssigner } from './types.js';

export const PartitionAssigners = Object.freeze({
  roundRobin: RoundRobinAssigner,
  /** Round robin under Java's, librdkafka's and @platformatic/kafka's name ("roundrobin"). */
  kafkaRoundRobin: KafkaRoundRobinAssigner,
  range: RangeAssigner,
  cooperativeSticky: CooperativeStickyAssigner,
});

/**
 * What a group member offers when the application names no assigners, in order of preference: round robin
 * under kafkajs's name ("RoundRobinAssigner") and under Java's, librdkafka's and @platformatic/kafka's
 * ("roundrobin"), then range ("range", Java's and librdkafka's first default). So a group of SDK members
 * and Kafka clients on their defaults always finds an assignor in common: kafkajs → "RoundRobinAssigner",
 * @platformatic/kafka → "roundrobin", librdkafka ("range,roundrobin") → one of those two, Java
 * ("range,cooperative-sticky") → "range".
 */
export const DEFAULT_PARTITION_ASSIGNERS: readonly PartitionAssigner[] = Object.freeze([
  RoundRobinAssigner,
  KafkaRoundRobinAssigner,
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
export { KafkaRoundRobinAssigner, RoundRobinAssigner } from './round-robin.js';
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
