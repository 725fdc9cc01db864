// A transaction marker written by a partition's leader in cluster mode, whoever asked (the transaction
// coordinator on this broker, or another broker's through WriteTxnMarkers): accepted only while this broker
// leads the partition, stamped with the leader epoch (so a follower truncates a deposed leader's marker
// like any other batch), and answered once the in-sync replicas hold it (the high watermark passed it): a
// marker the coordinator was told is written survives the leader's death. Refused, like an acks=-1 produce,
// while the ISR is below min.insync.replicas.
import type { BrokerContext } from '../handlers/types.js';
import { type PartitionError, partitionError, toPartitionError } from '../handlers/storage-errors.js';
import type { Marker } from '../txn/markers.js';
import { notLeaderError } from './leadership.js';

/** Null once the marker is in the partition's in-sync replicas; else why not (the coordinator retries). */
export async function writeMarkerAsLeader(
  broker: BrokerContext,
  topic: string,
  partition: number,
  marker: Marker,
  timeoutMs: number,
): Promise<PartitionError | null> {
  const where = `${topic}-${partition}`;
  const cluster = broker.cluster;
  const replication = cluster?.replication;
  if (!cluster || !replication) return partitionError('NOT_LEADER_FOR_PARTITION', 'this broker is not in cluster mode');
  const notLeader = notLeaderError(broker, topic, partition);
  if (notLeader) return notLeader;
  const log = broker.topics.log(topic, partition);
  if (!log) return partitionError('UNKNOWN_TOPIC_OR_PARTITION', `${where} does not exist on this broker`);
  // A marker is an acks=-1 write (Kafka appends markers with requiredAcks -1): refused while the ISR is
  // below min.insync.replicas, before anything is written; the coordinator retries until the ISR is back.
  const short = replication.notEnoughReplicas(topic, partition);
  if (short) return partitionError('NOT_ENOUGH_REPLICAS', short);
  const leaderEpoch = cluster.partition(topic, partition)?.leaderEpoch;
  // Synchronously before the marker is queued: a batch of this transaction not queued yet is refused.
  broker.clusterTransactions?.writes.markerWritten(marker.producerId, topic, partition);
  try {
    const result = await log.appendMarker(marker, { leaderEpoch });
    // Consumers' and followers' parked fetches wake now: the last stable offset moved.
    broker.waiters.notify(topic, partition);
    replication.appended(topic, partition);
    const outcome = await replication.awaitCommitted(topic, partition, result.lastOffset + 1, timeoutMs);
    if (outcome === 'timed-out')
      return partitionError(
        'REQUEST_TIMED_OUT',
        `${where}: the in-sync replicas did not confirm the transaction marker within ${timeoutMs} ms`,
      );
    if (outcome === 'not-leader')
      return partitionError(
        'NOT_LEADER_FOR_PARTITION',
        `${where}: this broker stopped leading before the in-sync replicas confirmed the transaction marker`,
      );
    return null;
  } catch (error) {
    return toPartitionError(error, where, broker.logger);
  }
}
