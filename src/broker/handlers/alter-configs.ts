// AlterConfigs: incremental topic config changes (null reverts a key to its inherited value), applied as
// config-changes.ts does for both AlterConfigs APIs (cluster-wide in cluster mode; broker settings fixed).
import { AlterConfigsApi, ErrorCode, type AlterConfigsResult } from '../../protocol/index.js';
import { wireErrorOf } from './storage-errors.js';
import { defineHandler } from './types.js';
import { applyTopicConfigChanges, configResourceRefusal } from './config-changes.js';

/** The config keys changed (values may be secrets one day: only the keys go to the activity log). */
function changedKeys(configs: Record<string, string | null>): Record<string, string> {
  return { configs: Object.keys(configs).join(',') };
}

export const alterConfigsHandler = defineHandler(AlterConfigsApi, async (request, broker, ctx) => {
  const resources: AlterConfigsResult[] = [];
  for (const r of request.resources) {
    const base = { type: r.type, name: r.name };
    const refusal = configResourceRefusal(broker, ctx, r);
    if (refusal) {
      resources.push({ ...base, ...refusal });
      continue;
    }
    try {
      await applyTopicConfigChanges(broker, ctx, r.name, r.configs, request.validateOnly, changedKeys(r.configs));
      resources.push({ ...base, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (error) {
      const wire = wireErrorOf(error, r.name);
      if (!wire) throw error;
      resources.push({ ...base, ...wire });
    }
  }
  return { resources };
});
