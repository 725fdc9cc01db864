// OffsetForLeaderEpoch (native key 1101, broker to broker; Kafka's key 23 semantics): where the asked epoch
// ends in this leader's log (PartitionLog.endOffsetForLeaderEpoch: the largest epoch at or below it and the
// first offset after it), so a follower can truncate what it has beyond that (KIP-101/279). The follower's
// view of the leader epoch is checked as for ReplicaFetch. Needs ClusterAction with authorization on.
import { ErrorCode, OffsetForLeaderEpochApi, type OffsetForLeaderEpochResponse } from '../../protocol/index.js';
import { replicaLog } from '../cluster/leadership.js';
import { allowedOnCluster, denied } from '../security/acl/authorize.js';
import { CLUSTER_NAME } from '../security/acl/types.js';
import { partitionError, toPartitionError } from './storage-errors.js';
import { defineHandler } from './types.js';

type PartitionAnswer = OffsetForLeaderEpochResponse['topics'][number]['partitions'][number];

const failed = (partition: number, error: { errorCode: number; errorMessage: string }): PartitionAnswer => ({
  partition,
  ...error,
  leaderEpoch: -1,
  endOffset: -1,
});

export const offsetForLeaderEpochHandler = defineHandler(OffsetForLeaderEpochApi, async (request, broker, ctx) => {
  const denial = allowedOnCluster(broker, ctx, 'ClusterAction')
    ? null
    : denied('ClusterAction', 'cluster', CLUSTER_NAME, ctx);
  const replication = broker.cluster?.replication;
  const topics = await Promise.all(
    request.topics.map(async (t) => ({
      name: t.name,
      partitions: await Promise.all(
        t.partitions.map(async (p): Promise<PartitionAnswer> => {
          if (denial) return failed(p.partition, denial);
          if (!replication)
            return failed(
              p.partition,
              partitionError('NOT_LEADER_FOR_PARTITION', 'this broker is not in cluster mode'),
            );
          const refusal = replication.checkLeader(t.name, p.partition, p.currentLeaderEpoch);
          if (refusal) return failed(p.partition, partitionError(refusal.error, refusal.message));
          const log = replicaLog(broker, t.name, p.partition);
          if (!log)
            return failed(
              p.partition,
              partitionError('UNKNOWN_TOPIC_OR_PARTITION', `${t.name}-${p.partition} does not exist`),
            );
          try {
            const end = await log.endOffsetForLeaderEpoch(p.leaderEpoch);
            return {
              partition: p.partition,
              errorCode: ErrorCode.NONE,
              errorMessage: null,
              leaderEpoch: end.epoch,
              endOffset: end.endOffset,
            };
          } catch (error) {
            return failed(p.partition, toPartitionError(error, `${t.name}-${p.partition}`, ctx.logger));
          }
        }),
      ),
    })),
  );
  return { topics };
});
