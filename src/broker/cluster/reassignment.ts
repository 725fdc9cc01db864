// The controller's steps for one partition reassignment (Kafka's KIP-455, with etcd in ZooKeeper's place):
//   1. the replica set grows to target + the old replicas not in it (target first, so its first replica is
//      the preferred leader): the new replicas start fetching from the leader, which serves them at the
//      request's throttle while they are outside the ISR (replica-manager.ts);
//   2. once every target replica is in the ISR, the replica set becomes the target: the old replicas leave
//      it and the ISR, and the leader moves to a target replica in the ISR (new epoch) if it is not one.
// Pure: the controller writes what this returns, with its fenced compare-and-swap.
import type { PartitionState } from './records.js';

export type ReassignmentStep =
  /** Write `next`; the reassignment goes on after it. */
  | { kind: 'grow'; next: PartitionState }
  /** Write `next` (if any) and remove the request: the reassignment is complete. */
  | { kind: 'finish'; next: PartitionState | undefined }
  /** New replicas are still catching up. */
  | { kind: 'wait' };

export function reassignmentStep(
  state: PartitionState,
  target: readonly number[],
  isEligible: (id: number) => boolean,
): ReassignmentStep {
  if (sameOrder(state.replicas, target)) return { kind: 'finish', next: undefined };
  if (target.some((r) => !state.replicas.includes(r)))
    return {
      kind: 'grow',
      next: { ...state, replicas: [...target, ...state.replicas.filter((r) => !target.includes(r))] },
    };
  if (!target.every((r) => state.isr.includes(r))) return { kind: 'wait' };
  const isr = state.isr.filter((r) => target.includes(r));
  const keeps = state.leader >= 0 && target.includes(state.leader);
  const leader = keeps ? state.leader : (target.find((r) => isr.includes(r) && isEligible(r)) ?? -1);
  return {
    kind: 'finish',
    next: {
      replicas: [...target],
      leader,
      leaderEpoch: leader === state.leader ? state.leaderEpoch : state.leaderEpoch + 1,
      isr,
    },
  };
}

function sameOrder(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => b[i] === id);
}
