// ElectLeaders: preferred or unclean leader election, carried out by the controller (cluster mode: the
// request `sluice cluster elect-leaders` writes, cluster/admin-requests.ts). Each partition gets Kafka's
// answer: NONE (elected now), ELECTION_NOT_NEEDED (the preferred replica leads already; for unclean, a live
// leader exists), PREFERRED_LEADER_NOT_AVAILABLE (not alive or not in the ISR), ELIGIBLE_LEADERS_NOT_AVAILABLE
// (unclean, no live replica), POLICY_VIOLATION (unclean on a topic without unclean.leader.election.enable),
// UNKNOWN_TOPIC_OR_PARTITION. Asked for every partition (null), the answer lists only the partitions an
// election was tried for, as Kafka's. A single node leads every partition it has: ELECTION_NOT_NEEDED.
import { ElectLeadersApi, ErrorCode, type ElectionType } from '../../protocol/index.js';
import type { ClusterView } from '../cluster/cluster-node.js';
import { EtcdError } from '../cluster/etcd-client.js';
import type { PartitionState } from '../cluster/records.js';
import { OFFSETS_TOPIC } from '../groups/offsets-store.js';
import { allowed, denied } from '../security/acl/authorize.js';
import { CLUSTER_NAME } from '../security/acl/types.js';
import { type BrokerContext, defineHandler } from './types.js';

interface Outcome {
  topic: string;
  partition: number;
  errorCode: number;
  errorMessage: string | null;
}

const UNCLEAN_KEY = 'unclean.leader.election.enable';

/** The partitions asked for (for null, every partition this broker knows of). */
function wanted(
  topics: Array<{ name: string; partitions: number[] }> | null,
  broker: BrokerContext,
): Array<{ topic: string; partition: number }> {
  if (topics !== null) return topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
  const all = broker.topics
    .list()
    .flatMap((t) => Array.from({ length: t.partitions }, (_, p) => ({ topic: t.name, partition: p })));
  if (broker.cluster?.partition(OFFSETS_TOPIC, 0)) all.push({ topic: OFFSETS_TOPIC, partition: 0 });
  return all;
}

function outcome(topic: string, partition: number, code: keyof typeof ErrorCode, message: string | null): Outcome {
  return { topic, partition, errorCode: ErrorCode[code], errorMessage: message };
}

/** Why no election is needed or possible before asking the controller; undefined when the controller should try. */
function before(
  type: ElectionType,
  topic: string,
  partition: number,
  state: PartitionState | undefined,
  live: ReadonlySet<number>,
  broker: BrokerContext,
): Outcome | undefined {
  if (!state) return outcome(topic, partition, 'UNKNOWN_TOPIC_OR_PARTITION', `no partition ${topic}-${partition}`);
  if (type === 'preferred') {
    if (state.leader === state.replicas[0])
      return outcome(topic, partition, 'ELECTION_NOT_NEEDED', `the preferred replica ${state.leader} leads already`);
    return undefined;
  }
  if (state.leader >= 0 && live.has(state.leader))
    return outcome(topic, partition, 'ELECTION_NOT_NEEDED', `broker ${state.leader} leads the partition`);
  if (broker.topics.get(topic)?.configs[UNCLEAN_KEY] !== 'true')
    return outcome(
      topic,
      partition,
      'POLICY_VIOLATION',
      `topic "${topic}" does not allow unclean leader election (${UNCLEAN_KEY}=false)`,
    );
  return undefined;
}

/** What the controller did, read from the partition's state after it. */
function after(
  type: ElectionType,
  topic: string,
  partition: number,
  state: PartitionState | undefined,
  live: ReadonlySet<number>,
): Outcome {
  if (!state) return outcome(topic, partition, 'UNKNOWN_TOPIC_OR_PARTITION', `no partition ${topic}-${partition}`);
  if (type === 'unclean') {
    if (state.leader >= 0 && live.has(state.leader)) return outcome(topic, partition, 'NONE', null);
    return outcome(topic, partition, 'ELIGIBLE_LEADERS_NOT_AVAILABLE', 'no replica of the partition is alive');
  }
  const preferred = state.replicas[0] ?? -1;
  if (state.leader === preferred) return outcome(topic, partition, 'NONE', null);
  return outcome(
    topic,
    partition,
    'PREFERRED_LEADER_NOT_AVAILABLE',
    live.has(preferred)
      ? `the preferred replica ${preferred} is not in the ISR (${state.isr.join(',')})`
      : `the preferred replica ${preferred} is not alive`,
  );
}

async function elect(
  cluster: ClusterView,
  type: ElectionType,
  asked: Array<{ topic: string; partition: number }>,
  all: boolean,
  timeoutMs: number,
  broker: BrokerContext,
): Promise<Outcome[]> {
  const live = new Set(cluster.brokers().map((b) => b.id));
  const settled: Outcome[] = [];
  const toElect: Array<{ topic: string; partition: number }> = [];
  for (const { topic, partition } of asked) {
    const answer = before(type, topic, partition, cluster.partition(topic, partition), live, broker);
    if (answer) settled.push(answer);
    else toElect.push({ topic, partition });
  }
  if (toElect.length === 0) return all ? settled.filter((o) => o.errorCode === ErrorCode.POLICY_VIOLATION) : settled;
  try {
    await cluster.admin.electLeaders({ partitions: toElect, ...(type === 'unclean' ? { type } : {}) }, timeoutMs);
  } catch (error) {
    if (!(error instanceof EtcdError)) throw error;
    return [
      ...settled,
      ...toElect.map(({ topic, partition }) => outcome(topic, partition, 'REQUEST_TIMED_OUT', error.message)),
    ];
  }
  const liveAfter = new Set(cluster.brokers().map((b) => b.id));
  const elected = toElect.map(({ topic, partition }) =>
    after(type, topic, partition, cluster.partition(topic, partition), liveAfter),
  );
  // Every partition asked for (null): only those an election was tried for, as Kafka answers.
  const tried = all ? settled.filter((o) => o.errorCode === ErrorCode.POLICY_VIOLATION) : settled;
  return [...tried, ...elected];
}

function singleNode(
  type: ElectionType,
  asked: Array<{ topic: string; partition: number }>,
  broker: BrokerContext,
): Outcome[] {
  return asked.map(({ topic, partition }) => {
    const t = broker.topics.get(topic);
    if (!t || partition >= t.partitions)
      return outcome(topic, partition, 'UNKNOWN_TOPIC_OR_PARTITION', `no partition ${topic}-${partition}`);
    return outcome(
      topic,
      partition,
      'ELECTION_NOT_NEEDED',
      type === 'preferred' ? 'a single broker leads every partition it has' : 'this broker leads the partition',
    );
  });
}

export const electLeadersHandler = defineHandler(ElectLeadersApi, async (request, broker, ctx) => {
  if (!allowed(broker, ctx, 'Alter', 'cluster', CLUSTER_NAME))
    return { ...denied('Alter', 'cluster', CLUSTER_NAME, ctx), topics: [] };
  const all = request.topics === null;
  const asked = wanted(request.topics, broker);
  const outcomes = broker.cluster
    ? await elect(broker.cluster, request.electionType, asked, all, request.timeoutMs, broker)
    : all
      ? []
      : singleNode(request.electionType, asked, broker);
  const byTopic = new Map<string, Array<{ partition: number; errorCode: number; errorMessage: string | null }>>();
  for (const o of outcomes) {
    const list = byTopic.get(o.topic) ?? [];
    list.push({ partition: o.partition, errorCode: o.errorCode, errorMessage: o.errorMessage });
    byTopic.set(o.topic, list);
  }
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
  };
});
