// The group coordinator: owns every group (group.ts), runs membership through the Rebalancer
// (rebalance.ts), stores committed offsets (offsets-store.ts) and expires the offsets of groups that
// stayed Empty longer than `offsetsRetentionMs`. Handlers call one method per API and send what it returns.
//
// In cluster mode the coordinator of a broker serves only while the broker leads `__consumer_offsets`
// (`isCoordinator`): src/broker/cluster/coordinator-handover.ts loads it (start) when leadership arrives and
// empties it (resign) when it leaves; requests meanwhile get NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS.
import type {
  DeleteGroupsRequest,
  DescribeGroupsRequest,
  HeartbeatRequest,
  JoinGroupRequest,
  LeaveGroupRequest,
  ListGroupsRequest,
  OffsetCommitRequest,
  OffsetFetchRequest,
  SyncGroupRequest,
} from '../../protocol/index.js';
import { OFFSET_METADATA_MAX } from '../../protocol/index.js';
import { Group } from './group.js';
import type { GroupRecord } from './offsets-codec.js';
import type { OffsetsStore, OffsetCommitEntry } from './offsets-store.js';
import { Rebalancer, type RebalanceConfig, type MemberClient } from './rebalance.js';
import { GroupError, type GroupOutcome } from './errors.js';
import {
  groupError,
  joinError,
  OK,
  syncError,
  type CommitAnswer,
  type DeleteGroupsAnswer,
  type DescribedGroupAnswer,
  type DescribeGroupsAnswer,
  type HeartbeatAnswer,
  type JoinAnswer,
  type LeaveAnswer,
  type ListGroupsAnswer,
  type OffsetFetchAnswer,
  type SyncAnswer,
} from './responses.js';
import { systemScheduler, type Scheduler, type TimerHandle } from './scheduler.js';

export type { MemberClient } from './rebalance.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface GroupCoordinatorConfig extends RebalanceConfig {
  /** Offsets of a group Empty (no members, no commit) for this long are deleted. Kafka's offsets.retention.minutes. */
  offsetsRetentionMs: number;
  offsetsRetentionCheckIntervalMs: number;
  /** Largest metadata string accepted with a committed offset. */
  offsetMetadataMaxBytes: number;
}

export const DEFAULT_GROUP_COORDINATOR_CONFIG: Readonly<GroupCoordinatorConfig> = Object.freeze({
  minSessionTimeoutMs: 100,
  maxSessionTimeoutMs: 30 * 60 * 1000,
  initialRebalanceDelayMs: 100,
  // Kafka's group.max.size (unbounded there by default). Each member holds its metadata (a JoinGroup
  // header, ≤ maxHeaderBytes), so this bounds a group's memory: 1,000 × 1 MiB at most.
  maxGroupSize: 1000,
  offsetsRetentionMs: 7 * DAY_MS,
  offsetsRetentionCheckIntervalMs: 10 * 60 * 1000,
  offsetMetadataMaxBytes: OFFSET_METADATA_MAX,
});

export function resolveGroupCoordinatorConfig(
  config: Partial<GroupCoordinatorConfig> = {},
): Readonly<GroupCoordinatorConfig> {
  for (const key of Object.keys(config)) {
    if (!Object.hasOwn(DEFAULT_GROUP_COORDINATOR_CONFIG, key))
      throw new RangeError(
        `${key} is not a group coordinator setting (known: ${Object.keys(DEFAULT_GROUP_COORDINATOR_CONFIG).join(', ')})`,
      );
  }
  const c = { ...DEFAULT_GROUP_COORDINATOR_CONFIG, ...config };
  for (const [key, value] of Object.entries(c)) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`group coordinator config ${key} must be a non-negative integer, got ${value}`);
  }
  if (c.minSessionTimeoutMs > c.maxSessionTimeoutMs)
    throw new RangeError('minSessionTimeoutMs exceeds maxSessionTimeoutMs');
  if (c.offsetsRetentionCheckIntervalMs === 0) throw new RangeError('offsetsRetentionCheckIntervalMs must be positive');
  return Object.freeze(c);
}

/** What the coordinator needs to know about topics. */
export interface TopicLookup {
  /** The partition's log end offset, or undefined when the topic or partition does not exist. */
  logEndOffset(topic: string, partition: number): number | undefined;
  /**
   * The end consumers see (the high watermark) for OffsetFetch's lag, or undefined when unknown here (cluster
   * mode: a partition this broker does not lead). Absent: the log end.
   */
  visibleEnd?(topic: string, partition: number): number | undefined;
}

export interface GroupLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

const silent: GroupLogger = { info() {}, warn() {}, debug() {} };

export interface GroupCoordinatorOptions {
  store: OffsetsStore;
  topics: TopicLookup;
  scheduler?: Scheduler;
  config?: Partial<GroupCoordinatorConfig>;
  logger?: GroupLogger;
  /**
   * Cluster mode: whether this broker coordinates groups now (it leads `__consumer_offsets`, its lease
   * alive). Every request asks it first; undefined on a single node, which always coordinates.
   */
  isCoordinator?: () => boolean;
}

export class GroupCoordinator {
  readonly groups = new Map<string, Group>();
  readonly config: Readonly<GroupCoordinatorConfig>;
  private readonly store: OffsetsStore;
  private readonly topics: TopicLookup;
  private readonly scheduler: Scheduler;
  private readonly logger: GroupLogger;
  private readonly rebalancer: Rebalancer;
  private readonly isCoordinator: (() => boolean) | undefined;
  /** resigned: another broker coordinates now (cluster mode); start() loads again when leadership returns. */
  private status: 'new' | 'loading' | 'ready' | 'resigned' | 'closed' = 'new';
  private expiryTimer: TimerHandle | null = null;
  private expiring = false;

  constructor(options: GroupCoordinatorOptions) {
    this.store = options.store;
    this.topics = options.topics;
    this.isCoordinator = options.isCoordinator;
    this.scheduler = options.scheduler ?? systemScheduler;
    this.logger = options.logger ?? silent;
    this.config = resolveGroupCoordinatorConfig(options.config);
    this.rebalancer = new Rebalancer(this.groups, this.scheduler, this.config, {
      generationCompleted: (group) => this.persistGroup(group),
      groupStable: (group) => this.persistGroup(group),
      log: (msg, fields) => this.logger.info(fields, msg),
    });
  }

  /**
   * Replays `__consumer_offsets`. A group whose last record was written as it became Stable comes back Stable
   * with its members and assignments (each member's session timer starting now); any other group comes back
   * Empty at its last generation (one caught mid-rebalance: its members rejoin).
   */
  async start(): Promise<void> {
    if (this.status === 'closed') return;
    this.status = 'loading';
    this.groups.clear();
    const { records } = await this.store.load();
    if (this.status !== 'loading') return;
    const now = this.scheduler.now();
    const restored: Group[] = [];
    for (const groupId of this.store.groupIds()) {
      const record = this.store.groupRecord(groupId);
      // A group active when the broker stopped becomes Empty now; one already Empty keeps its timestamp.
      const group = new Group(groupId, record?.empty ? record.stateTimestamp : now);
      group.generationId = record?.generationId ?? 0;
      group.protocolType = record?.protocolType ?? null;
      if (record && this.restorable(record)) {
        group.restore(
          {
            generationId: record.generationId,
            protocolType: record.protocolType!,
            protocolName: record.protocolName!,
            leaderId: record.leaderId!,
            members: record.members,
          },
          now,
        );
        restored.push(group);
      }
      this.groups.set(groupId, group);
    }
    for (const group of restored) this.rebalancer.restored(group);
    this.status = 'ready';
    this.logger.info(
      { groups: this.groups.size, stable: restored.length, records },
      'group coordinator loaded __consumer_offsets',
    );
    this.armExpiry();
  }

  get ready(): boolean {
    return this.status === 'ready';
  }

  join(req: JoinGroupRequest, ctx: MemberClient): Promise<JoinAnswer> {
    const unavailable = this.unavailable();
    return unavailable
      ? Promise.resolve(joinError(unavailable.problem, req.memberId, unavailable.message))
      : this.rebalancer.join(req, ctx);
  }

  sync(req: SyncGroupRequest): Promise<SyncAnswer> {
    const unavailable = this.unavailable();
    return unavailable
      ? Promise.resolve(syncError(unavailable.problem, unavailable.message))
      : this.rebalancer.sync(req);
  }

  heartbeat(req: HeartbeatRequest): HeartbeatAnswer {
    const unavailable = this.unavailable();
    return unavailable ? groupError(unavailable.problem, unavailable.message) : this.rebalancer.heartbeat(req);
  }

  leave(req: LeaveGroupRequest): LeaveAnswer {
    const unavailable = this.unavailable();
    return unavailable
      ? { ...groupError(unavailable.problem, unavailable.message), members: [] }
      : this.rebalancer.leave(req);
  }

  async commitOffsets(req: OffsetCommitRequest): Promise<CommitAnswer> {
    const refusal = this.commitRefusal(req);
    const now = this.scheduler.now();
    const accepted: OffsetCommitEntry[] = [];
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const error = refusal ?? this.partitionCommitError(t.name, p.partition, p.offset, p.metadata);
        if (!error) accepted.push({ topic: t.name, partition: p.partition, offset: p.offset, metadata: p.metadata });
        return { partition: p.partition, ...(error ?? OK) };
      }),
    }));
    if (accepted.length === 0) return { topics };
    if (!this.groups.has(req.groupId)) this.groups.set(req.groupId, new Group(req.groupId, now));
    try {
      await this.store.commit(req.groupId, accepted, now);
    } catch (err) {
      this.logger.warn({ err, groupId: req.groupId }, 'offset commit failed to reach __consumer_offsets');
      const failed =
        err instanceof GroupError
          ? groupError(err.problem, err.detail)
          : groupError('storage-failed', `offsets not stored: ${(err as Error).message}`);
      for (const t of topics) for (const p of t.partitions) if (p.error === null) p.error = failed.error;
    }
    return { topics };
  }

  /**
   * A committed transaction's offsets (TxnOffsetCommit, src/broker/txn/): stored when the transaction
   * commits, which is when the group first sees them. Throws a GroupError while this coordinator cannot
   * serve (cluster mode: not the leader of `__consumer_offsets`, or loading it), or when the write is refused.
   */
  async commitTransactionOffsets(groupId: string, entries: OffsetCommitEntry[]): Promise<void> {
    const unavailable = this.unavailable();
    if (unavailable) throw new GroupError(unavailable.problem, unavailable.message);
    const now = this.scheduler.now();
    if (!this.groups.has(groupId)) this.groups.set(groupId, new Group(groupId, now));
    await this.store.commit(groupId, entries, now);
  }

  /**
   * Fencing of a TxnOffsetCommit that names its member (KIP-447: librdkafka sends the consumer's group
   * metadata with a transaction's offsets): refused unless that member is in the group at that generation, so a
   * member whose partitions moved in a rebalance cannot commit their offsets in its transaction (it must abort).
   * A request with no member and no generation (kafkajs, the SDK, versions before 3) is not checked, as in
   * Kafka. Null when the offsets may be added to the transaction.
   */
  transactionalCommitRefusal(
    groupId: string,
    generationId: number,
    memberId: string,
    groupInstanceId: string | null,
  ): GroupOutcome | null {
    if (generationId < 0 && memberId === '' && groupInstanceId === null) return null;
    const unavailable = this.unavailable();
    if (unavailable) return groupError(unavailable.problem, unavailable.message);
    const group = this.groups.get(groupId);
    if (!group) {
      return memberId === ''
        ? groupError('stale-generation', `group '${groupId}' does not exist: it has no generation ${generationId}`)
        : groupError('unknown-member', `group '${groupId}' does not exist: it has no member ${memberId}`);
    }
    return this.rebalancer.checkTransactionalCommitter(group, generationId, memberId, groupInstanceId);
  }

  fetchOffsets(req: Pick<OffsetFetchRequest, 'groupId' | 'topics'>): OffsetFetchAnswer {
    const unavailable = this.unavailable();
    if (unavailable) return { ...groupError(unavailable.problem, unavailable.message), topics: [] };
    const wanted =
      req.topics ??
      [...this.store.offsetsOf(req.groupId)].map(([name, parts]) => ({
        name,
        partitions: [...parts.keys()].sort((a, b) => a - b),
      }));
    return {
      ...OK,
      topics: wanted.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((partition) => {
          const committed = this.store.get(req.groupId, t.name, partition);
          const end = this.topics.visibleEnd
            ? this.topics.visibleEnd(t.name, partition)
            : this.topics.logEndOffset(t.name, partition);
          const logEndOffset = end ?? -1;
          const offset = committed?.offset ?? -1;
          const lag = offset >= 0 && logEndOffset >= 0 ? Math.max(0, logEndOffset - offset) : -1;
          return { partition, offset, metadata: committed?.metadata ?? null, logEndOffset, lag };
        }),
      })),
    };
  }

  listGroups(req: ListGroupsRequest): ListGroupsAnswer {
    const unavailable = this.unavailable();
    if (unavailable) return { ...groupError(unavailable.problem), groups: [] };
    const filter = req.statesFilter?.map((s) => s.toLowerCase());
    const groups = [...this.groups.values()]
      .filter((g) => !filter || filter.length === 0 || filter.includes(g.state.toLowerCase()))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state }));
    return { ...OK, groups };
  }

  describeGroups(req: DescribeGroupsRequest): DescribeGroupsAnswer {
    const unavailable = this.unavailable();
    return {
      groups: req.groups.map((id) =>
        unavailable ? deadGroup(id, groupError(unavailable.problem, unavailable.message)) : this.describe(id),
      ),
    };
  }

  async deleteGroups(req: DeleteGroupsRequest): Promise<DeleteGroupsAnswer> {
    const unavailable = this.unavailable();
    const results: DeleteGroupsAnswer['results'] = [];
    for (const groupId of req.groups) {
      const error = unavailable
        ? groupError(unavailable.problem, unavailable.message)
        : await this.deleteGroup(groupId);
      results.push({ groupId, ...error });
    }
    return { results };
  }

  /** Deletes the offsets of groups Empty for the retention period, and forgets them. Returns the groups removed. */
  async expireOffsets(): Promise<string[]> {
    const now = this.scheduler.now();
    const expired: string[] = [];
    for (const group of [...this.groups.values()]) {
      if (!group.is('Empty')) continue;
      // An Empty group with no offsets left is forgotten at once (as Kafka does); one with offsets after retention.
      const lastCommit = this.store.lastCommitTimestamp(group.groupId);
      if (lastCommit >= 0 && now - Math.max(group.stateSince, lastCommit) < this.config.offsetsRetentionMs) continue;
      try {
        await this.store.deleteGroup(group.groupId, now);
      } catch (err) {
        this.logger.warn({ err, groupId: group.groupId }, 'could not expire group offsets');
        continue;
      }
      if (this.groups.get(group.groupId) !== group || !group.is('Empty')) continue;
      group.transitionTo('Dead', now);
      this.groups.delete(group.groupId);
      expired.push(group.groupId);
    }
    if (expired.length > 0)
      this.logger.info({ groups: expired }, 'expired offsets of groups empty longer than offsetsRetentionMs');
    return expired;
  }

  /** Tombstones every group's offsets on a topic that was deleted. */
  async topicDeleted(topic: string): Promise<void> {
    await this.store.deleteTopic(topic, this.scheduler.now());
  }

  /**
   * Cluster mode: another broker coordinates now. Pending joins and syncs are answered (their members look
   * the coordinator up again), timers stop, the groups are forgotten (the new coordinator loads them from
   * the replicated `__consumer_offsets`), and pending writes are waited for.
   */
  async resign(): Promise<void> {
    if (this.status === 'closed' || this.status === 'resigned') return;
    this.status = 'resigned';
    this.expiryTimer?.cancel();
    for (const group of this.groups.values()) this.rebalancer.shutdownGroup(group);
    this.groups.clear();
    await this.store.drain();
    this.logger.info({}, 'group coordinator resigned: another broker leads __consumer_offsets');
  }

  /** Answers pending joins/syncs with 'coordinator-closed', stops timers, waits for pending writes. */
  async close(): Promise<void> {
    if (this.status === 'closed') return;
    this.status = 'closed';
    this.expiryTimer?.cancel();
    for (const group of this.groups.values()) this.rebalancer.shutdownGroup(group);
    await this.store.drain();
  }

  private unavailable(): {
    problem: 'coordinator-loading' | 'coordinator-closed' | 'not-coordinator';
    message: string;
  } | null {
    if (this.isCoordinator !== undefined && this.status !== 'closed' && !this.isCoordinator())
      return { problem: 'not-coordinator', message: 'this broker does not lead __consumer_offsets now' };
    if (this.status === 'ready') return null;
    if (this.status === 'closed')
      return { problem: 'coordinator-closed', message: 'the group coordinator is shut down' };
    return { problem: 'coordinator-loading', message: 'the group coordinator is loading __consumer_offsets' };
  }

  /** The error every partition of a commit gets, or null when the committer may commit. */
  private commitRefusal(req: OffsetCommitRequest): GroupOutcome | null {
    const unavailable = this.unavailable();
    if (unavailable) return groupError(unavailable.problem, unavailable.message);
    if (req.groupId === '') return groupError('invalid-group-id', 'groupId must not be empty');
    const group = this.groups.get(req.groupId);
    if (req.generationId < 0 && req.memberId === '') {
      // A standalone commit (admin tools, manually assigned consumers): only while nobody is in the group.
      if (!group || group.is('Empty')) return null;
      return groupError(
        'unknown-member',
        `group '${req.groupId}' has active members (${group.state}): a commit without a member id and generation is only accepted while it is Empty`,
      );
    }
    if (!group)
      return groupError(
        'unknown-member',
        `group '${req.groupId}' does not exist: join it first, or commit with generationId -1 and memberId ''`,
      );
    return this.rebalancer.checkCommitter(group, req.generationId, req.memberId, req.groupInstanceId);
  }

  private partitionCommitError(
    topic: string,
    partition: number,
    offset: number,
    metadata: string | null,
  ): GroupOutcome | null {
    if (this.topics.logEndOffset(topic, partition) === undefined) {
      return groupError('unknown-partition', `topic-partition ${topic}-${partition} does not exist`);
    }
    if (offset < 0) return groupError('negative-offset', `offset ${offset} is negative`);
    if (metadata !== null && Buffer.byteLength(metadata) > this.config.offsetMetadataMaxBytes) {
      return groupError(
        'metadata-too-large',
        `metadata of ${Buffer.byteLength(metadata)} bytes exceeds ${this.config.offsetMetadataMaxBytes}`,
      );
    }
    return null;
  }

  private describe(groupId: string): DescribedGroupAnswer {
    const group = this.groups.get(groupId);
    if (!group) return deadGroup(groupId, groupError('group-not-found', `group '${groupId}' does not exist`));
    const stable = group.is('Stable');
    return {
      ...OK,
      groupId,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? (group.protocolName ?? '') : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? group.metadataOf(m) : Buffer.alloc(0),
        memberAssignment: stable ? m.assignment : Buffer.alloc(0),
      })),
    };
  }

  private async deleteGroup(groupId: string): Promise<GroupOutcome> {
    const group = this.groups.get(groupId);
    if (!group) return groupError('group-not-found', `group '${groupId}' does not exist`);
    if (!group.is('Empty'))
      return groupError(
        'group-not-empty',
        `group '${groupId}' has ${group.size} member(s) (${group.state}): stop its consumers first`,
      );
    try {
      await this.store.deleteGroup(groupId, this.scheduler.now());
    } catch (err) {
      return groupError('storage-failed', `could not delete the offsets of '${groupId}': ${(err as Error).message}`);
    }
    if (this.groups.get(groupId) === group && group.is('Empty')) {
      group.transitionTo('Dead', this.scheduler.now());
      this.groups.delete(groupId);
    }
    return OK;
  }

  /** Was the record written as its group became Stable, with everything a restore needs? */
  private restorable(record: GroupRecord): boolean {
    return (
      !record.empty &&
      record.members.length > 0 &&
      record.protocolType !== null &&
      record.protocolName !== null &&
      record.members.some((m) => m.memberId === record.leaderId)
    );
  }

  /**
   * Fire and forget through the store's serial write chain (a failure is logged): the group's answers never
   * wait for it. A Stable group's record carries its members, so a restart keeps the generation.
   */
  private persistGroup(group: Group): void {
    const stable = group.is('Stable');
    const record: GroupRecord = {
      protocolType: group.protocolType,
      generationId: group.generationId,
      protocolName: group.protocolName,
      empty: group.is('Empty'),
      stateTimestamp: this.scheduler.now(),
      leaderId: stable ? group.leaderId : null,
      members: stable
        ? [...group.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            sessionTimeoutMs: m.sessionTimeoutMs,
            rebalanceTimeoutMs: m.rebalanceTimeoutMs,
            protocols: m.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
            assignment: m.assignment,
          }))
        : [],
    };
    this.store.putGroup(group.groupId, record).catch((err: unknown) => {
      this.logger.warn({ err, groupId: group.groupId }, 'could not persist group metadata to __consumer_offsets');
    });
  }

  /** The periodic expiry check; a check still running (awaiting the log) makes the next one skip. */
  private armExpiry(): void {
    this.expiryTimer = this.scheduler.schedule(this.config.offsetsRetentionCheckIntervalMs, () => {
      if (this.status !== 'ready') return;
      this.armExpiry();
      if (this.expiring) return;
      this.expiring = true;
      void this.expireOffsets().finally(() => (this.expiring = false));
    });
  }
}

function deadGroup(groupId: string, error: GroupOutcome): DescribedGroupAnswer {
  return { ...error, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
}
