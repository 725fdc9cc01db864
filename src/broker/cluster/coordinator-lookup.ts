// FindCoordinator's answer for a group in cluster mode: the broker leading `__consumer_offsets` (every group
// maps to its one partition), with the address of the door the client asked through.
import { OFFSETS_TOPIC } from '../groups/offsets-store.js';
import type { ClusterView } from './cluster-node.js';

export type GroupCoordinatorAddress =
  | { nodeId: number; host: string; port: number; kafkaPort: number | null }
  | { unavailable: string };

export function groupCoordinatorAddress(cluster: ClusterView): GroupCoordinatorAddress {
  const state = cluster.partition(OFFSETS_TOPIC, 0);
  if (!state)
    return {
      unavailable: `${OFFSETS_TOPIC} is not placed yet (it needs offsetsTopicReplicationFactor live brokers)`,
    };
  const leader = state.leader >= 0 ? cluster.brokers().find((b) => b.id === state.leader) : undefined;
  if (!leader) return { unavailable: `${OFFSETS_TOPIC} has no live leader now` };
  return { nodeId: leader.id, host: leader.host, port: leader.port, kafkaPort: leader.kafkaPort };
}
