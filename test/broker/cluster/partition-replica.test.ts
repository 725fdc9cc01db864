// The leader's bookkeeping (PartitionReplica) and acks=-1's purgatory (AckWaiters), without a network: the
// high watermark is the ISR's lowest log end and never moves back, an ISR member that has not fetched holds
// it, a follower not caught up for longer than the lag bound is a shrink candidate, one that reached the
// high watermark in this epoch may join; acks=-1 waiters are released by the high watermark, time out, or
// are answered "not leader" when leadership goes.
import { describe, expect, it, vi } from 'vitest';
import { AckWaiters } from '../../../src/broker/cluster/ack-waiters.js';
import { PartitionReplica } from '../../../src/broker/cluster/partition-replica.js';

describe('PartitionReplica', () => {
  it('the high watermark is the lowest log end of the ISR, moves forward only, and waits for silent members', () => {
    const r = new PartitionReplica('t', 0, 1, 0);
    r.becomeLeader(4, [1, 2, 3], [1, 2, 3], 10, 0);
    expect(r.highWatermark).toBe(0); // 2 and 3 have not fetched yet
    expect(r.followerFetched(2, 10, 10, 1)).toBe(false);
    expect(r.followerFetched(3, 6, 10, 1)).toBe(true);
    expect(r.highWatermark).toBe(6);
    r.followerFetched(3, 10, 12, 2);
    expect(r.highWatermark).toBe(10);
    // A follower reporting a lower end (it truncated) never takes the high watermark back.
    r.followerFetched(2, 8, 12, 3);
    expect(r.highWatermark).toBe(10);
    // Alone in the ISR, the leader's own log end is the high watermark.
    r.updateIsr([1], 12);
    expect(r.highWatermark).toBe(12);
  });

  it('keeps a checkpointed high watermark as its start, capped at the log end', () => {
    const r = new PartitionReplica('t', 0, 1, 50);
    r.becomeLeader(1, [1, 2], [1, 2], 40, 0);
    expect(r.highWatermark).toBe(40);
    const f = new PartitionReplica('t', 0, 2, 7);
    f.becomeFollower(1, 1, [1, 2], 9);
    f.followerHighWatermark(30, 9);
    expect(f.highWatermark).toBe(9);
    f.truncated(5);
    expect(f.highWatermark).toBe(5);
  });

  it('lagging followers and followers that may join the ISR', () => {
    const r = new PartitionReplica('t', 0, 1, 0);
    r.becomeLeader(2, [1, 2, 3], [1, 2], 0, 0);
    r.followerFetched(2, 0, 0, 100);
    r.followerFetched(3, 0, 0, 100);
    expect(r.laggingFollowers(5_000, 10_000)).toEqual([]);
    // 2 keeps fetching but never reaches the log end as of its fetch before: last caught up at 100.
    r.followerFetched(2, 0, 50, 200);
    r.followerFetched(2, 10, 90, 9_000);
    expect(r.laggingFollowers(10_000, 10_000)).toEqual([]);
    expect(r.laggingFollowers(10_200, 10_000)).toEqual([2]);
    // Reaching the end it saw at its previous fetch (90) counts as caught up as of that fetch.
    r.followerFetched(2, 90, 120, 10_300);
    expect(r.laggingFollowers(10_300, 10_000)).toEqual([]);
    // 3 is outside the ISR: it may join once it holds the high watermark and this epoch's first offset.
    expect(r.highWatermark).toBe(90);
    expect(r.mayJoinIsr(3, 0)).toBe(false);
    r.followerFetched(3, 90, 120, 10_400);
    expect(r.mayJoinIsr(3, 0)).toBe(true);
    expect(r.mayJoinIsr(3, 100)).toBe(false);
    expect(r.mayJoinIsr(2, 0)).toBe(false); // already in
  });
});

describe('AckWaiters', () => {
  it('releases waiters the high watermark covers, times out the rest, answers not-leader on leadership loss', async () => {
    vi.useFakeTimers();
    try {
      const acks = new AckWaiters();
      const a = acks.wait('t', 0, 5, 1000);
      const b = acks.wait('t', 0, 9, 1000);
      const c = acks.wait('t', 1, 3, 1000);
      const d = acks.wait('t', 1, 4, 50);
      acks.advanced('t', 0, 6);
      expect(await a).toBe('committed');
      vi.advanceTimersByTime(60);
      expect(await d).toBe('timed-out');
      acks.leadershipLost('t', 1);
      expect(await c).toBe('not-leader');
      acks.advanced('t', 0, 9);
      expect(await b).toBe('committed');
    } finally {
      vi.useRealTimers();
    }
  });
});
