// Operators' requests to the controller, for `sluice cluster …`: written to etcd under the cluster's
// prefix, carried out by whichever broker is controller, which removes the request key once done. The
// caller waits for that (or its timeout, when no controller acts: the request is then withdrawn), and
// reads the outcome from the partitions' state (status.ts).
import { randomUUID } from 'node:crypto';
import { EtcdClient, EtcdError } from './etcd-client.js';
import { ClusterKeys } from './keys.js';
import type { ElectLeadersRequest, ReassignmentRequest } from './records.js';
import { type PartitionStatus, readClusterStatus } from './status.js';

export interface ClusterAddress {
  endpoints: readonly string[];
  name: string;
  requestTimeoutMs?: number;
}

export interface ElectionOutcome {
  topic: string;
  partition: number;
  leader: number;
  preferred: number;
  /** 'elected' (moved now), 'already' (the preferred replica led already), or why it could not lead. */
  outcome: 'elected' | 'already' | 'preferred replica not in the ISR' | 'preferred replica not alive';
}

/** The request named a topic or partition the cluster does not have. */
export class UnknownPartitionError extends Error {
  override name = 'UnknownPartitionError';
}

/** Preferred leader election of the partitions named (a topic alone: all of its partitions; nothing: all). */
export async function electPreferredLeaders(
  address: ClusterAddress,
  scope: { topic?: string; partition?: number },
  timeoutMs: number,
): Promise<ElectionOutcome[]> {
  const before = await readClusterStatus(address);
  const chosen = before.partitions.filter(
    (p) =>
      (scope.topic === undefined || p.topic === scope.topic) &&
      (scope.partition === undefined || p.partition === scope.partition),
  );
  if (scope.topic !== undefined && chosen.length === 0)
    throw new UnknownPartitionError(
      scope.partition === undefined
        ? `the cluster has no topic "${scope.topic}"`
        : `the cluster has no partition ${scope.topic}-${scope.partition}`,
    );
  const request: ElectLeadersRequest = {
    partitions: scope.topic === undefined ? null : chosen.map((p) => ({ topic: p.topic, partition: p.partition })),
  };
  const keys = new ClusterKeys(address.name);
  await untilControllerDid(address, keys.electLeadersRequest(randomUUID()), JSON.stringify(request), timeoutMs);
  const after = await readClusterStatus(address);
  const live = new Set(after.brokers.map((b) => b.id));
  const wasLeader = new Map(chosen.map((p) => [`${p.topic}-${p.partition}`, p.leader]));
  return after.partitions
    .filter((p) => wasLeader.has(`${p.topic}-${p.partition}`))
    .map((p) => ({
      topic: p.topic,
      partition: p.partition,
      leader: p.leader,
      preferred: p.replicas[0] ?? -1,
      outcome: outcomeOf(p, wasLeader.get(`${p.topic}-${p.partition}`)!, live),
    }));
}

function outcomeOf(p: PartitionStatus, leaderBefore: number, live: Set<number>): ElectionOutcome['outcome'] {
  const preferred = p.replicas[0] ?? -1;
  if (p.leader === preferred) return leaderBefore === preferred ? 'already' : 'elected';
  if (!live.has(preferred)) return 'preferred replica not alive';
  return 'preferred replica not in the ISR';
}

/** The request is refused before it reaches the controller (a sentence saying why). */
export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError';
}

/**
 * Moves a partition to `replicas` (reassignment.ts): the new replicas catch up at `throttleBytesPerSecond`
 * (null: unthrottled), then the old ones go. Resolves with the partition's state once done; after
 * `timeoutMs` the request is withdrawn (what was done stays: the new replicas remain in the replica set).
 */
export async function reassignPartition(
  address: ClusterAddress,
  target: { topic: string; partition: number; replicas: number[]; throttleBytesPerSecond: number | null },
  timeoutMs: number,
): Promise<PartitionStatus> {
  const before = await readClusterStatus(address);
  const { topic, partition, replicas } = target;
  const current = before.partitions.find((p) => p.topic === topic && p.partition === partition);
  if (!current) throw new UnknownPartitionError(`the cluster has no partition ${topic}-${partition}`);
  if (replicas.length === 0 || new Set(replicas).size !== replicas.length)
    throw new InvalidRequestError(`--replicas ${replicas.join(',')}: name each broker once`);
  const live = new Set(before.brokers.map((b) => b.id));
  const missing = replicas.filter((id) => !live.has(id));
  if (missing.length > 0)
    throw new InvalidRequestError(
      `broker${missing.length === 1 ? '' : 's'} ${missing.join(',')} not alive in the cluster`,
    );
  const keys = new ClusterKeys(address.name);
  const request: ReassignmentRequest = {
    replicas,
    throttleBytesPerSecond: target.throttleBytesPerSecond,
    originalReplicas: current.replicas,
  };
  await untilControllerDid(address, keys.reassignment(topic, partition), JSON.stringify(request), timeoutMs, {
    exclusive: true,
  });
  const after = await readClusterStatus(address);
  return after.partitions.find((p) => p.topic === topic && p.partition === partition)!;
}

/** Puts the request and waits until the controller removed it; withdraws it and throws after `timeoutMs`. */
export async function untilControllerDid(
  address: ClusterAddress,
  key: string,
  value: string,
  timeoutMs: number,
  options: { exclusive?: boolean } = {},
): Promise<void> {
  const etcd = new EtcdClient(address);
  if (options.exclusive) {
    const created = await etcd.compareAndSwap([{ key, modRevision: 0 }], [{ key, value }]);
    if (!created.succeeded) throw new InvalidRequestError('another such request is under way; wait for it to end');
  } else {
    await etcd.put(key, value);
  }
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!(await etcd.get(key))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await etcd.delete(key).catch(() => {});
  throw new EtcdError(`no controller carried out the request within ${timeoutMs} ms (is a broker running?)`, true);
}
