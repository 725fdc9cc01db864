// AlterConfigs: incremental topic config changes (null reverts a key to its inherited value); in cluster
// mode made cluster-wide (cluster-topics.ts). Broker settings are fixed for the life of the process: they
// come from flags or the config file.
import { AlterConfigsApi, ErrorCode, type AlterConfigsResult } from '../../protocol/index.js';
import { wireErrorOf } from './storage-errors.js';
import { defineHandler } from './types.js';
import { allowed, denied } from '../security/acl/authorize.js';
import { CLUSTER_NAME } from '../security/acl/types.js';
import { publishRequestActivity } from '../activity/events.js';
import { alterInCluster } from './cluster-topics.js';

/** The config keys changed (values may be secrets one day: only the keys go to the activity log). */
function changedKeys(configs: Record<string, string | null>): Record<string, string> {
  return { configs: Object.keys(configs).join(',') };
}

export const alterConfigsHandler = defineHandler(AlterConfigsApi, async (request, broker, ctx) => {
  const resources: AlterConfigsResult[] = [];
  for (const r of request.resources) {
    const base = { type: r.type, name: r.name };
    const resource = r.type === 'broker' ? 'cluster' : 'topic';
    if (!allowed(broker, ctx, 'AlterConfigs', resource, resource === 'cluster' ? CLUSTER_NAME : r.name)) {
      resources.push({ ...base, ...denied('AlterConfigs', resource, r.name, ctx) });
      continue;
    }
    if (r.type === 'broker') {
      resources.push({
        ...base,
        errorCode: ErrorCode.INVALID_CONFIG,
        errorMessage: 'broker configs are read-only at runtime; set them with `sluice serve` flags or the config file',
      });
      continue;
    }
    try {
      if (broker.cluster) await alterInCluster(broker.cluster, broker, r.name, r.configs, request.validateOnly);
      else await broker.topics.alter(r.name, r.configs, { validateOnly: request.validateOnly });
      if (!request.validateOnly)
        publishRequestActivity(ctx, 'topic.altered', `topic:${r.name}`, changedKeys(r.configs));
      resources.push({ ...base, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (error) {
      const wire = wireErrorOf(error, r.name);
      if (!wire) throw error;
      resources.push({ ...base, ...wire });
    }
  }
  return { resources };
});
