// Drives a GroupCoordinator on a manual clock: no sockets, no sleeping.
import { ErrorCode, type JoinGroupResponse, type SyncGroupResponse } from '../../../src/protocol/index.js';
import {
  GroupCoordinator,
  ManualScheduler,
  MemoryOffsetsLog,
  OffsetsStore,
  type GroupCoordinatorConfig,
} from '../../../src/broker/groups/index.js';

export const SESSION = 3_000;
export const REBALANCE = 10_000;
export const DELAY = 100;

export interface Harness {
  clock: ManualScheduler;
  log: MemoryOffsetsLog;
  coordinator: GroupCoordinator;
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
  const coordinator = new GroupCoordinator({
    store: new OffsetsStore(log),
    topics: { logEndOffset: (t, p) => topics.get(t)?.[p] },
    scheduler: clock,
    config: { initialRebalanceDelayMs: DELAY, ...config },
  });
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

export function join(h: Harness, groupId: string, o: JoinOptions = {}): Promise<JoinGroupResponse> {
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
  r: JoinGroupResponse,
  assignments: Record<string, string> = {},
  instanceId: string | null = null,
): Promise<SyncGroupResponse> {
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
): Promise<JoinGroupResponse[]> {
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
