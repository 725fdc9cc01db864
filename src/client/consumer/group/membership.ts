// Group membership: the consumer side of Kafka's classic group protocol, plugged into the consumer's
// PartitionAssignmentSource / OffsetCommitter seam (../assignment.ts).
//
//   start()      JoinGroup (the leader runs the assigner on every member's metadata) → SyncGroup → the
//                first assignment; then a heartbeat timer (its own connection, so slow handlers and long
//                polls never delay it).
//   rebalance    a heartbeat or commit answered REBALANCE_IN_PROGRESS / ILLEGAL_GENERATION /
//                UNKNOWN_MEMBER_ID, or the subscription changed:
//                  eager        revoke everything (listener([]): the consumer stops and commits), rejoin,
//                               then listener(new assignment)
//                  cooperative  keep consuming while rejoining; listener(new assignment) revokes only what
//                               moved; if anything was revoked, rejoin once more so it can be reassigned
//                A rebalance asked for while committed() waits for stable offsets (positioning the first
//                assignment, or in a rebalance's listener) cuts that wait short: the member joins again at
//                once (the group waits for every member's JoinGroup, so a member waiting out a transaction
//                would hold up every other member's).
//   commit()     OffsetCommit under the current generation; a stale generation is rejected by the
//                coordinator and triggers a rejoin (the records will be redelivered: at least once).
//                A commit refused because the member must rejoin, or whose coordinator stayed out of
//                reach for a whole retry budget (a broker died and the coordinator is moving), fails
//                with a retriable error: a handler that commits is retried, not crashed, and its
//                records are delivered again once the member is back (kafkajs rejoins there too).
//   stop()       LeaveGroup (dynamic members; a static member just goes quiet, so its restart within
//                the session timeout gets the same partitions back without a rebalance)
import {
  DescribeGroupsApi,
  HeartbeatApi,
  JoinGroupApi,
  LeaveGroupApi,
  OffsetCommitApi,
  OffsetFetchApi,
  SyncGroupApi,
  type JoinGroupResponse,
  type OffsetCommitResponse,
} from '../../../protocol/index.js';
import { ErrorCode, errorInfo } from '../../../protocol/errors.js';
import type { Cluster } from '../../cluster.js';
import {
  SluiceError,
  SluiceNonRetriableError,
  SluiceNumberOfRetriesExceeded,
  SluiceProtocolError,
} from '../../errors.js';
import type { Logger } from '../../logger.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRetriable, RetrySchedule, type ResolvedRetryOptions, type Retrier } from '../../retry.js';
import {
  MemberAssignment,
  MemberMetadata,
  type Assigner,
  type AssignerCluster,
  type PartitionAssigner,
} from '../assignors/index.js';
import type {
  AssignmentContext,
  OffsetCommitter,
  PartitionAssignmentSource,
  TopicPartitionOffsetAndMetadata,
  TopicPartitions,
} from '../types.js';
import { RejoinAsked } from '../assignment.js';
import { CoordinatorLink, COORDINATOR_CODES } from './coordinator-link.js';
import { GroupEvents, type GroupEventName } from './events.js';
import { topicPartitionKey } from '../../topic-partition.js';

export interface GroupMembershipOptions {
  groupId: string;
  cluster: Cluster;
  clientId: string;
  connectionTimeout: number;
  requestTimeout: number;
  logger: Logger;
  retrier: Retrier;
  sessionTimeout: number;
  rebalanceTimeout: number;
  heartbeatInterval: number;
  assigners: PartitionAssigner[];
  groupInstanceId: string | null;
  /**
   * Ask for stable offsets (KIP-447, what a read_committed consumer does): a partition whose offset a
   * transaction not ended yet commits is answered UNSTABLE_OFFSET_COMMIT, and committed() waits for that
   * transaction to end instead of starting before it (its records would be processed again).
   */
  requireStableOffsets: boolean;
  emit(event: GroupEventName, payload: unknown): void;
}

type Listener = (assignment: TopicPartitions[]) => Promise<void> | void;

/** Errors after which the member must rejoin (the coordinator moved on without it). */
const REJOIN_CODES: ReadonlySet<number> = new Set([
  ErrorCode.REBALANCE_IN_PROGRESS,
  ErrorCode.ILLEGAL_GENERATION,
  ErrorCode.UNKNOWN_MEMBER_ID,
]);
const FATAL_JOIN_CODES: ReadonlySet<number> = new Set([
  ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
  ErrorCode.INVALID_SESSION_TIMEOUT,
  ErrorCode.INVALID_GROUP_ID,
  ErrorCode.GROUP_MAX_SIZE_REACHED,
  ErrorCode.FENCED_INSTANCE_ID,
  ErrorCode.GROUP_AUTHORIZATION_FAILED,
]);

/**
 * Join rounds one rebalance may take: a cooperative round that revokes partitions is followed by another
 * that hands them to their new owners. A bound, so members that keep moving cannot hold this one in a
 * rebalance for ever; after it the last assignment received stands.
 */
const MAX_COOPERATIVE_ROUNDS = 10;

/** Waits between JoinGroup rounds while the coordinator is away: 100 ms, doubling, at most 2 s, for ever. */
const REJOIN_BACKOFF: ResolvedRetryOptions = {
  initialRetryTime: 100,
  factor: 0,
  multiplier: 2,
  maxRetryTime: 2000,
  retries: Number.POSITIVE_INFINITY,
};

export class GroupMembership implements PartitionAssignmentSource, OffsetCommitter {
  readonly link: CoordinatorLink;
  memberId = '';
  generationId = -1;
  leaderId = '';
  protocolName: string | null = null;
  private assignment: TopicPartitions[] = [];
  private topics: string[] = [];
  private readonly assigners: Assigner[];
  private listener: Listener = () => {};
  private running = false;
  private rebalancing: Promise<void> | null = null;
  /**
   * A join this member has not made yet is due (the coordinator's answer to a heartbeat, requestRejoin, or
   * the second join of a cooperative round that revoked partitions): committed()'s wait for stable offsets
   * gives way to it, in the first assignment's positioning as in a rebalance's listener; rebalance() then
   * joins (again). Cleared by each join.
   */
  private rejoinAsked = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private lastHeartbeat = 0;
  /** Fatal error (fenced, inconsistent protocol): reported once through onFatal. */
  onFatal: (error: Error) => void = () => {};

  constructor(private readonly options: GroupMembershipOptions) {
    this.link = new CoordinatorLink(options);
    const cluster: AssignerCluster = {
      findTopicPartitionMetadata: (topic) => options.cluster.topicMetadata(topic)?.partitions ?? [],
    };
    this.assigners = options.assigners.map((factory) => factory({ cluster }));
    if (this.assigners.length === 0)
      throw new SluiceNonRetriableError('partitionAssigners must name at least one assigner');
  }

  get groupId(): string {
    return this.options.groupId;
  }

  /** The assignment of the current generation. */
  current(): TopicPartitions[] {
    return this.assignment.map((a) => ({ topic: a.topic, partitions: [...a.partitions] }));
  }

  private get cooperative(): boolean {
    return this.assigners.find((a) => a.name === this.protocolName)?.rebalanceProtocol === 'cooperative';
  }

  async start(context: AssignmentContext): Promise<TopicPartitions[]> {
    this.topics = [...context.subscribedTopics];
    await this.options.cluster.addTargetTopics(this.topics);
    this.running = true;
    this.assignment = await this.joinAndSync();
    this.rejoinAsked = false;
    this.scheduleHeartbeat();
    return this.current();
  }

  onChange(listener: Listener): void {
    this.listener = listener;
  }

  /** payload.heartbeat(): sends one if the interval has passed (the timer sends them anyway). */
  async heartbeat(): Promise<void> {
    if (this.running && Date.now() - this.lastHeartbeat >= this.options.heartbeatInterval) await this.sendHeartbeat();
  }

  /** An eager rebalance revokes everything: batches in hand are stale until the new assignment. */
  isStale(): boolean {
    return this.rebalancing !== null && !this.cooperative;
  }

  /** Asks for a rebalance (e.g. the subscription's regex now matches more topics). */
  requestRejoin(reason: string): void {
    if (!this.running || this.rebalancing) return;
    this.options.logger.info('rejoining group', { groupId: this.groupId, memberId: this.memberId, reason });
    this.rejoinAsked = true;
    this.rebalancing = this.rebalance().finally(() => (this.rebalancing = null));
  }

  /** Waits for a rebalance in progress (tests, stop()). */
  async settled(): Promise<void> {
    while (this.rebalancing) await this.rebalancing;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    await this.rebalancing?.catch(() => undefined);
    if (this.memberId !== '' && this.options.groupInstanceId === null) {
      try {
        await this.link.send('control', LeaveGroupApi, {
          groupId: this.groupId,
          members: [{ memberId: this.memberId, groupInstanceId: null, reason: 'the consumer is leaving the group' }],
        });
      } catch (err) {
        this.options.logger.warn(
          'LeaveGroup failed; the coordinator will expire the member after its session timeout',
          { groupId: this.groupId, error: (err as Error).message },
        );
      }
    }
    this.link.close();
    this.memberId = '';
    this.generationId = -1;
    this.assignment = [];
  }

  /** consumer.describeGroup(), kafkajs's shape. */
  async describe(): Promise<{
    errorCode: number;
    groupId: string;
    members: unknown[];
    protocol: string;
    protocolType: string;
    state: string;
  }> {
    const r = await this.options.retrier(() =>
      this.link.send('control', DescribeGroupsApi, { groups: [this.groupId] }),
    );
    const g = r.groups[0]!;
    return {
      errorCode: g.errorCode,
      groupId: g.groupId,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: m.memberMetadata,
        memberAssignment: m.memberAssignment,
      })),
      protocol: g.protocolData,
      protocolType: g.protocolType,
      state: g.groupState,
    };
  }

  /**
   * The group's committed offsets of `assignment` (null: none committed). With requireStableOffsets, while a
   * transaction not ended yet commits some of them, asks again (every 100 ms, then up to every second) until it
   * ended or this member stopped: the transaction's coordinator ends it by its timeout at the latest. Any other
   * partition's error is thrown (retried first when retriable), as Kafka's consumer does: read as "nothing
   * committed", the reset policy would move the partition to its start or end.
   */
  async committed(assignment: TopicPartitions[]): Promise<Map<string, number | null>> {
    const out = new Map<string, number | null>();
    if (assignment.length === 0) return out;
    const topics = assignment.map((a) => ({ name: a.topic, partitions: a.partitions }));
    for (let attempt = 0; ; attempt++) {
      const response = await this.options.retrier(async () => {
        const r = await this.link.send('control', OffsetFetchApi, {
          groupId: this.groupId,
          topics,
          requireStable: this.options.requireStableOffsets,
        });
        if (r.errorCode !== 0) throw this.coordinatorError(r.errorCode, r.errorMessage);
        for (const t of r.topics)
          for (const p of t.partitions)
            if (p.errorCode !== 0 && p.errorCode !== ErrorCode.UNSTABLE_OFFSET_COMMIT) {
              throw new SluiceProtocolError(
                p.errorCode,
                `the committed offset of ${t.name}[${p.partition}] in group '${this.groupId}' could not be read: ${errorInfo(p.errorCode).name}`,
              );
            }
        return r;
      });
      const unstable: string[] = [];
      for (const t of response.topics)
        for (const p of t.partitions) {
          if (p.errorCode === ErrorCode.UNSTABLE_OFFSET_COMMIT) unstable.push(`${t.name}[${p.partition}]`);
          else out.set(topicPartitionKey(t.name, p.partition), p.offset >= 0 ? p.offset : null);
        }
      if (unstable.length === 0) return out;
      // As a stop while joining: not retried (the retrier around the start would join the group again).
      if (!this.running)
        throw new SluiceNonRetriableError('the consumer stopped while a transaction commits its group offsets');
      if (this.rejoinAsked)
        throw new RejoinAsked(`group '${this.groupId}' is rebalancing while this member waits for stable offsets`);
      if (attempt === 0)
        this.options.logger.info('waiting for a transaction that commits offsets of this group to end', {
          groupId: this.groupId,
          partitions: unstable,
        });
      await sleep(Math.min(100 * 2 ** attempt, 1000));
    }
  }

  async commit(offsets: TopicPartitionOffsetAndMetadata[]): Promise<void> {
    if (offsets.length === 0) return;
    const byTopic = new Map<
      string,
      Array<{ partition: number; offset: number; leaderEpoch: number; metadata: string | null }>
    >();
    for (const o of offsets) {
      const list = byTopic.get(o.topic) ?? [];
      list.push({ partition: o.partition, offset: Number(o.offset), leaderEpoch: -1, metadata: o.metadata ?? null });
      byTopic.set(o.topic, list);
    }
    const generationId = this.generationId;
    const memberId = this.memberId;
    // No membership (removed, rejoining, stopped): sent as it is, memberId '' and generation -1 would be a
    // standalone commit, which the coordinator accepts whenever the group is Empty — a removed member
    // coming back could then move offsets back below what the partitions' new owner committed.
    if (memberId === '' || generationId < 0) {
      throw new SluiceProtocolError(
        {
          code: ErrorCode.REBALANCE_IN_PROGRESS,
          type: 'REBALANCE_IN_PROGRESS',
          message: `not committed: this consumer is not a member of group '${this.groupId}' right now (rejoining); its records will be redelivered`,
        },
        { retriable: true },
      );
    }
    const request = {
      groupId: this.groupId,
      generationId,
      memberId,
      groupInstanceId: this.options.groupInstanceId,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    };
    let response: OffsetCommitResponse;
    try {
      response = await this.options.retrier(async () => {
        const r = await this.link.send('control', OffsetCommitApi, request);
        const coordinatorError = r.topics.flatMap((t) => t.partitions).find((p) => COORDINATOR_CODES.has(p.errorCode));
        if (coordinatorError) throw this.coordinatorError(coordinatorError.errorCode, coordinatorError.errorMessage);
        return r;
      });
    } catch (err) {
      const cause = err instanceof SluiceNumberOfRetriesExceeded ? err.cause : undefined;
      if (cause instanceof SluiceError && cause.retriable) throw cause;
      throw err;
    }
    const failed = response.topics
      .flatMap((t) => t.partitions.map((p) => ({ topic: t.name, ...p })))
      .find((p) => p.errorCode !== 0);
    if (failed) {
      if (REJOIN_CODES.has(failed.errorCode)) {
        this.onRejoinCode(failed.errorCode);
        const { code, type, message } = new SluiceProtocolError(failed.errorCode, failed.errorMessage ?? undefined);
        throw new SluiceProtocolError({ code: code as number, type, message }, { retriable: true });
      }
      throw new SluiceProtocolError(failed.errorCode, failed.errorMessage ?? undefined);
    }
    this.options.emit(GroupEvents.COMMIT_OFFSETS, {
      groupId: this.groupId,
      memberId,
      groupGenerationId: generationId,
      topics: [...byTopic].map(([topic, partitions]) => ({
        topic,
        partitions: partitions.map((p) => ({ partition: p.partition, offset: String(p.offset) })),
      })),
    });
  }

  private coordinatorError(code: number, message: string | null): SluiceProtocolError {
    if (COORDINATOR_CODES.has(code)) this.link.reset();
    return new SluiceProtocolError(code, message ?? undefined);
  }

  private scheduleHeartbeat(): void {
    if (!this.running) return;
    // Heartbeats go on during a rebalance too: while an eager member revokes (waits for its handlers and
    // commits) before rejoining, they keep its session alive; their answers are ignored until it rejoined.
    this.heartbeatTimer = setTimeout(() => {
      void this.sendHeartbeat().finally(() => this.scheduleHeartbeat());
    }, this.options.heartbeatInterval);
    this.heartbeatTimer.unref();
  }

  private async sendHeartbeat(): Promise<void> {
    const generationId = this.generationId;
    let code: number;
    try {
      const r = await this.link.send('control', HeartbeatApi, {
        groupId: this.groupId,
        generationId,
        memberId: this.memberId,
        groupInstanceId: this.options.groupInstanceId,
      });
      code = r.errorCode;
    } catch (err) {
      this.options.logger.debug('heartbeat failed', { groupId: this.groupId, error: (err as Error).message });
      return;
    }
    if (!this.running || generationId !== this.generationId) return;
    this.lastHeartbeat = Date.now();
    if (this.rebalancing) {
      // Answers to the generation this rebalance joined: another rebalance started since (rebalance()).
      if (REJOIN_CODES.has(code)) {
        if (code === ErrorCode.UNKNOWN_MEMBER_ID) this.forgetMembership();
        this.rejoinAsked = true;
      }
      return;
    }
    if (code === 0) {
      this.options.emit(GroupEvents.HEARTBEAT, {
        groupId: this.groupId,
        memberId: this.memberId,
        groupGenerationId: generationId,
      });
    } else if (REJOIN_CODES.has(code)) {
      this.onRejoinCode(code);
    } else if (code === ErrorCode.FENCED_INSTANCE_ID) {
      this.fail(
        new SluiceProtocolError(code, `another consumer took over group.instance.id '${this.options.groupInstanceId}'`),
      );
    } else if (COORDINATOR_CODES.has(code)) {
      this.link.reset();
    }
  }

  private onRejoinCode(code: number): void {
    if (code === ErrorCode.UNKNOWN_MEMBER_ID) this.forgetMembership();
    this.requestRejoin(
      ErrorCode.UNKNOWN_MEMBER_ID === code ? 'the coordinator no longer knows this member' : 'the group is rebalancing',
    );
  }

  /** The coordinator no longer knows this member: the next JoinGroup asks for a new member id. */
  private forgetMembership(): void {
    this.memberId = '';
    this.generationId = -1;
  }

  private fail(error: Error): void {
    if (!this.running) return;
    this.running = false;
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.onFatal(error);
  }

  private async rebalance(): Promise<void> {
    this.options.emit(GroupEvents.REBALANCING, { groupId: this.groupId, memberId: this.memberId });
    try {
      if (!this.cooperative && this.assignment.length > 0) {
        await this.listener([]);
        this.assignment = [];
      }
      // A join the coordinator asked for again (RejoinAsked) is no cooperative round: it is not counted.
      for (let rounds = 0; this.running && rounds < MAX_COOPERATIVE_ROUNDS; ) {
        const next = await this.joinAndSync();
        if (!this.running) return;
        const revoked = this.cooperative ? countRevoked(this.assignment, next) : 0;
        // Asked before this generation was formed: answered by the join just made. A cooperative round that
        // revokes partitions is followed by another join at once (their new owners get them then): the
        // listener's wait for stable offsets must not hold that join up either.
        this.rejoinAsked = revoked > 0;
        try {
          await this.listener(next);
        } catch (err) {
          if (!(err instanceof RejoinAsked)) throw err;
          // The partitions whose positions were still waited for were not started; the join gets them again.
          this.options.logger.info('rejoining group', {
            groupId: this.groupId,
            memberId: this.memberId,
            reason: err.message,
          });
          if (this.cooperative) this.assignment = next;
          else {
            await this.listener([]);
            this.assignment = [];
          }
          if (revoked > 0) rounds++;
          continue;
        }
        this.assignment = next;
        if (revoked === 0) return;
        rounds++;
      }
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /**
   * JoinGroup + SyncGroup until a generation is formed. Retriable trouble (the coordinator restarting,
   * unreachable, moving) is retried for as long as the member runs, like Kafka's consumer: a member must
   * not give up its group because the coordinator was away longer than one retry budget.
   */
  private async joinAndSync(): Promise<TopicPartitions[]> {
    const rejoins = new RetrySchedule(REJOIN_BACKOFF);
    for (;;) {
      try {
        return await this.joinAndSyncOnce();
      } catch (err) {
        const cause = err instanceof SluiceNumberOfRetriesExceeded ? (err.cause as Error) : err;
        if (!this.running || !isRetriable(cause)) throw err;
        const waitMs = rejoins.next();
        this.options.logger.warn('cannot join the group yet; retrying', {
          groupId: this.groupId,
          error: (err as Error).message,
          retryInMs: waitMs,
        });
        await sleep(waitMs);
      }
    }
  }

  /** One retry budget of JoinGroup + SyncGroup; retriable trouble is retried with backoff. */
  private async joinAndSyncOnce(): Promise<TopicPartitions[]> {
    return this.options.retrier(async (bail) => {
      for (;;) {
        if (!this.running) bail(new SluiceNonRetriableError('the consumer stopped while joining its group'));
        const started = Date.now();
        const join = await this.join();
        if (join.errorCode !== 0) {
          if (FATAL_JOIN_CODES.has(join.errorCode))
            bail(new SluiceProtocolError(join.errorCode, join.errorMessage ?? undefined));
          if (join.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
          else if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) this.memberId = join.memberId;
          if (REJOIN_CODES.has(join.errorCode) || join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) continue;
          throw this.coordinatorError(join.errorCode, join.errorMessage);
        }
        Object.assign(this, {
          memberId: join.memberId,
          generationId: join.generationId,
          leaderId: join.leader,
          protocolName: join.protocolName,
        });
        const assignments = join.leader === join.memberId && join.members.length > 0 ? await this.assign(join) : [];
        const sync = await this.link.send(
          'blocking',
          SyncGroupApi,
          {
            groupId: this.groupId,
            generationId: join.generationId,
            memberId: join.memberId,
            groupInstanceId: this.options.groupInstanceId,
            protocolType: 'consumer',
            protocolName: join.protocolName,
            assignments,
          },
          this.options.rebalanceTimeout + this.options.requestTimeout,
        );
        if (sync.errorCode !== 0) {
          if (sync.errorCode === ErrorCode.FENCED_INSTANCE_ID)
            bail(new SluiceProtocolError(sync.errorCode, sync.errorMessage ?? undefined));
          if (sync.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
          if (REJOIN_CODES.has(sync.errorCode)) continue;
          throw this.coordinatorError(sync.errorCode, sync.errorMessage);
        }
        const decoded = MemberAssignment.decode(sync.assignment)?.assignment ?? {};
        this.reportUnsubscribed(Object.keys(decoded), join.generationId);
        const assignment = Object.entries(decoded)
          .filter(([topic]) => this.topics.includes(topic))
          .map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) }));
        await this.options.cluster.addTargetTopics(assignment.map((a) => a.topic));
        this.lastHeartbeat = Date.now();
        this.options.emit(GroupEvents.GROUP_JOIN, {
          duration: Date.now() - started,
          groupId: this.groupId,
          isLeader: join.leader === join.memberId,
          leaderId: join.leader,
          groupProtocol: join.protocolName,
          memberId: join.memberId,
          memberAssignment: decoded,
        });
        return assignment;
      }
    });
  }

  /** Topics assigned to this member that it did not subscribe to are left alone, and reported. */
  private reportUnsubscribed(assignedTopics: string[], generationId: number): void {
    const topicsNotSubscribed = assignedTopics.filter((topic) => !this.topics.includes(topic));
    if (topicsNotSubscribed.length === 0) return;
    const payload = {
      groupId: this.groupId,
      generationId,
      memberId: this.memberId,
      assignedTopics,
      topicsSubscribed: [...this.topics],
      topicsNotSubscribed,
    };
    this.options.emit(GroupEvents.RECEIVED_UNSUBSCRIBED_TOPICS, payload);
    this.options.logger.warn('Consumer group received unsubscribed topics', payload);
  }

  private join(): Promise<JoinGroupResponse> {
    const owned = this.assignment;
    return this.link.send(
      'blocking',
      JoinGroupApi,
      {
        groupId: this.groupId,
        sessionTimeoutMs: this.options.sessionTimeout,
        rebalanceTimeoutMs: this.options.rebalanceTimeout,
        memberId: this.memberId,
        groupInstanceId: this.options.groupInstanceId,
        protocolType: 'consumer',
        protocols: this.assigners.map((a) =>
          a.protocol({ topics: this.topics, ownedPartitions: owned, generationId: this.generationId }),
        ),
        reason: null,
      },
      this.options.rebalanceTimeout + this.options.requestTimeout,
    );
  }

  /** Leader only: runs the chosen assigner over every member's metadata. */
  private async assign(join: JoinGroupResponse): Promise<Array<{ memberId: string; assignment: Buffer }>> {
    const assigner = this.assigners.find((a) => a.name === join.protocolName);
    if (!assigner)
      throw new SluiceNonRetriableError(
        `the group chose assigner ${join.protocolName}, which this member does not have`,
      );
    const members = join.members.map((m) => ({ memberId: m.memberId, memberMetadata: m.metadata }));
    const topics = new Set<string>();
    for (const m of members) {
      try {
        for (const t of MemberMetadata.decode(m.memberMetadata).topics) topics.add(t);
      } catch {
        // a member whose metadata this assigner cannot read subscribes to nothing
      }
    }
    await this.options.cluster.addTargetTopics([...topics]).catch((err: SluiceError) => {
      this.options.logger.warn('some subscribed topics are unknown; they get no partitions', {
        groupId: this.groupId,
        error: err.message,
      });
    });
    const result = await assigner.assign({
      members,
      topics: [...topics].filter((t) => this.options.cluster.topicMetadata(t)),
    });
    return result.map((r) => ({ memberId: r.memberId, assignment: r.memberAssignment }));
  }
}

function countRevoked(before: TopicPartitions[], after: TopicPartitions[]): number {
  const kept = new Set(after.flatMap((a) => a.partitions.map((p) => topicPartitionKey(a.topic, p))));
  return before.reduce((n, a) => n + a.partitions.filter((p) => !kept.has(topicPartitionKey(a.topic, p))).length, 0);
}
