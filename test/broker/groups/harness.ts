// Drives a GroupCoordinator on a manual clock: no sockets, no sleeping. Its answers are read as the native
// door sends them (handlers/group-answers.ts: the coordinator's domain errors as wire codes and messages).
import type { Answer } from '../../../src/broker/handlers/types.js';
import type {
  DeleteGroupsRequest,
  DescribeGroupsRequest,
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  ListGroupsRequest,
  OffsetCommitRequest,
  OffsetFetchRequest,
  SyncGroupRequest,
  SyncGroupResponse,
} from '../../../src/protocol/index.js';
import { ErrorCode } from '../../../src/protocol/index.js';
import {
  GroupCoordinator,
  ManualScheduler,
  MemoryOffsetsLog,
  OffsetsStore,
  type GroupCoordinatorConfig,
  type MemberClient,
} from '../../../src/broker/groups/index.js';
import {
  commitResponse,
  deleteGroupsResponse,
  describeGroupsResponse,
  heartbeatResponse,
  joinResponse,
  leaveResponse,
  listGroupsResponse,
  offsetFetchResponse,
  syncResponse,
} from '../../../src/broker/handlers/group-answers.js';

/** A coordinator whose answers are the native door's responses; everything else is the coordinator's own. */
export class WireCoordinator {
  constructor(readonly domain: GroupCoordinator) {}

  get groups() {
    return this.domain.groups;
  }

  start = () => this.domain.start();
  close = () => this.domain.close();
  topicDeleted = (topic: string) => this.domain.topicDeleted(topic);
  expireOffsets = () => this.domain.expireOffsets();
  join = (req: JoinGroupRequest, ctx: MemberClient) => this.domain.join(req, ctx).then(joinResponse);
  sync = (req: SyncGroupRequest) => this.domain.sync(req).then(syncResponse);
  heartbeat = (req: HeartbeatRequest) => heartbeatResponse(this.domain.heartbeat(req));
  leave = (req: LeaveGroupRequest) => leaveResponse(this.domain.leave(req));
  commitOffsets = (req: OffsetCommitRequest) => this.domain.commitOffsets(req).then(commitResponse);
  fetchOffsets = (req: Pick<OffsetFetchRequest, 'groupId' | 'topics'>) =>
    offsetFetchResponse(this.domain.fetchOffsets(req));
  listGroups = (req: ListGroupsRequest) => listGroupsResponse(this.domain.listGroups(req));
  describeGroups = (req: DescribeGroupsRequest) => describeGroupsResponse(this.domain.describeGroups(req));
  deleteGroups = (req: DeleteGroupsRequest) => this.domain.deleteGroups(req).then(deleteGroupsResponse);
}

export const SESSION = 3_000;
export const REBALANCE = 10_000;
export const DELAY = 100;

export interface Harness {
  clock: ManualScheduler;
  log: MemoryOffsetsLog;
  coordinator: WireCoordinator;
  /** topic → log end offset per partition. */
  topics: Map<string, number[]>;
}

export async function harness(
  config: Partial<GroupCoordinatorConfig> = {},
  log = new MemoryOffsetsLog(),
  clock = new ManualScheduler(),
): Promise<Harness> {
  const topics = new Map<string, number[]>([
    ['orders', [100, 50, 0]],
    ['events', [10]],
  ]);
  const domain = new GroupCoordinator({
    store: new OffsetsStore(log),
    topics: { logEndOffset: (t, p) => topics.get(t)?.[p] },
    scheduler: clock,
    config: { initialRebalanceDelayMs: DELAY, ...config },
  });
  const coordinator = new WireCoordinator(domain);
  await coordinator.start();
  return { clock, log, coordinator, topics };
}

export interface JoinOptions {
  memberId?: string;
  instanceId?: string | null;
  protocols?: Array<[string, string]>;
  session?: number;
  rebalance?: number;
  clientId?: string;
}

export function join(h: Harness, groupId: string, o: JoinOptions = {}): Promise<Answer<JoinGroupResponse>> {
  return h.coordinator.join(
    {
      groupId,
      sessionTimeoutMs: o.session ?? SESSION,
      rebalanceTimeoutMs: o.rebalance ?? REBALANCE,
      memberId: o.memberId ?? '',
      groupInstanceId: o.instanceId ?? null,
      protocolType: 'consumer',
      protocols: (o.protocols ?? [['range', 'm']]).map(([name, meta]) => ({ name, metadata: Buffer.from(meta) })),
      reason: null,
    },
    { clientId: o.clientId ?? 'app', clientHost: '/127.0.0.1' },
  );
}

export function sync(
  h: Harness,
  groupId: string,
  r: Answer<JoinGroupResponse>,
  assignments: Record<string, string> = {},
  instanceId: string | null = null,
): Promise<Answer<SyncGroupResponse>> {
  return h.coordinator.sync({
    groupId,
    generationId: r.generationId,
    memberId: r.memberId,
    groupInstanceId: instanceId,
    protocolType: 'consumer',
    protocolName: r.protocolName,
    assignments: Object.entries(assignments).map(([memberId, a]) => ({ memberId, assignment: Buffer.from(a) })),
  });
}

export function heartbeat(
  h: Harness,
  groupId: string,
  memberId: string,
  generationId: number,
  instanceId: string | null = null,
): number {
  return h.coordinator.heartbeat({ groupId, generationId, memberId, groupInstanceId: instanceId }).errorCode;
}

/** Settles a promise made by the coordinator, failing if it has not settled yet. */
export async function now<T>(p: Promise<T>): Promise<T> {
  const pending = Symbol('pending');
  const result = await Promise.race([p, Promise.resolve().then(() => pending)]);
  if (result === pending) throw new Error('promise still pending');
  return result as T;
}

export async function isPending(p: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  return (await Promise.race([p, new Promise((r) => setImmediate(() => r(pending)))])) === pending;
}

/** Joins `n` members into a Stable group; the leader assigns `member → 'a<i>'`. */
export async function stableGroup(
  h: Harness,
  groupId: string,
  n: number,
  o: JoinOptions = {},
): Promise<Answer<JoinGroupResponse>[]> {
  const pending = Array.from({ length: n }, () => join(h, groupId, o));
  settle(h, groupId);
  const joins = await Promise.all(pending);
  const leader = joins.find((j) => j.leader === j.memberId)!;
  const assignments = Object.fromEntries(joins.map((j, i) => [j.memberId, `a${i}`]));
  await Promise.all(joins.map((j) => sync(h, groupId, j, j === leader ? assignments : {})));
  return joins;
}

/** Advances the clock window by window until the group's join completes (the initial window extends per arrival). */
export function settle(h: Harness, groupId: string): void {
  for (let i = 0; i < 1_000 && h.coordinator.groups.get(groupId)?.state === 'PreparingRebalance'; i++)
    h.clock.advance(DELAY);
}

export { ErrorCode };
