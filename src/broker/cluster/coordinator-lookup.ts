// FindCoordinator's answer in cluster mode: a group's coordinator is the broker leading `__consumer_offsets`
// (every group maps to its one partition), a transactional id's the broker leading `__transaction_state`
// (likewise one partition), with the address of the door the client asked through.
import { OFFSETS_TOPIC } from '../groups/offsets-store.js';
import { TRANSACTION_STATE_TOPIC } from '../txn/coordinator.js';
import type { ClusterView } from './cluster-node.js';

export type GroupCoordinatorAddress =
  | { nodeId: number; host: string; port: number; kafkaPort: number | null }
  | { unavailable: string };

export function groupCoordinatorAddress(cluster: ClusterView): GroupCoordinatorAddress {
  return internalLeaderAddress(cluster, OFFSETS_TOPIC);
}

export function transactionCoordinatorAddress(cluster: ClusterView): GroupCoordinatorAddress {
  return internalLeaderAddress(cluster, TRANSACTION_STATE_TOPIC);
}

/** The coordinator of key type 0 (a group) or 1 (a transactional id). */
export function coordinatorAddress(cluster: ClusterView, keyType: 0 | 1): GroupCoordinatorAddress {
  return keyType === 1 ? transactionCoordinatorAddress(cluster) : groupCoordinatorAddress(cluster);
}

function internalLeaderAddress(cluster: ClusterView, topic: string): GroupCoordinatorAddress {
  const state = cluster.partition(topic, 0);
  if (!state)
    return {
      unavailable: `${topic} is not placed yet (it needs offsetsTopicReplicationFactor live brokers)`,
    };
  const leader = state.leader >= 0 ? cluster.brokers().find((b) => b.id === state.leader) : undefined;
  if (!leader) return { unavailable: `${topic} has no live leader now` };
  return { nodeId: leader.id, host: leader.host, port: leader.port, kafkaPort: leader.kafkaPort };
}
