// The controller's decision for one partition after brokers come and go (Kafka's clean leader election):
// dead brokers leave the ISR, except that the ISR never becomes empty (its last member stays, so the
// partition can come back with the one replica known to hold every acknowledged record); the leader is
// the first replica, in replica order, that is alive and in the ISR; with none, the partition is offline
// (leader -1) rather than led by a replica that may lack acknowledged records (unclean election is off).
// A new leader means a new leader epoch. Returns undefined when nothing changes.
import type { PartitionState } from './records.js';

export function electLeader(state: PartitionState, isAlive: (id: number) => boolean): PartitionState | undefined {
  const liveIsr = state.isr.filter(isAlive);
  const isr = liveIsr.length > 0 ? liveIsr : state.isr;
  const leaderAlive = state.leader >= 0 && isAlive(state.leader) && isr.includes(state.leader);
  const leader = leaderAlive ? state.leader : (state.replicas.find((r) => isAlive(r) && isr.includes(r)) ?? -1);
  const isrChanged = isr.length !== state.isr.length;
  if (leader === state.leader && !isrChanged) return undefined;
  return {
    replicas: state.replicas,
    leader,
    leaderEpoch: leader === state.leader ? state.leaderEpoch : state.leaderEpoch + 1,
    isr,
  };
}
