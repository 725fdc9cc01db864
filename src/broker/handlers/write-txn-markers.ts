// WriteTxnMarkers (native key 1170, broker to broker; Kafka's key 27 semantics): another broker's
// transaction coordinator ends a producer's transaction in partitions this broker leads. Each marker is
// written as the leader writes any (cluster/replicated-marker.ts: leader epoch, acks=-1); a partition this
// broker does not lead answers NOT_LEADER_FOR_PARTITION and the coordinator asks the new leader. Needs
// ClusterAction with authorization on (Kafka's rule).
import { ErrorCode, WriteTxnMarkersApi } from '../../protocol/index.js';
import { writeMarkerAsLeader } from '../cluster/replicated-marker.js';
import { allowedOnCluster, denied } from '../security/acl/authorize.js';
import { CLUSTER_NAME } from '../security/acl/types.js';
import { partitionError } from './storage-errors.js';
import { defineHandler } from './types.js';

export const writeTxnMarkersHandler = defineHandler(WriteTxnMarkersApi, async (request, broker, ctx) => {
  const denial = allowedOnCluster(broker, ctx, 'ClusterAction')
    ? null
    : denied('ClusterAction', 'cluster', CLUSTER_NAME, ctx);
  const timeoutMs = broker.config.cluster?.offsetsCommitTimeoutMs ?? 0;
  const { producerId, producerEpoch, commit, coordinatorEpoch } = request;
  const results = await Promise.all(
    request.topics.map(async (t) => ({
      name: t.name,
      partitions: await Promise.all(
        t.partitions.map(async (partition) => {
          const refusal =
            denial ??
            (broker.cluster
              ? await writeMarkerAsLeader(
                  broker,
                  t.name,
                  partition,
                  { producerId, producerEpoch, commit, coordinatorEpoch },
                  timeoutMs,
                )
              : partitionError('NOT_LEADER_FOR_PARTITION', 'this broker is not in cluster mode'));
          return refusal ? { partition, ...refusal } : { partition, errorCode: ErrorCode.NONE, errorMessage: null };
        }),
      ),
    })),
  );
  return { results };
});
