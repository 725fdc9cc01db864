// The membership half of the group coordinator: JoinGroup, SyncGroup, Heartbeat and LeaveGroup drive each
// group through the state machine of group.ts, and three kinds of timers (all on the injected scheduler)
// keep it live:
//   join timer     PreparingRebalance waits at most the members' longest rebalance timeout for rejoins
//                  (or, for a group that was Empty, an initial join window that extends while members arrive)
//   sync timer     after a join completes, members that never send SyncGroup within the rebalance timeout
//                  are removed (a leader that never assigns cannot wedge the group)
//   session timer  one per member, lazily re-armed: heartbeats only move `sessionDeadline` forward
//
// Concurrency: everything here runs on the event loop with no awaits, so each request or timer sees and
// leaves the group in a consistent state. Pending JoinGroup/SyncGroup requests are callbacks on the member.
import type { HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest, SyncGroupRequest } from '../../protocol/index.js';
import type { GroupOutcome } from './errors.js';
import { Group, newMemberId, type Member } from './group.js';
import {
  fenced,
  groupError,
  joinError,
  OK,
  staleGeneration,
  syncError,
  unknownMember,
  type HeartbeatAnswer,
  type JoinAnswer,
  type LeaveAnswer,
  type SyncAnswer,
} from './responses.js';
import type { Scheduler, TimerHandle } from './scheduler.js';
import { rebalanceChannel } from '../diagnostics.js';

export interface RebalanceConfig {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** Kafka's group.initial.rebalance.delay.ms: how long an Empty group waits for more members to join. */
  initialRebalanceDelayMs: number;
  /** 0 = unlimited. */
  maxGroupSize: number;
}

/** The client a joining member runs in, as Kafka records it (DescribeGroups shows it). */
export interface MemberClient {
  clientId: string;
  clientHost: string;
}

export interface RebalanceHooks {
  /** A join completed: the group has a new generation (CompletingRebalance, or Empty if nobody rejoined). */
  generationCompleted(group: Group): void;
  /**
   * The group became Stable (the leader's SyncGroup), or a static member took over its instance's place in a
   * Stable group: its members and assignments are worth recording. Must not block: the answers go out at once.
   */
  groupStable(group: Group): void;
  log(msg: string, fields: object): void;
}

const EMPTY = Buffer.alloc(0);
const resolved = <T>(value: T): Promise<T> => Promise.resolve(value);

export class Rebalancer {
  private readonly joinTimers = new WeakMap<Group, TimerHandle>();
  private readonly syncTimers = new WeakMap<Group, TimerHandle>();
  private readonly sessionTimers = new WeakMap<Member, TimerHandle>();
  /** Groups in their initial join window that gained a member since the window was last armed. */
  private readonly grewDuringDelay = new WeakSet<Group>();

  constructor(
    private readonly groups: Map<string, Group>,
    private readonly scheduler: Scheduler,
    private readonly config: RebalanceConfig,
    private readonly hooks: RebalanceHooks,
  ) {}

  join(req: JoinGroupRequest, ctx: MemberClient): Promise<JoinAnswer> {
    const { minSessionTimeoutMs: min, maxSessionTimeoutMs: max } = this.config;
    if (req.groupId === '') return resolved(joinError('invalid-group-id', req.memberId, 'groupId must not be empty'));
    if (req.sessionTimeoutMs < min || req.sessionTimeoutMs > max) {
      return resolved(
        joinError(
          'invalid-session-timeout',
          req.memberId,
          `sessionTimeout ${req.sessionTimeoutMs} ms is outside the broker's range ${min}..${max} ms`,
        ),
      );
    }
    if (req.protocolType === '' || req.protocols.length === 0) {
      return resolved(
        joinError('inconsistent-protocol', req.memberId, 'a member must name a protocolType and at least one protocol'),
      );
    }
    let group = this.groups.get(req.groupId);
    if (!group) {
      if (req.memberId !== '')
        return resolved(
          joinError(
            'unknown-member',
            req.memberId,
            `group '${req.groupId}' does not exist (any more): rejoin with memberId ''`,
          ),
        );
      group = new Group(req.groupId, this.scheduler.now());
      this.groups.set(req.groupId, group);
    }
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      const offered = req.protocols.map((p) => p.name).join(', ');
      return resolved(
        joinError(
          'inconsistent-protocol',
          req.memberId,
          `group '${group.groupId}' (${group.protocolType}: ${group.candidateProtocols().join(', ')}) shares no protocol with this member (${req.protocolType}: ${offered})`,
        ),
      );
    }
    if (req.memberId === '') {
      if (req.groupInstanceId !== null && group.memberIdOfInstance(req.groupInstanceId) !== undefined)
        return this.rejoinStatic(group, req, ctx);
      if (this.config.maxGroupSize > 0 && group.size >= this.config.maxGroupSize) {
        return resolved(
          joinError(
            'group-full',
            '',
            `group '${group.groupId}' already has ${group.size} members, the broker's maxGroupSize`,
          ),
        );
      }
      return this.joinNew(group, req, ctx);
    }
    if (group.isFenced(req.memberId, req.groupInstanceId))
      return resolved(joinError('fenced-instance', req.memberId, fenced(req.groupInstanceId!)));
    const member = group.members.get(req.memberId);
    if (!member) return resolved(joinError('unknown-member', req.memberId, unknownMember(group, req.memberId)));
    if (req.groupInstanceId !== null && member.groupInstanceId !== req.groupInstanceId) {
      return resolved(
        joinError(
          'fenced-instance',
          req.memberId,
          `member '${req.memberId}' is not registered under group.instance.id '${req.groupInstanceId}'`,
        ),
      );
    }
    return this.rejoinKnown(group, member, req);
  }

  sync(req: SyncGroupRequest): Promise<SyncAnswer> {
    const group = this.groups.get(req.groupId);
    if (group?.isFenced(req.memberId, req.groupInstanceId))
      return resolved(syncError('fenced-instance', fenced(req.groupInstanceId!)));
    const member = group?.members.get(req.memberId);
    if (!group || !member)
      return resolved(syncError('unknown-member', unknownMember(group, req.memberId, req.groupId)));
    if (req.generationId !== group.generationId)
      return resolved(syncError('stale-generation', staleGeneration(group, req.generationId)));
    if (
      (req.protocolType !== null && req.protocolType !== group.protocolType) ||
      (req.protocolName !== null && group.protocolName !== null && req.protocolName !== group.protocolName)
    ) {
      return resolved(
        syncError('inconsistent-protocol', `group '${group.groupId}' uses ${group.protocolType}/${group.protocolName}`),
      );
    }
    if (group.is('PreparingRebalance')) return resolved(syncError('rebalancing'));
    this.touch(group, member);
    group.pendingSync.delete(member.memberId);
    if (group.is('Stable')) return resolved(this.syncOk(group, member));
    // CompletingRebalance: followers wait for the leader's assignment.
    const pending = new Promise<SyncAnswer>((resolve) => {
      member.awaitingSync?.(syncError('rebalancing', 'superseded by a newer SyncGroup from the same member'));
      member.awaitingSync = resolve;
    });
    if (member.memberId === group.leaderId) {
      const byMember = new Map(req.assignments.map((a) => [a.memberId, a.assignment]));
      for (const m of group.members.values()) m.assignment = byMember.get(m.memberId) ?? EMPTY;
      group.transitionTo('Stable', this.scheduler.now());
      this.hooks.log('group stable', { groupId: group.groupId, generationId: group.generationId, members: group.size });
      this.hooks.groupStable(group);
      for (const m of group.members.values()) {
        const respond = m.awaitingSync;
        m.awaitingSync = null;
        respond?.(this.syncOk(group, m));
      }
    }
    return pending;
  }

  heartbeat(req: HeartbeatRequest): HeartbeatAnswer {
    const group = this.groups.get(req.groupId);
    if (group?.isFenced(req.memberId, req.groupInstanceId))
      return groupError('fenced-instance', fenced(req.groupInstanceId!));
    const member = group?.members.get(req.memberId);
    if (!group || !member) return groupError('unknown-member', unknownMember(group, req.memberId, req.groupId));
    if (req.generationId !== group.generationId)
      return groupError('stale-generation', staleGeneration(group, req.generationId));
    this.touch(group, member);
    if (group.is('PreparingRebalance'))
      return groupError('rebalancing', `group '${group.groupId}' is rebalancing: rejoin`);
    return OK;
  }

  leave(req: LeaveGroupRequest): LeaveAnswer {
    const group = this.groups.get(req.groupId);
    const results: LeaveAnswer['members'] = [];
    const leaving: Member[] = [];
    for (const m of req.members) {
      const target = group ? this.leaveTarget(group, m.memberId, m.groupInstanceId) : groupError('unknown-member');
      if ('memberId' in target) leaving.push(target);
      results.push({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        error: 'memberId' in target ? null : target.error,
      });
    }
    if (group && leaving.length > 0)
      this.removeMembers(group, leaving, `${leaving.map((m) => m.memberId).join(', ')} left the group`);
    return { ...OK, members: results };
  }

  /**
   * Fencing for OffsetCommit from a group member: null when the commit may proceed (the member's session
   * is refreshed), else the error every partition of the request gets.
   */
  checkCommitter(group: Group, generationId: number, memberId: string, instanceId: string | null): GroupOutcome | null {
    if (group.isFenced(memberId, instanceId)) return groupError('fenced-instance', fenced(instanceId!));
    const member = group.members.get(memberId);
    if (!member) return groupError('unknown-member', unknownMember(group, memberId));
    if (generationId !== group.generationId) {
      return groupError(
        'stale-generation',
        `commit rejected: it comes from generation ${generationId} but group '${group.groupId}' is at generation ${group.generationId}; the member must rejoin (its partitions may have moved to another member)`,
      );
    }
    if (group.is('CompletingRebalance'))
      return groupError('rebalancing', `group '${group.groupId}' is completing a rebalance: commit after SyncGroup`);
    this.touch(group, member);
    return null;
  }

  /**
   * Fencing for TxnOffsetCommit from a group member, in Kafka's order: a fenced static instance, a member
   * not in the group (when one is named), a generation other than the group's (when one is given). Unlike a
   * plain commit, a rebalance in progress does not refuse it and the member's session is not refreshed.
   */
  checkTransactionalCommitter(
    group: Group,
    generationId: number,
    memberId: string,
    instanceId: string | null,
  ): GroupOutcome | null {
    if (group.isFenced(memberId, instanceId)) return groupError('fenced-instance', fenced(instanceId!));
    if (memberId !== '' && !group.members.has(memberId))
      return groupError('unknown-member', unknownMember(group, memberId));
    if (generationId >= 0 && generationId !== group.generationId) {
      return groupError(
        'stale-generation',
        `transactional commit rejected: it comes from generation ${generationId} but group '${group.groupId}' is at generation ${group.generationId}; the transaction must abort (its partitions may have moved to another member)`,
      );
    }
    return null;
  }

  /**
   * A group restored Stable at load (Group.restore): each member's session timer starts now, so a member that
   * does not come back is removed after its session timeout and the others rebalance.
   */
  restored(group: Group): void {
    for (const m of group.members.values()) this.touch(group, m);
  }

  /** Cancels the group's timers and answers its pending requests (coordinator shutdown, group deletion). */
  shutdownGroup(group: Group): void {
    this.joinTimers.get(group)?.cancel();
    this.syncTimers.get(group)?.cancel();
    for (const m of group.members.values()) {
      this.sessionTimers.get(m)?.cancel();
      m.awaitingJoin?.(joinError('coordinator-closed', m.memberId, 'the coordinator is shutting down'));
      m.awaitingSync?.(syncError('coordinator-closed', 'the coordinator is shutting down'));
      m.awaitingJoin = m.awaitingSync = null;
    }
  }

  private joinNew(group: Group, req: JoinGroupRequest, ctx: MemberClient): Promise<JoinAnswer> {
    const now = this.scheduler.now();
    const member: Member = {
      memberId: newMemberId(ctx.clientId || 'member'),
      groupInstanceId: req.groupInstanceId,
      clientId: ctx.clientId,
      clientHost: ctx.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      assignment: EMPTY,
      awaitingJoin: null,
      awaitingSync: null,
      sessionDeadline: now + req.sessionTimeoutMs,
    };
    group.add(member);
    const pending = this.awaitJoin(member);
    this.touch(group, member);
    if (group.is('PreparingRebalance')) {
      if (group.initialDelay) this.grewDuringDelay.add(group);
    } else {
      this.prepareRebalance(group, `new member ${member.memberId} joined`);
    }
    this.maybeCompleteJoin(group);
    return pending;
  }

  /** A static member rejoined with memberId '': it takes over its instance's membership and assignment. */
  private rejoinStatic(group: Group, req: JoinGroupRequest, ctx: MemberClient): Promise<JoinAnswer> {
    const instanceId = req.groupInstanceId!;
    const { member, oldId, oldJoin, oldSync } = group.replaceStaticMember(
      instanceId,
      newMemberId(ctx.clientId || 'member'),
    );
    oldJoin?.(joinError('fenced-instance', oldId, fenced(instanceId)));
    oldSync?.(syncError('fenced-instance', fenced(instanceId)));
    const sameMetadata = Group.sameProtocols(member.protocols, req.protocols);
    Object.assign(member, {
      clientId: ctx.clientId,
      clientHost: ctx.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocols: req.protocols,
    });
    this.touch(group, member);
    this.hooks.log('static member rejoined', {
      groupId: group.groupId,
      instanceId,
      oldId,
      memberId: member.memberId,
      rebalance: !(group.is('Stable') && sameMetadata),
    });
    // A restart within the session timeout: same generation, same assignment (SyncGroup returns it).
    if (group.is('Stable') && sameMetadata) {
      this.hooks.groupStable(group);
      return resolved(this.joinResponse(group, member, false));
    }
    const pending = this.awaitJoin(member);
    if (!group.is('PreparingRebalance'))
      this.prepareRebalance(group, `static member ${instanceId} rejoined with new metadata`);
    this.maybeCompleteJoin(group);
    return pending;
  }

  private rejoinKnown(group: Group, member: Member, req: JoinGroupRequest): Promise<JoinAnswer> {
    this.touch(group, member);
    const same = Group.sameProtocols(member.protocols, req.protocols);
    Object.assign(member, { sessionTimeoutMs: req.sessionTimeoutMs, rebalanceTimeoutMs: req.rebalanceTimeoutMs });
    // A member that lost its JoinGroup response (CompletingRebalance) or a follower re-checking in (Stable)
    // gets the current generation back; anything else starts or joins a rebalance.
    if (same && (group.is('CompletingRebalance') || (group.is('Stable') && member.memberId !== group.leaderId))) {
      return resolved(
        this.joinResponse(group, member, member.memberId === group.leaderId && group.is('CompletingRebalance')),
      );
    }
    member.protocols = req.protocols;
    const pending = this.awaitJoin(member);
    if (!group.is('PreparingRebalance'))
      this.prepareRebalance(group, `member ${member.memberId} rejoined${same ? '' : ' with new metadata'}`);
    this.maybeCompleteJoin(group);
    return pending;
  }

  private leaveTarget(group: Group, memberId: string, instanceId: string | null): Member | GroupOutcome {
    if (instanceId !== null) {
      const registered = group.memberIdOfInstance(instanceId);
      if (registered === undefined) return groupError('unknown-member');
      if (memberId !== '' && memberId !== registered) return groupError('fenced-instance');
      return group.members.get(registered)!;
    }
    return group.members.get(memberId) ?? groupError('unknown-member');
  }

  private awaitJoin(member: Member): Promise<JoinAnswer> {
    return new Promise((resolve) => {
      member.awaitingJoin?.(
        joinError('rebalancing', member.memberId, 'superseded by a newer JoinGroup from the same member'),
      );
      member.awaitingJoin = resolve;
    });
  }

  private prepareRebalance(group: Group, reason: string): void {
    if (group.is('CompletingRebalance')) {
      for (const m of group.members.values()) {
        m.awaitingSync?.(syncError('rebalancing', `group '${group.groupId}' is rebalancing again: ${reason}`));
        m.awaitingSync = null;
      }
      group.clearAssignments();
    }
    const initial = group.is('Empty') && this.config.initialRebalanceDelayMs > 0;
    group.transitionTo('PreparingRebalance', this.scheduler.now());
    if (rebalanceChannel.hasSubscribers) rebalanceChannel.publish({ groupId: group.groupId });
    group.pendingSync.clear();
    this.syncTimers.get(group)?.cancel();
    this.hooks.log('rebalance', { groupId: group.groupId, generationId: group.generationId, reason });
    const timeout = group.rebalanceTimeoutMs();
    group.initialDelay = initial;
    if (initial) {
      const delay = Math.min(this.config.initialRebalanceDelayMs, timeout);
      this.armInitialDelay(group, delay, timeout - delay);
    } else {
      this.armJoinTimer(group, timeout, () => this.completeJoin(group));
    }
  }

  /** Kafka's InitialDelayedJoin: wait `delay`; while members keep arriving, wait again, within `remaining`. */
  private armInitialDelay(group: Group, delay: number, remaining: number): void {
    this.grewDuringDelay.delete(group);
    this.armJoinTimer(group, delay, () => {
      if (!group.is('PreparingRebalance') || !group.initialDelay) return;
      if (this.grewDuringDelay.has(group) && remaining > 0) {
        const next = Math.min(delay, remaining);
        this.armInitialDelay(group, next, remaining - next);
        return;
      }
      group.initialDelay = false;
      this.completeJoin(group);
    });
  }

  private armJoinTimer(group: Group, ms: number, fn: () => void): void {
    this.joinTimers.get(group)?.cancel();
    this.joinTimers.set(group, this.scheduler.schedule(ms, fn));
  }

  private maybeCompleteJoin(group: Group): void {
    if (group.is('PreparingRebalance') && !group.initialDelay && group.allMembersJoined()) this.completeJoin(group);
  }

  /** PreparingRebalance ends: members that did not rejoin are dropped, the generation moves on. */
  private completeJoin(group: Group): void {
    if (!group.is('PreparingRebalance')) return;
    this.joinTimers.get(group)?.cancel();
    group.initialDelay = false;
    const now = this.scheduler.now();
    for (const m of [...group.members.values()]) {
      if (m.awaitingJoin !== null) continue;
      this.hooks.log('member removed: did not rejoin within the rebalance timeout', {
        groupId: group.groupId,
        memberId: m.memberId,
      });
      this.sessionTimers.get(m)?.cancel();
      group.remove(m.memberId);
    }
    group.generationId++;
    if (group.size === 0) {
      group.protocolName = null;
      group.leaderId = null;
      group.transitionTo('Empty', now);
      this.hooks.generationCompleted(group);
      return;
    }
    group.protocolName = group.selectProtocol();
    group.transitionTo('CompletingRebalance', now);
    for (const m of group.members.values()) {
      group.pendingSync.add(m.memberId);
      const respond = m.awaitingJoin!;
      m.awaitingJoin = null;
      this.touch(group, m);
      respond(this.joinResponse(group, m, m.memberId === group.leaderId));
    }
    const generation = group.generationId;
    this.syncTimers.set(
      group,
      this.scheduler.schedule(group.rebalanceTimeoutMs(), () => this.onSyncTimeout(group, generation)),
    );
    this.hooks.log('join complete', {
      groupId: group.groupId,
      generationId: generation,
      protocol: group.protocolName,
      leader: group.leaderId,
      members: group.size,
    });
    this.hooks.generationCompleted(group);
  }

  private onSyncTimeout(group: Group, generation: number): void {
    if (group.generationId !== generation || !(group.is('CompletingRebalance') || group.is('Stable'))) return;
    const late = [...group.pendingSync].map((id) => group.members.get(id)!).filter(Boolean);
    if (late.length > 0)
      this.removeMembers(
        group,
        late,
        `${late.map((m) => m.memberId).join(', ')} sent no SyncGroup within the rebalance timeout`,
      );
  }

  private removeMembers(group: Group, members: Member[], reason: string): void {
    for (const m of members) {
      this.sessionTimers.get(m)?.cancel();
      m.awaitingJoin?.(joinError('unknown-member', m.memberId, `removed from group '${group.groupId}': ${reason}`));
      m.awaitingSync?.(syncError('unknown-member', `removed from group '${group.groupId}': ${reason}`));
      m.awaitingJoin = m.awaitingSync = null;
      group.remove(m.memberId);
    }
    if (group.is('Stable') || group.is('CompletingRebalance')) this.prepareRebalance(group, reason);
    this.maybeCompleteJoin(group);
  }

  private touch(group: Group, member: Member): void {
    member.sessionDeadline = this.scheduler.now() + member.sessionTimeoutMs;
    if (!this.sessionTimers.has(member)) this.armSession(group, member, member.sessionTimeoutMs);
  }

  private armSession(group: Group, member: Member, ms: number): void {
    this.sessionTimers.set(
      member,
      this.scheduler.schedule(ms, () => {
        this.sessionTimers.delete(member);
        if (group.members.get(member.memberId) !== member) return;
        const now = this.scheduler.now();
        // Members waiting on JoinGroup/SyncGroup are kept alive: the join/sync timers bound those waits.
        if (member.awaitingJoin || member.awaitingSync) member.sessionDeadline = now + member.sessionTimeoutMs;
        if (now < member.sessionDeadline) {
          this.armSession(group, member, member.sessionDeadline - now);
          return;
        }
        this.removeMembers(
          group,
          [member],
          `session timeout (${member.sessionTimeoutMs} ms) of member ${member.memberId} expired`,
        );
      }),
    );
  }

  private joinResponse(group: Group, member: Member, withMembers: boolean): JoinAnswer {
    return {
      ...OK,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      memberId: member.memberId,
      members: withMembers
        ? [...group.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            metadata: group.metadataOf(m),
          }))
        : [],
    };
  }

  private syncOk(group: Group, member: Member): SyncAnswer {
    return { ...OK, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
  }
}
