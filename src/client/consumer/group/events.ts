// The consumer's group instrumentation events, kafkajs's names and payload shapes:
//   GROUP_JOIN      { duration, groupId, isLeader, leaderId, groupProtocol, memberId, memberAssignment }
//   REBALANCING     { groupId, memberId }
//   HEARTBEAT       { groupId, memberId, groupGenerationId }
//   COMMIT_OFFSETS  { groupId, memberId, groupGenerationId, topics: [{ topic, partitions: [{ partition, offset }] }] }
//   RECEIVED_UNSUBSCRIBED_TOPICS  { groupId, generationId, memberId, assignedTopics, topicsSubscribed,
//                   topicsNotSubscribed } — the leader assigned topics this member did not subscribe to
//                   (members of one group with different subscriptions); they are not consumed
export const GroupEvents = {
  GROUP_JOIN: 'consumer.group_join',
  REBALANCING: 'consumer.rebalancing',
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics',
} as const;

export type GroupEventName = (typeof GroupEvents)[keyof typeof GroupEvents];
