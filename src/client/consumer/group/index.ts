// Consumer-group membership for the consumer: built when `groupId` is set (see ../index.ts).
import type { ClusterOptions } from '../../cluster.js';
import type { Cluster } from '../../cluster.js';
import type { Logger } from '../../logger.js';
import type { Retrier } from '../../retry.js';
import { DEFAULT_PARTITION_ASSIGNERS } from '../assignors/index.js';
import type { ConsumerConfig } from '../types.js';
import type { GroupEventName } from './events.js';
import { GroupMembership } from './membership.js';

export { CommitTracker, waitIdle } from './commit-tracker.js';
export { GroupEvents, type GroupEventName } from './events.js';
export { GroupMembership, type GroupMembershipOptions } from './membership.js';
export { CoordinatorLink } from './coordinator-link.js';

/** kafkajs's defaults. */
const GROUP_DEFAULTS = Object.freeze({
  sessionTimeout: 30_000,
  rebalanceTimeout: 60_000,
  heartbeatInterval: 3_000,
});

export function createGroupMembership(args: {
  clusterOptions: ClusterOptions;
  config: ConsumerConfig & { groupId: string };
  cluster: Cluster;
  retrier: Retrier;
  logger: Logger;
  emit(event: GroupEventName, payload: unknown): void;
}): GroupMembership {
  const { clusterOptions: o, config: c } = args;
  return new GroupMembership({
    groupId: c.groupId,
    cluster: args.cluster,
    clientId: o.clientId,
    connectionTimeout: o.connectionTimeout,
    requestTimeout: o.requestTimeout,
    logger: args.logger,
    retrier: args.retrier,
    sessionTimeout: c.sessionTimeout ?? GROUP_DEFAULTS.sessionTimeout,
    rebalanceTimeout: c.rebalanceTimeout ?? GROUP_DEFAULTS.rebalanceTimeout,
    heartbeatInterval: c.heartbeatInterval ?? GROUP_DEFAULTS.heartbeatInterval,
    assigners: c.partitionAssigners ?? [...DEFAULT_PARTITION_ASSIGNERS],
    groupInstanceId: c.groupInstanceId ?? null,
    requireStableOffsets: c.readUncommitted !== true,
    emit: args.emit,
  });
}
