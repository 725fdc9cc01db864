// DescribeConfigs (v0-2): a topic's effective configs with their source, or the broker's settings, from
// the native door's description (handlers/describe-configs.ts). Config names are Kafka's.
import { DescribeConfigs } from '../../../protocol/kafka/index.js';
import type { DescribeConfigsResource } from '../../../protocol/index.js';
import { describeConfigsHandler } from '../../handlers/describe-configs.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';
import { CONFIG_SOURCE_NUMBERS, resourceType, UNSUPPORTED_RESOURCE } from './config-resources.js';

export const kafkaDescribeConfigsHandler = kafkaHandler(DescribeConfigs, async (request, broker, ctx) => {
  const known: DescribeConfigsResource[] = [];
  for (const r of request.resources) {
    const type = resourceType(r.resourceType);
    if (type) known.push({ type, name: r.resourceName, configNames: r.configurationKeys });
  }
  const native = await nativeAnswer(describeConfigsHandler, { resources: known }, broker, ctx);
  let next = 0;
  return {
    throttleTimeMs: 0,
    results: request.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      if (!resourceType(r.resourceType)) return { ...base, ...UNSUPPORTED_RESOURCE, configs: [] };
      const described = native.resources[next++]!;
      return {
        ...base,
        errorCode: described.errorCode,
        errorMessage: described.errorMessage,
        configs: described.configs.map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          // v0 says isDefault; v1+ name the source instead.
          ...(ctx.version === 0 ? { isDefault: c.isDefault } : { configSource: CONFIG_SOURCE_NUMBERS[c.source] }),
          isSensitive: c.isSensitive,
        })),
      };
    }),
  };
});
