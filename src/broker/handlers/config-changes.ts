// What AlterConfigs and IncrementalAlterConfigs share: who may change a config resource (AlterConfigs on the
// topic, or on the cluster for a broker resource), the refusal of broker resources (none is dynamic: broker
// settings come from flags or the config file), and applying a topic's change map: cluster-wide through
// etcd in cluster mode (cluster-topics.ts), else in the registry, with one activity event when it is done.
import { ErrorCode } from '../../protocol/index.js';
import { publishRequestActivity } from '../activity/events.js';
import { allowed, denied, type WireError } from '../security/acl/authorize.js';
import { CLUSTER_NAME } from '../security/acl/types.js';
import { alterInCluster } from './cluster-topics.js';
import type { ConfigChangeMode } from '../registries/topic-config.js';
import type { BrokerContext, RequestContext } from './types.js';

const BROKER_CONFIGS_FIXED =
  'broker configs are read-only at runtime; set them with `sluice serve` flags or the config file and restart';

/** The answer for a resource this request may not change (denied, or a broker resource); null: go on. */
export function configResourceRefusal(
  broker: BrokerContext,
  ctx: RequestContext,
  r: { type: 'topic' | 'broker'; name: string },
): WireError | null {
  const resource = r.type === 'broker' ? 'cluster' : 'topic';
  if (!allowed(broker, ctx, 'AlterConfigs', resource, resource === 'cluster' ? CLUSTER_NAME : r.name))
    return denied('AlterConfigs', resource, r.name, ctx);
  if (r.type === 'broker') return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: BROKER_CONFIGS_FIXED };
  return null;
}

/**
 * Applies `changes` to `topic` in `mode` (registries/topic-config.ts: incremental, null reverting a key to its
 * inherited value; or replacing the overrides), or only checks them with `validateOnly`; `activity` describes
 * the change for the activity log (keys and operations, never values).
 */
export async function applyTopicConfigChanges(
  broker: BrokerContext,
  ctx: RequestContext,
  topic: string,
  changes: Record<string, string | null>,
  validateOnly: boolean,
  activity: Record<string, string>,
  mode: ConfigChangeMode = 'incremental',
): Promise<void> {
  if (broker.cluster) await alterInCluster(broker.cluster, broker, topic, changes, validateOnly, mode);
  else await broker.topics.alter(topic, changes, { validateOnly, mode });
  if (!validateOnly) publishRequestActivity(ctx, 'topic.altered', `topic:${topic}`, activity);
}
