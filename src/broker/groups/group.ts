// One consumer group's membership and state, as in Kafka's classic group protocol. This file holds the
// data and the transition table; the coordinator (coordinator.ts) drives it from requests and timers.
//
// State transition table (the only moves `Group.transitionTo` accepts):
//
//   from                 to                   when
//   Empty                PreparingRebalance   a member joins
//   Empty                Dead                 the group is deleted, or its offsets expire
//   PreparingRebalance   CompletingRebalance  every known member has rejoined, or the rebalance timeout
//                                             expired (members that did not rejoin are removed); ≥1 member
//   PreparingRebalance   Empty                the join completes with no member left
//   PreparingRebalance   Dead                 the group is deleted (never happens while it has members)
//   CompletingRebalance  Stable               the leader's SyncGroup delivers the assignment
//   CompletingRebalance  PreparingRebalance   a member joins/rejoins with new metadata, leaves, or misses
//                                             its session or sync deadline
//   Stable               PreparingRebalance   a new member joins, the leader or a member with changed
//                                             metadata rejoins, a member leaves or its session expires
//   Dead                 —                    terminal: the coordinator forgets the group
//
// One more move happens only at load, through `Group.restore` (never `transitionTo`):
//
//   Empty                Stable               restore: the coordinator loads a group whose last record in
//                                             `__consumer_offsets` was written as it became Stable; the
//                                             members, leader, assignor and assignments come back at that
//                                             generation. Only a freshly built group (Empty, no members)
//                                             can be restored.
//
// Every entry into CompletingRebalance (and into Empty from a completed join) increments the generation,
// so a generation id names exactly one assignment.
import { randomUUID } from 'node:crypto';
import type { JoinGroupProtocol } from '../../protocol/index.js';
import type { GroupRecordMember } from './offsets-codec.js';
import type { JoinAnswer, SyncAnswer } from './responses.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export const GROUP_STATES: readonly GroupState[] = [
  'Empty',
  'PreparingRebalance',
  'CompletingRebalance',
  'Stable',
  'Dead',
];

/** Allowed next states of each state. */
export const TRANSITIONS: Readonly<Record<GroupState, readonly GroupState[]>> = Object.freeze({
  Empty: ['PreparingRebalance', 'Dead'],
  PreparingRebalance: ['CompletingRebalance', 'Empty', 'Dead'],
  CompletingRebalance: ['Stable', 'PreparingRebalance', 'Dead'],
  Stable: ['PreparingRebalance', 'Dead'],
  Dead: [],
});

export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';
}

export interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  /** In the member's order of preference. */
  protocols: JoinGroupProtocol[];
  /** This member's share of the current generation's assignment (empty until the leader syncs). */
  assignment: Buffer;
  /** Set while a JoinGroup request waits for the rebalance to complete. */
  awaitingJoin: ((answer: JoinAnswer) => void) | null;
  /** Set while a SyncGroup request waits for the leader's assignment. */
  awaitingSync: ((answer: SyncAnswer) => void) | null;
  /** Session expiry time (ms); pushed forward by every heartbeat, join, sync and commit. */
  sessionDeadline: number;
}

const EMPTY = Buffer.alloc(0);

export function newMemberId(clientId: string): string {
  return `${clientId}-${randomUUID()}`;
}

export class Group {
  state: GroupState = 'Empty';
  /** Incremented on every completed join; 0 for a group that never completed one. */
  generationId = 0;
  protocolType: string | null = null;
  /** The assignor chosen for the current generation. */
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** groupInstanceId → memberId of the static members. */
  readonly staticMembers = new Map<string, string>();
  /** Members of the current generation that have not yet sent SyncGroup. */
  readonly pendingSync = new Set<string>();
  /** When the group entered its current state (ms). */
  stateSince: number;
  /** True while PreparingRebalance waits out the initial join window of a group that was Empty. */
  initialDelay = false;

  constructor(
    readonly groupId: string,
    now: number,
  ) {
    this.stateSince = now;
  }

  transitionTo(next: GroupState, now: number): void {
    if (!TRANSITIONS[this.state].includes(next)) {
      throw new IllegalTransitionError(`group '${this.groupId}': illegal transition ${this.state} → ${next}`);
    }
    this.state = next;
    this.stateSince = now;
  }

  /**
   * The load-time transition Empty → Stable (see the table above): the group takes back the Stable generation
   * a group record describes. Each member's sessionDeadline is `now` plus its session timeout; the caller arms
   * the session timers. Throws IllegalTransitionError unless the group is freshly built (Empty, no members).
   */
  restore(
    snapshot: {
      generationId: number;
      protocolType: string;
      protocolName: string;
      leaderId: string;
      members: readonly GroupRecordMember[];
    },
    now: number,
  ): void {
    if (!this.is('Empty') || this.members.size > 0) {
      throw new IllegalTransitionError(
        `group '${this.groupId}': illegal restore ${this.state} → Stable: only a freshly loaded group can be restored`,
      );
    }
    if (snapshot.members.length === 0 || !snapshot.members.some((m) => m.memberId === snapshot.leaderId)) {
      throw new IllegalTransitionError(
        `group '${this.groupId}': cannot restore generation ${snapshot.generationId}: its leader ${snapshot.leaderId} is not among its members`,
      );
    }
    for (const m of snapshot.members) {
      this.add({
        ...m,
        protocolType: snapshot.protocolType,
        awaitingJoin: null,
        awaitingSync: null,
        sessionDeadline: now + m.sessionTimeoutMs,
      });
    }
    this.generationId = snapshot.generationId;
    this.protocolType = snapshot.protocolType;
    this.protocolName = snapshot.protocolName;
    this.leaderId = snapshot.leaderId;
    this.state = 'Stable';
    this.stateSince = now;
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  get size(): number {
    return this.members.size;
  }

  add(member: Member): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.leaderId === null) this.leaderId = member.memberId;
  }

  remove(memberId: string): Member | undefined {
    const member = this.members.get(memberId);
    if (!member) return undefined;
    this.members.delete(memberId);
    this.pendingSync.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    return member;
  }

  /**
   * Static membership: the member registered under `instanceId` gets a new member id and keeps its
   * assignment (the member object is re-keyed in place). Returns the old id and the old id's pending
   * join/sync callbacks, which the caller answers with FENCED_INSTANCE_ID.
   */
  replaceStaticMember(
    instanceId: string,
    newId: string,
  ): { member: Member; oldId: string; oldJoin: Member['awaitingJoin']; oldSync: Member['awaitingSync'] } {
    const oldId = this.staticMembers.get(instanceId)!;
    const member = this.members.get(oldId)!;
    const oldJoin = member.awaitingJoin;
    const oldSync = member.awaitingSync;
    member.awaitingJoin = null;
    member.awaitingSync = null;
    member.memberId = newId;
    this.members.delete(oldId);
    this.members.set(newId, member);
    this.staticMembers.set(instanceId, newId);
    if (this.pendingSync.delete(oldId)) this.pendingSync.add(newId);
    if (this.leaderId === oldId) this.leaderId = newId;
    return { member, oldId, oldJoin, oldSync };
  }

  memberIdOfInstance(instanceId: string): string | undefined {
    return this.staticMembers.get(instanceId);
  }

  /** A request naming a static instance that is now registered to a different member id comes from a fenced incarnation. */
  isFenced(memberId: string, instanceId: string | null): boolean {
    if (instanceId === null) return false;
    const registered = this.memberIdOfInstance(instanceId);
    return registered !== undefined && registered !== memberId;
  }

  allMembersJoined(): boolean {
    for (const m of this.members.values()) if (m.awaitingJoin === null) return false;
    return true;
  }

  /** Longest rebalance timeout of the members: how long a rebalance may wait for rejoins. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** Assignor names every member supports, in the leader's (else first member's) order of preference. */
  candidateProtocols(): string[] {
    const members = [...this.members.values()];
    if (members.length === 0) return [];
    const first = (this.leaderId && this.members.get(this.leaderId)) || members[0]!;
    return first.protocols
      .map((p) => p.name)
      .filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
  }

  /** Could a member offering `protocols` of `protocolType` join without breaking the group's protocol agreement? */
  supportsProtocols(protocolType: string, protocols: JoinGroupProtocol[]): boolean {
    if (protocolType === '' || protocols.length === 0) return false;
    if (this.members.size === 0) return true;
    if (protocolType !== this.protocolType) return false;
    const candidates = this.candidateProtocols();
    return protocols.some((p) => candidates.includes(p.name));
  }

  /**
   * Picks the assignor: each member votes for its most preferred candidate; the most votes wins, ties
   * going to the leader's preference order.
   */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    if (candidates.length === 0) throw new Error(`group '${this.groupId}': members share no protocol`);
    const votes = new Map<string, number>(candidates.map((c) => [c, 0]));
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => votes.has(p.name))!.name;
      votes.set(choice, votes.get(choice)! + 1);
    }
    let best = candidates[0]!;
    for (const c of candidates) if (votes.get(c)! > votes.get(best)!) best = c;
    return best;
  }

  /** The member's metadata for the chosen protocol (the bytes the leader's assignor reads). */
  metadataOf(member: Member, protocolName = this.protocolName): Buffer {
    return member.protocols.find((p) => p.name === protocolName)?.metadata ?? EMPTY;
  }

  /** Same protocols with the same metadata bytes, in the same order? */
  static sameProtocols(a: JoinGroupProtocol[], b: JoinGroupProtocol[]): boolean {
    return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
  }

  clearAssignments(): void {
    for (const m of this.members.values()) m.assignment = EMPTY;
  }
}
