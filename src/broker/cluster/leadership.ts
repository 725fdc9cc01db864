// The one question produce, fetch and list-offsets ask in cluster mode: does this broker lead the partition?
// On a single node (broker.cluster undefined) the answer costs one property read and is always yes.
// The broker's own internal topics (`__…`) are per broker for now and always served locally.
import type { PartitionLog } from '../../../storage/index.js';
import type { BrokerContext } from '../handlers/types.js';
import { type PartitionError, partitionError } from '../handlers/storage-errors.js';

export function notLeaderError(broker: BrokerContext, topic: string, partition: number): PartitionError | null {
  const cluster = broker.cluster;
  if (cluster === undefined || topic.startsWith('__') || cluster.isLeader(topic, partition)) return null;
  const state = cluster.partition(topic, partition);
  if (state === undefined || state.leader < 0)
    return partitionError(
      'LEADER_NOT_AVAILABLE',
      `${topic}-${partition} has no leader now${state ? ` (offline: no live in-sync replica of ${state.isr.join(',')})` : ' (not placed yet)'}`,
    );
  return partitionError(
    'NOT_LEADER_FOR_PARTITION',
    `broker ${cluster.brokerId} does not lead ${topic}-${partition}: broker ${state.leader} does (leader epoch ${state.leaderEpoch})`,
  );
}

/**
 * The log a replica request (ReplicaFetch, OffsetForLeaderEpoch) reads: a user topic's from the registry, an
 * internal topic's (`__consumer_offsets`, replicated in cluster mode) from the broker's services.
 */
export function replicaLog(broker: BrokerContext, topic: string, partition: number): PartitionLog | undefined {
  return topic.startsWith('__') ? broker.internalLog(topic, partition) : broker.topics.log(topic, partition);
}
