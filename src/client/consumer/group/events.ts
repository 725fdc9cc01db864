// The consumer's group instrumentation events, kafkajs's names and payload shapes:
//   GROUP_JOIN      { duration, groupId, isLeader, leaderId, groupProtocol, memberId, memberAssignment }
//   REBALANCING     { groupId, memberId }
//   HEARTBEAT       { groupId, memberId, groupGenerationId }
//   COMMIT_OFFSETS  { groupId, memberId, groupGenerationId, topics: [{ topic, partitions: [{ partition, offset }] }] }
export const GroupEvents = {
  GROUP_JOIN: 'consumer.group_join',
  REBALANCING: 'consumer.rebalancing',
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
} as const;

export type GroupEventName = (typeof GroupEvents)[keyof typeof GroupEvents];
