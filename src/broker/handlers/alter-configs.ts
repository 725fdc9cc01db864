// AlterConfigs: incremental topic config changes (null reverts a key to its inherited value), applied as
// config-changes.ts does for both AlterConfigs APIs (cluster-wide in cluster mode; broker settings fixed).
// The Kafka door serves Kafka's legacy AlterConfigs with the same code in 'replace' mode (the named keys
// become the topic's whole override set), as Kafka does.
import { AlterConfigsApi, type AlterConfigsRequest, type AlterConfigsResult, ErrorCode } from '../../protocol/index.js';
import type { ConfigChangeMode } from '../registries/topic-config.js';
import { wireErrorOf } from './storage-errors.js';
import { type BrokerContext, defineHandler, type RequestContext } from './types.js';
import { applyTopicConfigChanges, configResourceRefusal } from './config-changes.js';

/** The config keys changed (values may be secrets one day: only the keys go to the activity log). */
function changedKeys(configs: Record<string, string | null>, mode: ConfigChangeMode): Record<string, string> {
  return { configs: Object.keys(configs).join(','), ...(mode === 'replace' ? { mode } : {}) };
}

/** AlterConfigs for every resource of `request`, each topic's change map applied in `mode`. */
export async function alterConfigs(
  request: AlterConfigsRequest,
  broker: BrokerContext,
  ctx: RequestContext,
  mode: ConfigChangeMode,
): Promise<{ resources: AlterConfigsResult[] }> {
  const resources: AlterConfigsResult[] = [];
  for (const r of request.resources) {
    const base = { type: r.type, name: r.name };
    const refusal = configResourceRefusal(broker, ctx, r);
    if (refusal) {
      resources.push({ ...base, ...refusal });
      continue;
    }
    try {
      await applyTopicConfigChanges(
        broker,
        ctx,
        r.name,
        r.configs,
        request.validateOnly,
        changedKeys(r.configs, mode),
        mode,
      );
      resources.push({ ...base, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (error) {
      const wire = wireErrorOf(error, r.name);
      if (!wire) throw error;
      resources.push({ ...base, ...wire });
    }
  }
  return { resources };
}

export const alterConfigsHandler = defineHandler(AlterConfigsApi, (request, broker, ctx) =>
  alterConfigs(request, broker, ctx, 'incremental'),
);
