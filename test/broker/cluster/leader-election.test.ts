// The controller's clean election, with brokers dead and brokers shutting down (controlled shutdown).
import { describe, expect, it } from 'vitest';
import { electLeader, imbalancedBrokers, preferredLeader } from '../../../src/broker/cluster/leader-election.js';
import { reassignmentStep } from '../../../src/broker/cluster/reassignment.js';

const state = { replicas: [1, 2, 3], leader: 1, leaderEpoch: 4, isr: [1, 2, 3] };
const alive =
  (...ids: number[]) =>
  (id: number) =>
    ids.includes(id);

describe('electLeader', () => {
  it('changes nothing while the leader and the ISR are alive and eligible', () => {
    expect(electLeader(state, alive(1, 2, 3))).toBeUndefined();
  });

  it('moves a dead leader to the next ISR replica in replica order, with a new epoch', () => {
    expect(electLeader(state, alive(2, 3))).toEqual({ replicas: [1, 2, 3], leader: 2, leaderEpoch: 5, isr: [2, 3] });
  });

  it('moves a shutting-down leader to another eligible ISR member and takes it out of the ISR', () => {
    expect(electLeader(state, alive(1, 2, 3), alive(2, 3))).toEqual({
      replicas: [1, 2, 3],
      leader: 2,
      leaderEpoch: 5,
      isr: [2, 3],
    });
  });

  it('takes a shutting-down follower out of the ISR and keeps the leader and its epoch', () => {
    expect(electLeader(state, alive(1, 2, 3), alive(1, 2))).toEqual({ ...state, isr: [1, 2] });
  });

  it('a shutting-down leader alone in the ISR keeps leading (nobody holds every acknowledged record)', () => {
    expect(electLeader({ ...state, isr: [1] }, alive(1, 2, 3), alive(2, 3))).toBeUndefined();
  });

  it('with no live ISR member the partition goes offline and the ISR keeps its last member', () => {
    expect(electLeader({ ...state, isr: [1] }, alive(2, 3))).toEqual({
      replicas: [1, 2, 3],
      leader: -1,
      leaderEpoch: 5,
      isr: [1],
    });
  });
});

describe('preferredLeader and the imbalance check', () => {
  it('moves leadership to the first replica only when it is eligible and in the ISR', () => {
    const led = { replicas: [1, 2, 3], leader: 2, leaderEpoch: 7, isr: [1, 2, 3] };
    expect(preferredLeader(led, alive(1, 2, 3))).toEqual({ ...led, leader: 1, leaderEpoch: 8 });
    expect(preferredLeader({ ...led, isr: [2, 3] }, alive(1, 2, 3))).toBeUndefined();
    expect(preferredLeader(led, alive(2, 3))).toBeUndefined();
    expect(preferredLeader({ ...led, leader: 1 }, alive(1, 2, 3))).toBeUndefined();
  });

  it('names the brokers leading too few of their preferred partitions (above the percentage)', () => {
    const states = [
      { replicas: [1, 2], leader: 2, leaderEpoch: 1, isr: [1, 2] },
      { replicas: [1, 2], leader: 1, leaderEpoch: 1, isr: [1, 2] },
      { replicas: [2, 1], leader: 2, leaderEpoch: 1, isr: [1, 2] },
    ];
    expect([...imbalancedBrokers(states, 10)]).toEqual([1]);
    expect([...imbalancedBrokers(states, 50)]).toEqual([]);
  });
});

describe('reassignmentStep', () => {
  const at = { replicas: [1, 2], leader: 1, leaderEpoch: 3, isr: [1, 2] };
  const all = alive(1, 2, 3);

  it('first grows the replica set: the target first, then the old replicas it drops', () => {
    expect(reassignmentStep(at, [3, 2], all)).toEqual({ kind: 'grow', next: { ...at, replicas: [3, 2, 1] } });
  });

  it('waits while a target replica is outside the ISR', () => {
    expect(reassignmentStep({ ...at, replicas: [3, 2, 1] }, [3, 2], all)).toEqual({ kind: 'wait' });
  });

  it('then switches to the target: the old replica leaves the ISR and the leadership moves to the new preferred replica, with a new epoch', () => {
    expect(reassignmentStep({ ...at, replicas: [3, 2, 1], isr: [1, 2, 3] }, [3, 2], all)).toEqual({
      kind: 'finish',
      next: { replicas: [3, 2], leader: 3, leaderEpoch: 4, isr: [2, 3] },
    });
  });

  it('is done at once when the replica set already is the target', () => {
    expect(reassignmentStep(at, [1, 2], all)).toEqual({ kind: 'finish', next: undefined });
  });
});
