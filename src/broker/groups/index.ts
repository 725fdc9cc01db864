// Consumer groups: coordinator (Kafka's classic group protocol), state machine, committed offsets.
export { GroupCoordinator, DEFAULT_GROUP_COORDINATOR_CONFIG, resolveGroupCoordinatorConfig } from './coordinator.js';
export type {
  GroupCoordinatorConfig,
  GroupCoordinatorOptions,
  GroupLogger,
  MemberClient,
  TopicLookup,
} from './coordinator.js';
export { GroupError } from './errors.js';
export type { GroupOutcome, GroupProblem } from './errors.js';
export type {
  CommitAnswer,
  DeleteGroupsAnswer,
  DescribedGroupAnswer,
  DescribeGroupsAnswer,
  HeartbeatAnswer,
  JoinAnswer,
  LeaveAnswer,
  ListGroupsAnswer,
  OffsetFetchAnswer,
  SyncAnswer,
} from './responses.js';
export { Group, GROUP_STATES, TRANSITIONS, IllegalTransitionError } from './group.js';
export type { GroupState, Member } from './group.js';
export { OffsetsStore, MemoryOffsetsLog, OFFSETS_TOPIC } from './offsets-store.js';
export type { OffsetsLog, OffsetCommitEntry } from './offsets-store.js';
export type { CommittedOffset, GroupRecord } from './offsets-codec.js';
export { ManualScheduler, systemScheduler } from './scheduler.js';
export type { Scheduler, TimerHandle } from './scheduler.js';
export { startGroupService } from './service.js';
export type { GroupService, GroupServiceOptions } from './service.js';
export { openInternalLogs, PartitionOffsetsLog, INTERNAL_DIR } from './offsets-log.js';
