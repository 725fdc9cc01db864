import { describe, expect, it } from 'vitest';
import {
  DELAY,
  ErrorCode,
  harness,
  heartbeat,
  isPending,
  join,
  now,
  REBALANCE,
  SESSION,
  settle,
  stableGroup,
  sync,
} from './harness.js';

describe('group coordinator: join and sync', () => {
  it('gives a first member a generated id, makes it leader, and completes after the initial join window', async () => {
    const h = await harness();
    const p = join(h, 'g', { clientId: 'svc' });
    expect(await isPending(p)).toBe(true);
    expect(h.coordinator.groups.get('g')!.state).toBe('PreparingRebalance');
    h.clock.advance(DELAY);
    const r = await now(p);
    expect(r.errorCode).toBe(0);
    expect(r.memberId).toMatch(/^svc-[0-9a-f-]{36}$/);
    expect(r.leader).toBe(r.memberId);
    expect(r.generationId).toBe(1);
    expect(r.protocolName).toBe('range');
    expect(r.members.map((m) => m.memberId)).toEqual([r.memberId]);
    expect(h.coordinator.groups.get('g')!.state).toBe('CompletingRebalance');
    const s = await now(sync(h, 'g', r, { [r.memberId]: 'mine' }));
    expect(s.assignment.toString()).toBe('mine');
    expect(h.coordinator.groups.get('g')!.state).toBe('Stable');
  });

  it('collects members joining within the window into one generation; only the leader sees the members', async () => {
    const h = await harness();
    const joins = await stableGroup(h, 'g', 3);
    expect(new Set(joins.map((j) => j.generationId))).toEqual(new Set([1]));
    const leaders = joins.filter((j) => j.leader === j.memberId);
    expect(leaders).toHaveLength(1);
    expect(leaders[0]!.members).toHaveLength(3);
    expect(joins.filter((j) => j !== leaders[0]).every((j) => j.members.length === 0)).toBe(true);
    const again = await Promise.all(joins.map((j) => sync(h, 'g', j)));
    expect(again.map((s) => s.assignment.toString())).toEqual(['a0', 'a1', 'a2']);
  });

  it('extends the initial window while members keep arriving, within the rebalance timeout', async () => {
    const h = await harness({ initialRebalanceDelayMs: 1_000 });
    const a = join(h, 'g', { rebalance: 2_500 });
    h.clock.advance(900);
    const b = join(h, 'g', { rebalance: 2_500 });
    h.clock.advance(100); // first window ends, b arrived during it: wait another window
    expect(await isPending(a)).toBe(true);
    h.clock.advance(1_000);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.generationId).toBe(1);
    expect(rb.generationId).toBe(1);
  });

  it('holds followers in SyncGroup until the leader assigns', async () => {
    const h = await harness();
    const pending = [join(h, 'g'), join(h, 'g')];
    settle(h, 'g');
    const [a, b] = await Promise.all(pending);
    const follower = a!.leader === a!.memberId ? b! : a!;
    const leader = follower === a ? b! : a!;
    const fs = sync(h, 'g', follower);
    expect(await isPending(fs)).toBe(true);
    expect(heartbeat(h, 'g', follower.memberId, follower.generationId)).toBe(0);
    await sync(h, 'g', leader, { [follower.memberId]: 'F', [leader.memberId]: 'L' });
    expect((await now(fs)).assignment.toString()).toBe('F');
  });

  it('picks the protocol every member supports, by votes', async () => {
    const h = await harness();
    const a = join(h, 'g', {
      protocols: [
        ['cooperative-sticky', 'x'],
        ['range', 'y'],
      ],
    });
    const b = join(h, 'g', { protocols: [['range', 'z']] });
    settle(h, 'g');
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.protocolName).toBe('range');
    const leader = ra.leader === ra.memberId ? ra : rb;
    expect(leader.members.map((m) => m.metadata.toString()).sort()).toEqual(['y', 'z']);
    const c = await join(h, 'g', { protocols: [['roundrobin', 'w']] });
    expect(c.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(c.errorMessage).toContain('shares no protocol');
  });

  it('rejects bad joins: empty group id, session timeout out of range, unknown member id', async () => {
    const h = await harness({ minSessionTimeoutMs: 1_000 });
    expect((await join(h, '')).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await join(h, 'g', { session: 10 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    const r = await join(h, 'g', { memberId: 'ghost' });
    expect(r.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(h.coordinator.groups.has('g')).toBe(false);
  });

  it('caps the group size when configured', async () => {
    const h = await harness({ maxGroupSize: 1 });
    void join(h, 'g');
    expect((await join(h, 'g')).errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
  });

  it('caps the group size at 1,000 members by default (each holds its metadata)', async () => {
    const h = await harness();
    for (let i = 0; i < 1000; i++) void join(h, 'g');
    const refused = await join(h, 'g');
    expect(refused.errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    expect(refused.errorMessage).toBe("group 'g' already has 1000 members, the broker's maxGroupSize");
  });
});

describe('group coordinator: rebalances', () => {
  it('a new member moves a Stable group to PreparingRebalance; heartbeats tell members to rejoin', async () => {
    const h = await harness();
    const [a, b] = await stableGroup(h, 'g', 2);
    const c = join(h, 'g');
    expect(h.coordinator.groups.get('g')!.state).toBe('PreparingRebalance');
    expect(heartbeat(h, 'g', a!.memberId, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const ra = join(h, 'g', { memberId: a!.memberId });
    expect(await isPending(c)).toBe(true);
    const rb = join(h, 'g', { memberId: b!.memberId });
    const all = await Promise.all([ra, rb, c]);
    expect(all.map((r) => r.generationId)).toEqual([2, 2, 2]);
    expect(all.map((r) => r.errorCode)).toEqual([0, 0, 0]);
    expect(all[0]!.leader).toBe(a!.leader);
  });

  it('removes members that do not rejoin within the rebalance timeout', async () => {
    const h = await harness();
    const [a, b] = await stableGroup(h, 'g', 2);
    const c = join(h, 'g');
    const ra = join(h, 'g', { memberId: a!.memberId });
    for (let t = 0; t < REBALANCE - 1_000; t += 1_000) {
      h.clock.advance(1_000);
      heartbeat(h, 'g', b!.memberId, 1); // alive but never rejoins
    }
    expect(await isPending(c)).toBe(true);
    h.clock.advance(1_000);
    const [rc, raa] = await Promise.all([c, ra]);
    expect(rc.generationId).toBe(2);
    expect(raa.generationId).toBe(2);
    const g = h.coordinator.groups.get('g')!;
    expect([...g.members.keys()].sort()).toEqual([a!.memberId, rc.memberId].sort());
    expect(heartbeat(h, 'g', b!.memberId, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('expires a member whose heartbeats stop, and rebalances the rest', async () => {
    const h = await harness();
    const [a, b] = await stableGroup(h, 'g', 2);
    for (let t = 1_000; t < SESSION; t += 1_000) {
      h.clock.advance(1_000);
      expect(heartbeat(h, 'g', a!.memberId, 1)).toBe(0);
    }
    h.clock.advance(1_000);
    expect(heartbeat(h, 'g', a!.memberId, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const g = h.coordinator.groups.get('g')!;
    expect(g.members.has(b!.memberId)).toBe(false);
    const r = await now(join(h, 'g', { memberId: a!.memberId }));
    expect(r.generationId).toBe(2);
    expect(r.members.map((m) => m.memberId)).toEqual([a!.memberId]);
    expect(heartbeat(h, 'g', b!.memberId, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('answers heartbeats from a stale generation with ILLEGAL_GENERATION and unknown ones with UNKNOWN_MEMBER_ID', async () => {
    const h = await harness();
    const [a] = await stableGroup(h, 'g', 1);
    expect(heartbeat(h, 'g', a!.memberId, 0)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(
      h.coordinator.heartbeat({ groupId: 'g', generationId: 0, memberId: a!.memberId, groupInstanceId: null })
        .errorMessage,
    ).toContain('is at generation 1');
    expect(heartbeat(h, 'g', 'nobody', 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(heartbeat(h, 'nogroup', a!.memberId, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(heartbeat(h, 'g', a!.memberId, 1)).toBe(0);
  });

  it('a leave rebalances the rest; the last leave empties the group', async () => {
    const h = await harness();
    const [a, b] = await stableGroup(h, 'g', 2);
    const res = h.coordinator.leave({
      groupId: 'g',
      members: [
        { memberId: b!.memberId, groupInstanceId: null, reason: null },
        { memberId: 'x', groupInstanceId: null, reason: null },
      ],
    });
    expect(res.members.map((m) => m.errorCode)).toEqual([0, ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(h.coordinator.groups.get('g')!.state).toBe('PreparingRebalance');
    const r = await now(join(h, 'g', { memberId: a!.memberId }));
    expect(r.generationId).toBe(2);
    h.coordinator.leave({ groupId: 'g', members: [{ memberId: a!.memberId, groupInstanceId: null, reason: null }] });
    const g = h.coordinator.groups.get('g')!;
    expect(g.state).toBe('Empty');
    expect(g.generationId).toBe(3);
  });

  it('a member leaving while others wait in JoinGroup completes the join at once', async () => {
    const h = await harness();
    const [a, b] = await stableGroup(h, 'g', 2);
    const c = join(h, 'g');
    const ra = join(h, 'g', { memberId: a!.memberId });
    h.coordinator.leave({ groupId: 'g', members: [{ memberId: b!.memberId, groupInstanceId: null, reason: null }] });
    expect((await now(ra)).generationId).toBe(2);
    expect((await now(c)).errorCode).toBe(0);
  });

  it('removes a leader that never sends SyncGroup within the rebalance timeout', async () => {
    const h = await harness();
    const pending = [join(h, 'g'), join(h, 'g')];
    settle(h, 'g');
    const [a, b] = await Promise.all(pending);
    const follower = a!.leader === a!.memberId ? b! : a!;
    const fs = sync(h, 'g', follower);
    for (let t = 0; t < REBALANCE; t += 1_000) {
      h.clock.advance(1_000);
      heartbeat(h, 'g', follower.leader, follower.generationId); // alive, but never assigns
    }
    expect((await now(fs)).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const g = h.coordinator.groups.get('g')!;
    expect(g.members.has(follower.leader)).toBe(false);
    expect(g.state).toBe('PreparingRebalance');
  });

  it('a known member rejoining Stable with the same metadata gets the current generation back', async () => {
    const h = await harness();
    const [a, b] = await stableGroup(h, 'g', 2);
    const follower = a!.leader === a!.memberId ? b! : a!;
    const r = await now(join(h, 'g', { memberId: follower.memberId }));
    expect(r.generationId).toBe(1);
    expect(h.coordinator.groups.get('g')!.state).toBe('Stable');
    const changed = join(h, 'g', { memberId: follower.memberId, protocols: [['range', 'new']] });
    expect(h.coordinator.groups.get('g')!.state).toBe('PreparingRebalance');
    expect(await isPending(changed)).toBe(true);
  });

  it('close() answers pending joins with COORDINATOR_NOT_AVAILABLE and refuses new requests', async () => {
    const h = await harness();
    const p = join(h, 'g');
    await h.coordinator.close();
    expect((await now(p)).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect((await join(h, 'g')).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});

describe('group coordinator: static membership', () => {
  it('a static member restarting within the session timeout gets its assignment back without a rebalance', async () => {
    const h = await harness();
    const joins = await stableGroup(h, 'g', 1, { instanceId: 'pod-0' });
    const other = join(h, 'g', { instanceId: 'pod-1' });
    const r0 = join(h, 'g', { memberId: joins[0]!.memberId, instanceId: 'pod-0' });
    const [r1, r0b] = await Promise.all([other, r0]);
    const leader = r0b.leader === r0b.memberId ? r0b : r1;
    await Promise.all([
      sync(h, 'g', r0b, leader === r0b ? { [r0b.memberId]: 'P0', [r1.memberId]: 'P1' } : {}, 'pod-0'),
      sync(h, 'g', r1, leader === r1 ? { [r0b.memberId]: 'P0', [r1.memberId]: 'P1' } : {}, 'pod-1'),
    ]);
    const g = h.coordinator.groups.get('g')!;
    expect(g.state).toBe('Stable');
    const generation = g.generationId;

    // pod-1 crashes (no LeaveGroup) and comes back 1 s later with a fresh process (memberId '').
    h.clock.advance(1_000);
    const back = await now(join(h, 'g', { instanceId: 'pod-1' }));
    expect(back.errorCode).toBe(0);
    expect(back.memberId).not.toBe(r1.memberId);
    expect(back.generationId).toBe(generation);
    expect(g.state).toBe('Stable');
    const s = await now(sync(h, 'g', back, {}, 'pod-1'));
    expect(s.assignment.toString()).toBe('P1');
    expect(g.generationId).toBe(generation);
    // The old incarnation, if still alive, is fenced.
    expect(heartbeat(h, 'g', r1.memberId, generation, 'pod-1')).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(heartbeat(h, 'g', back.memberId, generation, 'pod-1')).toBe(0);
  });

  it('a static member gone longer than its session timeout is removed and the group rebalances', async () => {
    const h = await harness();
    const [a] = await stableGroup(h, 'g', 1, { instanceId: 'pod-0' });
    h.clock.advance(SESSION + 1);
    const g = h.coordinator.groups.get('g')!;
    expect(g.members.size).toBe(0);
    expect(g.state).toBe('Empty');
    const back = await (async () => {
      const p = join(h, 'g', { instanceId: 'pod-0' });
      h.clock.advance(DELAY);
      return p;
    })();
    expect(back.generationId).toBe(g.generationId);
    expect(back.generationId).toBeGreaterThan(a!.generationId);
  });

  it('fences a join that claims an instance id registered to another member id', async () => {
    const h = await harness();
    const [a] = await stableGroup(h, 'g', 1, { instanceId: 'pod-0' });
    const r = await now(join(h, 'g', { memberId: a!.memberId, instanceId: 'pod-7' }));
    expect(r.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const leave = h.coordinator.leave({
      groupId: 'g',
      members: [{ memberId: 'someone-else', groupInstanceId: 'pod-0', reason: null }],
    });
    expect(leave.members[0]!.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const ok = h.coordinator.leave({
      groupId: 'g',
      members: [{ memberId: '', groupInstanceId: 'pod-0', reason: null }],
    });
    expect(ok.members[0]!.errorCode).toBe(0);
    expect(h.coordinator.groups.get('g')!.state).toBe('Empty');
  });
});
