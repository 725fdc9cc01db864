// A coordinator restart (a new coordinator replaying the same `__consumer_offsets`) keeps a Stable group's
// members: they carry on at their generation with no rebalance, and one that does not come back expires.
import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { buildRecordBatchSync } from '../../../src/records/index.js';
import { Group, IllegalTransitionError, MemoryOffsetsLog } from '../../../src/broker/groups/index.js';
import { encodeGroupKey } from '../../../src/broker/groups/offsets-codec.js';
import {
  ErrorCode,
  harness,
  heartbeat,
  join,
  now,
  REBALANCE,
  SESSION,
  settle,
  stableGroup,
  sync,
  type Harness,
} from './harness.js';

/** Stops the coordinator (its pending writes land) and starts a new one on the same log. */
async function restart(h: Harness): Promise<Harness> {
  await h.coordinator.close();
  return harness({}, h.log);
}

function commitAs(h: Harness, groupId: string, memberId: string, generationId: number, offset: number) {
  return h.coordinator.commitOffsets({
    groupId,
    generationId,
    memberId,
    groupInstanceId: null,
    topics: [{ name: 'orders', partitions: [{ partition: 0, offset, leaderEpoch: -1, metadata: null }] }],
  });
}

describe('a Stable group across a coordinator restart', () => {
  it('comes back Stable: same generation, members, leader and assignments; heartbeats and commits carry on', async () => {
    const h = await harness();
    const [a, b] = await stableGroup(h, 'g', 2);
    const h2 = await restart(h);

    const group = h2.coordinator.groups.get('g')!;
    expect(group.state).toBe('Stable');
    expect(group.generationId).toBe(1);
    expect(heartbeat(h2, 'g', a!.memberId, 1)).toBe(ErrorCode.NONE);
    expect(heartbeat(h2, 'g', b!.memberId, 1)).toBe(ErrorCode.NONE);
    const committed = await commitAs(h2, 'g', b!.memberId, 1, 42);
    expect(committed.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    const described = h2.coordinator.describeGroups({ groups: ['g'] }).groups[0]!;
    expect(described.groupState).toBe('Stable');
    expect(described.protocolData).toBe('range');
    const leader = a!.leader;
    const assignments = Object.fromEntries(
      described.members.map((m) => [m.memberId, Buffer.from(m.memberAssignment).toString()]),
    );
    expect(assignments).toEqual({ [a!.memberId]: 'a0', [b!.memberId]: 'a1' });
    expect(group.leaderId).toBe(leader);
    // A follower re-checking in keeps the generation; its SyncGroup hands back its assignment.
    const again = await now(join(h2, 'g', { memberId: b!.memberId }));
    expect([again.errorCode, again.generationId]).toEqual([ErrorCode.NONE, 1]);
    const s = await now(sync(h2, 'g', again));
    expect(Buffer.from(s.assignment).toString()).toBe('a1');
    expect(group.generationId).toBe(1);
  });

  it('a member that does not come back expires after its session timeout, and the others rebalance', async () => {
    const h = await harness();
    const [a, b] = await stableGroup(h, 'g', 2);
    const h2 = await restart(h);

    // Only a heartbeats after the restart: b's session, started at load, runs out.
    for (let t = 0; t < SESSION; t += SESSION / 3) {
      h2.clock.advance(SESSION / 3);
      expect([ErrorCode.NONE, ErrorCode.REBALANCE_IN_PROGRESS]).toContain(heartbeat(h2, 'g', a!.memberId, 1));
    }
    expect(h2.coordinator.groups.get('g')!.members.has(b!.memberId)).toBe(false);
    expect(heartbeat(h2, 'g', a!.memberId, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoined = now(join(h2, 'g', { memberId: a!.memberId }));
    const r = await rejoined;
    expect([r.errorCode, r.generationId, r.members.length]).toEqual([ErrorCode.NONE, 2, 1]);
  });

  it('a member that does not come back at all is removed after its session timeout (the group ends Empty)', async () => {
    const h = await harness();
    await stableGroup(h, 'g', 1);
    const h2 = await restart(h);
    h2.clock.advance(SESSION + REBALANCE);
    const group = h2.coordinator.groups.get('g')!;
    expect([group.state, group.size, group.generationId]).toEqual(['Empty', 0, 2]);
  });

  it('a static member restarting after the broker keeps its place and assignment with no rebalance', async () => {
    const h = await harness();
    await stableGroup(h, 'g', 1, { instanceId: 'pod-0' });
    const h2 = await restart(h);
    const r = await now(join(h2, 'g', { instanceId: 'pod-0' }));
    expect([r.errorCode, r.generationId]).toEqual([ErrorCode.NONE, 1]);
    const s = await now(sync(h2, 'g', r, {}, 'pod-0'));
    expect(Buffer.from(s.assignment).toString()).toBe('a0');

    // Its new member id was recorded: it survives a second restart too.
    const h3 = await restart(h2);
    expect(heartbeat(h3, 'g', r.memberId, 1, 'pod-0')).toBe(ErrorCode.NONE);
  });

  it('a group caught mid-rebalance comes back Empty at its generation; its members rejoin', async () => {
    const h = await harness();
    const [a] = await stableGroup(h, 'g', 1);
    // A second member joins: the join completes (generation 2) but the leader never syncs.
    const pendingA = join(h, 'g', { memberId: a!.memberId });
    const pendingB = join(h, 'g');
    settle(h, 'g');
    await Promise.all([pendingA, pendingB]);
    const before = h.coordinator.groups.get('g')!;
    expect(before.state).toBe('CompletingRebalance');
    const generation = before.generationId;
    const h2 = await restart(h);
    const group = h2.coordinator.groups.get('g')!;
    expect([group.state, group.generationId, group.size]).toEqual(['Empty', generation, 0]);
    expect(heartbeat(h2, 'g', a!.memberId, generation)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it("records the Stable group without making SyncGroup wait: a failed write costs only today's rebalance", async () => {
    const h = await harness();
    const pending = join(h, 'g');
    settle(h, 'g');
    const j = await pending;
    await new Promise((resolve) => setImmediate(resolve)); // the join's own record lands first
    h.log.failNextAppend = new Error('disk full');
    const s = await now(sync(h, 'g', j, { [j.memberId]: 'a0' }));
    expect(s.errorCode).toBe(ErrorCode.NONE);
    const h2 = await restart(h);
    expect(h2.coordinator.groups.get('g')!.state).toBe('Empty');
    expect(h2.coordinator.groups.get('g')!.generationId).toBe(1);
  });

  it('still loads a group record written before members were recorded (six elements): Empty at its generation', async () => {
    const log = new MemoryOffsetsLog();
    const oldValue = Buffer.from(encode([0, 'consumer', 7, 'range', false, 1_700_000_000_000]));
    log.batches.push(buildRecordBatchSync([{ key: encodeGroupKey('legacy'), value: oldValue, timestamp: 1 }]));
    const h = await harness({}, log);
    const group = h.coordinator.groups.get('legacy')!;
    expect([group.state, group.generationId, group.protocolType, group.size]).toEqual(['Empty', 7, 'consumer', 0]);
    const p = join(h, 'legacy');
    settle(h, 'legacy');
    expect((await p).generationId).toBe(8);
  });
});

describe('the restore transition', () => {
  const member = {
    memberId: 'm-1',
    groupInstanceId: null,
    clientId: 'app',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 3_000,
    rebalanceTimeoutMs: 10_000,
    protocols: [{ name: 'range', metadata: Buffer.from('m') }],
    assignment: Buffer.from('a0'),
  };
  const snapshot = {
    generationId: 4,
    protocolType: 'consumer',
    protocolName: 'range',
    leaderId: 'm-1',
    members: [member],
  };

  it('takes only a freshly built group to Stable; transitionTo still refuses Empty → Stable', () => {
    const g = new Group('g', 0);
    expect(() => g.transitionTo('Stable', 1)).toThrow(IllegalTransitionError);
    g.restore(snapshot, 10);
    expect([g.state, g.generationId, g.leaderId, g.stateSince]).toEqual(['Stable', 4, 'm-1', 10]);
    expect(g.members.get('m-1')!.sessionDeadline).toBe(3_010);
    expect(() => g.restore(snapshot, 11)).toThrow(/illegal restore Stable → Stable/);
    expect(() => new Group('h', 0).restore({ ...snapshot, leaderId: 'ghost' }, 1)).toThrow(IllegalTransitionError);
  });
});
