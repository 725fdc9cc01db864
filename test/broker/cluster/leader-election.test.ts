// The controller's clean election, with brokers dead and brokers shutting down (controlled shutdown).
import { describe, expect, it } from 'vitest';
import { electLeader } from '../../../src/broker/cluster/leader-election.js';

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
