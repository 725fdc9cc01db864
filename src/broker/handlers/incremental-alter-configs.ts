// IncrementalAlterConfigs: SET / DELETE / APPEND / SUBTRACT per topic config key, turned into AlterConfigs'
// change map (registries/incremental-config.ts) and applied the same way: validated by the registry, and in
// cluster mode made cluster-wide through etcd (config-changes.ts). APPEND and SUBTRACT start from the value
// this broker holds (in cluster mode the watch keeps it in line with etcd). Broker settings are fixed for
// the life of the process, as for AlterConfigs.
import {
  ErrorCode,
  IncrementalAlterConfigsApi,
  type IncrementalAlterConfigsResponse,
  type IncrementalAlterConfigsResource,
} from '../../protocol/index.js';
import { changesOf, ConfigOperationError } from '../registries/incremental-config.js';
import { effectiveTopicConfig, TopicConfigError } from '../registries/topic-config.js';
import { applyTopicConfigChanges, configResourceRefusal } from './config-changes.js';
import { wireErrorOf } from './storage-errors.js';
import { type BrokerContext, defineHandler, type RequestContext } from './types.js';

type Result = IncrementalAlterConfigsResponse['resources'][number];

async function alterTopic(
  r: IncrementalAlterConfigsResource,
  validateOnly: boolean,
  broker: BrokerContext,
  ctx: RequestContext,
): Promise<Omit<Result, 'type' | 'name'>> {
  const overrides = broker.topics.get(r.name)?.configs ?? {};
  try {
    const changes = changesOf(r.configs, (name) => effectiveTopicConfig(name, overrides, broker.config.topicDefaults));
    await applyTopicConfigChanges(broker, ctx, r.name, changes, validateOnly, {
      configs: r.configs.map((c) => `${c.name}:${c.operation}`).join(','),
    });
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (error) {
    if (error instanceof ConfigOperationError)
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: error.message };
    if (error instanceof TopicConfigError) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: error.message };
    const wire = wireErrorOf(error, r.name);
    if (!wire) throw error;
    return wire;
  }
}

export const incrementalAlterConfigsHandler = defineHandler(
  IncrementalAlterConfigsApi,
  async (request, broker, ctx) => {
    const resources: Result[] = [];
    for (const r of request.resources) {
      const base = { type: r.type, name: r.name };
      const refusal = configResourceRefusal(broker, ctx, r);
      resources.push({ ...base, ...(refusal ?? (await alterTopic(r, request.validateOnly, broker, ctx))) });
    }
    return { resources };
  },
);
