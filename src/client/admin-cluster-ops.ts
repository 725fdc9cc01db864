// The cluster operations of the admin client: kafkajs's alterPartitionReassignments and
// listPartitionReassignments (same arguments and answers), and Sluice's electLeaders (Kafka's ElectLeaders;
// kafkajs has no such method). Any broker serves them: in cluster mode it hands the work to the controller.
import { AlterPartitionReassignmentsApi } from '../protocol/apis/alter-partition-reassignments.js';
import { ElectLeadersApi, type ElectionType } from '../protocol/apis/elect-leaders.js';
import { ListPartitionReassignmentsApi } from '../protocol/apis/list-partition-reassignments.js';
import { ErrorCode, errorInfo } from '../protocol/errors.js';
import type { ListPartitionReassignmentsResponse, PartitionReassignment } from './admin-types.js';
import type { Cluster } from './cluster.js';
import type { TopicPartitions } from './consumer/types.js';
import { aboutPartition } from './error-subject.js';
import { SluiceNonRetriableError, SluiceProtocolError } from './errors.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

const DEFAULT_TIMEOUT_MS = 5000;

/** One partition's answer to electLeaders. */
export interface ElectionResult {
  topic: string;
  partition: number;
  /** 0 when elected now; else Kafka's code (ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE, …). */
  errorCode: number;
  /** The code's name ('NONE', 'ELECTION_NOT_NEEDED', …). */
  error: string;
  errorMessage: string | null;
}

function checkTopicPartitions(value: unknown, method: string): asserts value is TopicPartitions[] {
  if (
    !Array.isArray(value) ||
    value.some(
      (t) =>
        typeof t?.topic !== 'string' ||
        !Array.isArray(t.partitions) ||
        t.partitions.some((p: unknown) => !Number.isInteger(p) || (p as number) < 0),
    )
  )
    throw new SluiceNonRetriableError(`${method}: give topics as [{ topic, partitions: [0, 1, …] }]`);
}

/**
 * kafkajs's admin.alterPartitionReassignments: each partition moves to `replicas` (the first the preferred
 * leader); `replicas: null` cancels the reassignment under way. Resolves once the cluster has the request
 * (listPartitionReassignments shows the progress); rejects with the first partition's error. Sluice:
 * `throttleBytesPerSecond` caps how fast the new replicas catch up.
 */
export async function alterPartitionReassignments(
  cluster: Cluster,
  run: Run,
  request: { topics: PartitionReassignment[]; timeout?: number; throttleBytesPerSecond?: number },
): Promise<void> {
  const topics = request?.topics;
  if (!Array.isArray(topics) || topics.length === 0)
    throw new SluiceNonRetriableError(
      'alterPartitionReassignments: give topics as [{ topic, partitionAssignment: [{ partition, replicas }] }]',
    );
  const response = await run(async () =>
    (await cluster.anyConnection()).send(AlterPartitionReassignmentsApi, {
      timeoutMs: request.timeout ?? DEFAULT_TIMEOUT_MS,
      topics: topics.map((t) => ({
        name: t.topic,
        partitions: t.partitionAssignment.map((a) => ({ partition: a.partition, replicas: a.replicas ?? null })),
      })),
      throttleBytesPerSecond: request.throttleBytesPerSecond ?? null,
    }),
  );
  if (response.errorCode !== ErrorCode.NONE)
    throw new SluiceProtocolError(response.errorCode, response.errorMessage ?? 'alterPartitionReassignments refused');
  for (const t of response.topics)
    for (const p of t.partitions)
      if (p.errorCode !== ErrorCode.NONE)
        throw new SluiceProtocolError(
          p.errorCode,
          aboutPartition(t.name, p.partition, p.errorMessage ?? errorInfo(p.errorCode).message),
        );
}

/** kafkajs's admin.listPartitionReassignments: the reassignments under way (of the partitions named). */
export async function listPartitionReassignments(
  cluster: Cluster,
  run: Run,
  request: { topics?: TopicPartitions[] | null; timeout?: number } = {},
): Promise<ListPartitionReassignmentsResponse> {
  const topics = request?.topics ?? null;
  if (topics !== null) checkTopicPartitions(topics, 'listPartitionReassignments');
  const response = await run(async () =>
    (await cluster.anyConnection()).send(ListPartitionReassignmentsApi, {
      timeoutMs: request?.timeout ?? DEFAULT_TIMEOUT_MS,
      topics: topics?.map((t) => ({ name: t.topic, partitions: t.partitions })) ?? null,
    }),
  );
  if (response.errorCode !== ErrorCode.NONE)
    throw new SluiceProtocolError(response.errorCode, response.errorMessage ?? 'listPartitionReassignments refused');
  return {
    topics: response.topics.map((t) => ({
      topic: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partition,
        replicas: p.replicas,
        addingReplicas: p.addingReplicas,
        removingReplicas: p.removingReplicas,
      })),
    })),
  };
}

/**
 * Sluice's admin.electLeaders (Kafka's ElectLeaders): preferred (default) or unclean election of the
 * partitions named (all when `topicPartitions` is omitted or null). Resolves with each partition's result
 * (ELECTION_NOT_NEEDED and the like are results, not failures); rejects only when the request is refused as
 * a whole (CLUSTER_AUTHORIZATION_FAILED).
 */
export async function electLeaders(
  cluster: Cluster,
  run: Run,
  request: { electionType?: ElectionType; topicPartitions?: TopicPartitions[] | null; timeout?: number } = {},
): Promise<ElectionResult[]> {
  const electionType = request?.electionType ?? 'preferred';
  if (electionType !== 'preferred' && electionType !== 'unclean')
    throw new SluiceNonRetriableError(`electLeaders: electionType is 'preferred' or 'unclean', not "${electionType}"`);
  const topics = request?.topicPartitions ?? null;
  if (topics !== null) checkTopicPartitions(topics, 'electLeaders');
  const timeoutMs = request?.timeout ?? 30_000;
  const response = await run(async () =>
    (await cluster.anyConnection()).send(ElectLeadersApi, {
      electionType,
      topics: topics?.map((t) => ({ name: t.topic, partitions: t.partitions })) ?? null,
      timeoutMs,
    }),
  );
  if (response.errorCode !== ErrorCode.NONE)
    throw new SluiceProtocolError(response.errorCode, response.errorMessage ?? 'electLeaders refused');
  return response.topics.flatMap((t) =>
    t.partitions.map((p) => ({
      topic: t.name,
      partition: p.partition,
      errorCode: p.errorCode,
      error: errorInfo(p.errorCode).name,
      errorMessage: p.errorMessage,
    })),
  );
}
