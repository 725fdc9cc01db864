// CreatePartitions: per-topic results; a bad topic never fails its neighbours. This broker is node 0 of
// a one-node cluster, so `assignments` may only place each new partition on [0] (or be left out).
import { CreatePartitionsApi, ProtocolError } from '../../protocol/index.js';
import { perTopic } from './per-topic.js';
import { defineHandler } from './types.js';
import { requireAllowed } from '../security/acl/authorize.js';
import { publishRequestActivity } from '../activity/events.js';
import { addPartitionsInCluster } from './cluster-topics.js';

function checkAssignments(name: string, count: number, current: number, assignments: number[][] | null): void {
  if (assignments === null) return;
  if (assignments.length !== count - current) {
    throw new ProtocolError(
      'INVALID_REPLICA_ASSIGNMENT',
      `topic "${name}" grows from ${current} to ${count} partitions, so assignments must list ${count - current} replica sets, not ${assignments.length}`,
    );
  }
  const bad = assignments.find((replicas) => replicas.length !== 1 || replicas[0] !== 0);
  if (bad) {
    throw new ProtocolError(
      'INVALID_REPLICA_ASSIGNMENT',
      `replica set [${bad.join(', ')}] for topic "${name}": this single broker is node 0, so each new partition's replicas must be [0]`,
    );
  }
}

export const createPartitionsHandler = defineHandler(CreatePartitionsApi, async (request, broker, ctx) => ({
  topics: await perTopic(
    request.topics,
    async (t) => {
      requireAllowed(broker, ctx, 'Alter', 'topic', t.name);
      const current = broker.topics.get(t.name);
      if (broker.cluster) {
        if (t.assignments !== null)
          throw new ProtocolError(
            'INVALID_REPLICA_ASSIGNMENT',
            `topic "${t.name}": in cluster mode the controller places new partitions; leave assignments out`,
          );
        await addPartitionsInCluster(broker.cluster, broker, t.name, t.count, request.validateOnly, request.timeoutMs);
      } else {
        if (current) checkAssignments(t.name, t.count, current.partitions, t.assignments);
        await broker.topics.addPartitions(t.name, t.count, { validateOnly: request.validateOnly });
      }
      if (request.validateOnly) return;
      ctx.logger.info({ topic: t.name, partitions: t.count }, 'created partitions');
      publishRequestActivity(ctx, 'topic.altered', `topic:${t.name}`, { partitions: t.count });
    },
    { refuseDuplicates: true },
  ),
}));
