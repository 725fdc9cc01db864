// CreatePartitions: per-topic results; a bad topic never fails its neighbours. This broker is node 0 of
// a one-node cluster, so `assignments` may only place each new partition on [0] (or be left out).
import { CreatePartitionsApi, ErrorCode, ProtocolError, type TopicResult } from '../../protocol/index.js';
import { wireErrorOf } from './storage-errors.js';
import { defineHandler } from './types.js';

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

export const createPartitionsHandler = defineHandler(CreatePartitionsApi, async (request, broker, ctx) => {
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const topics: TopicResult[] = [];
  // Sequential: changes are serialised by the registry anyway, and results keep request order.
  for (const t of request.topics) {
    try {
      if (counts.get(t.name)! > 1)
        throw new ProtocolError('INVALID_REQUEST', `topic "${t.name}" appears more than once in the request`);
      const current = broker.topics.get(t.name);
      if (current) checkAssignments(t.name, t.count, current.partitions, t.assignments);
      await broker.topics.addPartitions(t.name, t.count, { validateOnly: request.validateOnly });
      if (!request.validateOnly) ctx.logger.info({ topic: t.name, partitions: t.count }, 'created partitions');
      topics.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (error) {
      const wire = wireErrorOf(error, t.name);
      if (!wire) throw error;
      topics.push({ name: t.name, ...wire });
    }
  }
  return { topics };
});
