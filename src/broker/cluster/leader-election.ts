// The controller's decision for one partition after brokers come, go or ask to shut down (Kafka's clean
// leader election, and its controlled shutdown). An eligible broker is alive and not shutting down.
//
// ISR: the eligible members; with none, the live ones (a broker shutting down that alone holds every
// acknowledged record stays in it until it is gone); with none of those, the ISR as it was (it never
// becomes empty: its last member stays, so the partition can come back with the one replica known to hold
// every acknowledged record).
// Leader: the current leader while it is eligible and in the ISR; else the first replica, in replica
// order, that is eligible and in the ISR; else the current leader while it is alive and in the ISR (a
// shutting-down leader nobody can replace keeps leading until it stops); else the first live ISR replica;
// with none, the partition is offline (leader -1) rather than led by a replica that may lack acknowledged
// records (unclean election is off). A new leader means a new leader epoch. Returns undefined when nothing
// changes.
import type { PartitionState } from './records.js';

export function electLeader(
  state: PartitionState,
  isAlive: (id: number) => boolean,
  isEligible: (id: number) => boolean = isAlive,
): PartitionState | undefined {
  const eligibleIsr = state.isr.filter(isEligible);
  const liveIsr = state.isr.filter(isAlive);
  const isr = eligibleIsr.length > 0 ? eligibleIsr : liveIsr.length > 0 ? liveIsr : state.isr;
  const current = state.leader;
  const keep = (ok: (id: number) => boolean) => current >= 0 && ok(current) && isr.includes(current);
  const firstOf = (ok: (id: number) => boolean) => state.replicas.find((r) => ok(r) && isr.includes(r));
  const leader = keep(isEligible)
    ? current
    : (firstOf(isEligible) ?? (keep(isAlive) ? current : (firstOf(isAlive) ?? -1)));
  const isrChanged = isr.length !== state.isr.length;
  if (leader === current && !isrChanged) return undefined;
  return {
    replicas: state.replicas,
    leader,
    leaderEpoch: leader === current ? state.leaderEpoch : state.leaderEpoch + 1,
    isr,
  };
}

/**
 * Preferred leader election (Kafka's PreferredReplicaPartitionLeaderElectionStrategy): the first replica
 * leads again when it is eligible and in the ISR. Returns undefined when it leads already or cannot.
 */
export function preferredLeader(
  state: PartitionState,
  isEligible: (id: number) => boolean,
): PartitionState | undefined {
  const preferred = state.replicas[0];
  if (preferred === undefined || state.leader === preferred) return undefined;
  if (!isEligible(preferred) || !state.isr.includes(preferred)) return undefined;
  return { ...state, leader: preferred, leaderEpoch: state.leaderEpoch + 1 };
}

/**
 * Unclean leader election (ElectLeaders with UNCLEAN, asked for by an operator on a topic that allows it):
 * an offline partition (no live leader) is led by its first eligible replica, in or out of the ISR, which
 * becomes the ISR alone; records acknowledged by the lost replicas and missing from it are lost. Returns
 * undefined when a live leader exists or no replica is eligible.
 */
export function uncleanLeader(
  state: PartitionState,
  isAlive: (id: number) => boolean,
  isEligible: (id: number) => boolean,
): PartitionState | undefined {
  if (state.leader >= 0 && isAlive(state.leader)) return undefined;
  const leader = state.replicas.find((r) => isEligible(r) && state.isr.includes(r)) ?? state.replicas.find(isEligible);
  if (leader === undefined) return undefined;
  return { replicas: state.replicas, leader, leaderEpoch: state.leaderEpoch + 1, isr: [leader] };
}

/**
 * Kafka's leader imbalance check: for each broker, the share of the partitions it is preferred for that
 * another broker leads; the brokers above `maxImbalancePercent` are returned (their partitions get a
 * preferred election).
 */
export function imbalancedBrokers(states: Iterable<PartitionState>, maxImbalancePercent: number): Set<number> {
  const preferredFor = new Map<number, number>();
  const notLeading = new Map<number, number>();
  for (const state of states) {
    const preferred = state.replicas[0];
    if (preferred === undefined) continue;
    preferredFor.set(preferred, (preferredFor.get(preferred) ?? 0) + 1);
    if (state.leader !== preferred) notLeading.set(preferred, (notLeading.get(preferred) ?? 0) + 1);
  }
  const out = new Set<number>();
  for (const [broker, total] of preferredFor)
    if (((notLeading.get(broker) ?? 0) * 100) / total > maxImbalancePercent) out.add(broker);
  return out;
}
