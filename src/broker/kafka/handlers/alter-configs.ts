// AlterConfigs (v0-1): replaces a topic's overrides (Kafka's non-incremental semantics, as the native door
// implements them in handlers/alter-configs.ts); broker settings are read-only at runtime.
import { AlterConfigs } from '../../../protocol/kafka/index.js';
import type { AlterConfigsResource } from '../../../protocol/index.js';
import { alterConfigsHandler } from '../../handlers/alter-configs.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';
import { resourceType, UNSUPPORTED_RESOURCE } from './config-resources.js';

export const kafkaAlterConfigsHandler = kafkaHandler(AlterConfigs, async (request, broker, ctx) => {
  const known: AlterConfigsResource[] = [];
  for (const r of request.resources) {
    const type = resourceType(r.resourceType);
    if (type)
      known.push({
        type,
        name: r.resourceName,
        configs: Object.fromEntries(r.configs.map((c) => [c.name, c.value])),
      });
  }
  const native = await nativeAnswer(
    alterConfigsHandler,
    { resources: known, validateOnly: request.validateOnly },
    broker,
    ctx,
  );
  let next = 0;
  return {
    throttleTimeMs: 0,
    responses: request.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      if (!resourceType(r.resourceType)) return { ...base, ...UNSUPPORTED_RESOURCE };
      const altered = native.resources[next++]!;
      return { ...base, errorCode: altered.errorCode, errorMessage: altered.errorMessage };
    }),
  };
});
