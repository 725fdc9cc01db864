// ListPartitionReassignments: the reassignments under way (cluster mode: the requests in etcd the
// controller is carrying out), with the replica set now and the replicas being added and removed. A single
// node has none.
import { ErrorCode, ListPartitionReassignmentsApi } from '../../protocol/index.js';
import { allowed, denied } from '../security/acl/authorize.js';
import { CLUSTER_NAME } from '../security/acl/types.js';
import { defineHandler } from './types.js';

export const listPartitionReassignmentsHandler = defineHandler(
  ListPartitionReassignmentsApi,
  (request, broker, ctx) => {
    if (!allowed(broker, ctx, 'Describe', 'cluster', CLUSTER_NAME))
      return { ...denied('Describe', 'cluster', CLUSTER_NAME, ctx), topics: [] };
    const named =
      request.topics === null
        ? undefined
        : new Set(request.topics.flatMap((t) => t.partitions.map((p) => `${t.name}\0${p}`)));
    const under =
      broker.cluster?.admin.reassignments(
        named ? (topic, partition) => named.has(`${topic}\0${partition}`) : undefined,
      ) ?? [];
    const byTopic = new Map<
      string,
      Array<{ partition: number; replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }>
    >();
    for (const r of under) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({
        partition: r.partition,
        replicas: r.replicas,
        addingReplicas: r.addingReplicas,
        removingReplicas: r.removingReplicas,
      });
      byTopic.set(r.topic, list);
    }
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    };
  },
);
