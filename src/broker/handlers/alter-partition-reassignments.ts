// AlterPartitionReassignments: starts, replaces or (null replicas) cancels partition reassignments. Cluster
// mode: the request `sluice cluster reassign` writes, which the controller carries out (the new replicas
// catch up, at the throttle when one is given, then the old ones leave; cluster/reassignment.ts); answered
// once etcd holds it. A single node has no other broker to move a partition to.
import { AlterPartitionReassignmentsApi, ErrorCode } from '../../protocol/index.js';
import type { ClusterView } from '../cluster/cluster-node.js';
import { EtcdError } from '../cluster/etcd-client.js';
import { allowed, denied } from '../security/acl/authorize.js';
import { CLUSTER_NAME } from '../security/acl/types.js';
import { type BrokerContext, defineHandler } from './types.js';

interface Result {
  partition: number;
  errorCode: number;
  errorMessage: string | null;
}

const ok = (partition: number): Result => ({ partition, errorCode: ErrorCode.NONE, errorMessage: null });
const fail = (partition: number, code: keyof typeof ErrorCode, message: string): Result => ({
  partition,
  errorCode: ErrorCode[code],
  errorMessage: message,
});

/** The replica list's own faults, whatever the cluster: empty, or a broker named twice. */
function malformed(replicas: readonly number[]): string | undefined {
  if (replicas.length === 0) return 'the replica list is empty';
  if (new Set(replicas).size !== replicas.length) return `broker ids named twice in ${replicas.join(',')}`;
  return undefined;
}

async function inCluster(
  cluster: ClusterView,
  topic: string,
  partition: number,
  replicas: number[] | null,
  throttleBytesPerSecond: number | null,
): Promise<Result> {
  if (!cluster.partition(topic, partition))
    return fail(partition, 'UNKNOWN_TOPIC_OR_PARTITION', `the cluster has no partition ${topic}-${partition}`);
  if (replicas !== null) {
    const fault = malformed(replicas);
    if (fault) return fail(partition, 'INVALID_REPLICA_ASSIGNMENT', fault);
    const live = new Set(cluster.brokers().map((b) => b.id));
    const missing = replicas.filter((id) => !live.has(id));
    if (missing.length > 0)
      return fail(partition, 'INVALID_REPLICA_ASSIGNMENT', `broker(s) ${missing.join(',')} not alive in the cluster`);
  }
  try {
    const change = await cluster.admin.alterReassignment(
      topic,
      partition,
      replicas === null ? null : { replicas, throttleBytesPerSecond },
    );
    if (change === 'none-in-progress')
      return fail(partition, 'NO_REASSIGNMENT_IN_PROGRESS', `no reassignment of ${topic}-${partition} is under way`);
    return ok(partition);
  } catch (error) {
    if (error instanceof EtcdError) return fail(partition, 'REQUEST_TIMED_OUT', error.message);
    throw error;
  }
}

function singleNode(broker: BrokerContext, topic: string, partition: number, replicas: number[] | null): Result {
  const t = broker.topics.get(topic);
  if (!t || partition >= t.partitions)
    return fail(partition, 'UNKNOWN_TOPIC_OR_PARTITION', `no partition ${topic}-${partition}`);
  if (replicas === null)
    return fail(partition, 'NO_REASSIGNMENT_IN_PROGRESS', `no reassignment of ${topic}-${partition} is under way`);
  const fault = malformed(replicas);
  if (fault) return fail(partition, 'INVALID_REPLICA_ASSIGNMENT', fault);
  if (replicas.length === 1 && replicas[0] === broker.config.nodeId) return ok(partition);
  return fail(
    partition,
    'INVALID_REPLICA_ASSIGNMENT',
    `this broker (${broker.config.nodeId}) runs alone: its partitions cannot move (cluster mode: sluice serve --cluster)`,
  );
}

export const alterPartitionReassignmentsHandler = defineHandler(
  AlterPartitionReassignmentsApi,
  async (request, broker, ctx) => {
    if (!allowed(broker, ctx, 'Alter', 'cluster', CLUSTER_NAME))
      return { ...denied('Alter', 'cluster', CLUSTER_NAME, ctx), topics: [] };
    const topics = [];
    for (const t of request.topics) {
      const partitions: Result[] = [];
      for (const p of t.partitions) {
        partitions.push(
          broker.cluster
            ? await inCluster(broker.cluster, t.name, p.partition, p.replicas, request.throttleBytesPerSecond)
            : singleNode(broker, t.name, p.partition, p.replicas),
        );
      }
      topics.push({ name: t.name, partitions });
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, topics };
  },
);
