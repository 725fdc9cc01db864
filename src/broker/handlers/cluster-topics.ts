// Cluster mode's side of the topic admin handlers (DeleteTopics, AlterConfigs, CreatePartitions): the
// change is checked against the local registry as on a single node (validateOnly: names, keys, values,
// internal topics), then made cluster-wide through etcd (cluster-node.ts), so every broker applies it,
// whichever broker the request came to. etcd out of reach is REQUEST_TIMED_OUT (retriable): nothing changed.
import { ProtocolError } from '../../protocol/index.js';
import type { ClusterView } from '../cluster/cluster-node.js';
import { EtcdError } from '../cluster/etcd-client.js';
import type { TopicSpec } from '../cluster/records.js';
import { TopicError } from '../registries/errors.js';
import {
  applyConfigChanges,
  type ConfigChangeMode,
  PARTITIONS_KEY,
  TopicConfigError,
} from '../registries/topic-config.js';
import type { BrokerContext } from './types.js';

const DEFAULT_WAIT_MS = 30_000;

async function throughEtcd(what: string, call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (error instanceof EtcdError)
      throw new ProtocolError('REQUEST_TIMED_OUT', `the cluster cannot ${what} now: ${error.message}`);
    if (error instanceof TopicConfigError) throw new TopicError('invalid-config', error.message);
    throw error;
  }
}

export function deleteInCluster(cluster: ClusterView, name: string, timeoutMs: number | undefined): Promise<void> {
  return throughEtcd('delete topics', () => cluster.deleteTopic(name, { waitMs: waitOf(timeoutMs) }));
}

/** AlterConfigs' incremental change (null: back to the inherited value; `partitions` may only grow). */
export async function alterInCluster(
  cluster: ClusterView,
  broker: BrokerContext,
  name: string,
  changes: Record<string, string | null>,
  validateOnly: boolean,
  mode: ConfigChangeMode,
): Promise<void> {
  const checked = await broker.topics.alter(name, changes, { validateOnly: true, mode });
  if (validateOnly) return;
  const grows = changes[PARTITIONS_KEY] !== undefined && changes[PARTITIONS_KEY] !== null;
  await throughEtcd('change topic configs', () =>
    cluster.alterTopic(
      name,
      (spec) => ({
        ...spec,
        configs: applyConfigChanges(spec.configs, changes, mode),
        partitions: grows ? grown(name, spec, checked.partitions) : spec.partitions,
      }),
      { waitMs: DEFAULT_WAIT_MS },
    ),
  );
}

/** CreatePartitions: the topic grows to `count` partitions; the controller places the new ones. */
export async function addPartitionsInCluster(
  cluster: ClusterView,
  broker: BrokerContext,
  name: string,
  count: number,
  validateOnly: boolean,
  timeoutMs: number | undefined,
): Promise<void> {
  await broker.topics.addPartitions(name, count, { validateOnly: true });
  if (validateOnly) return;
  await throughEtcd('add partitions', () =>
    cluster.alterTopic(
      name,
      (spec) => {
        if (count === spec.partitions)
          throw new TopicError('invalid-partitions', `topic "${name}" already has ${count} partitions`);
        return { ...spec, partitions: grown(name, spec, count) };
      },
      { waitMs: waitOf(timeoutMs) },
    ),
  );
}

function grown(name: string, spec: TopicSpec, count: number): number {
  if (count < spec.partitions)
    throw new TopicError(
      'invalid-partitions',
      `topic "${name}" has ${spec.partitions} partitions; the count can only grow, not go down to ${count}`,
    );
  return count;
}

function waitOf(timeoutMs: number | undefined): number {
  return timeoutMs === undefined || timeoutMs <= 0 ? DEFAULT_WAIT_MS : timeoutMs;
}
