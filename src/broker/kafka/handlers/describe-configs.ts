// DescribeConfigs (v0-2): a topic's effective configs with their source, or the broker's settings, from
// the native door's description (handlers/describe-configs.ts). Config names are Kafka's. Two things differ
// from the native answer, so that a Kafka client sees what a Kafka broker would show it:
// - the broker's `listeners` and `advertised.port` are this Kafka listener's, not the native port's (the
//   address Metadata and FindCoordinator give Kafka clients);
// - a topic's `partitions` pseudo-config is left out: Kafka has no such config (the partition count is in
//   Metadata); the native door shows it for `sluice topics describe` and accepts it to grow a topic.
import { DescribeConfigs } from '../../../protocol/kafka/index.js';
import type { ConfigEntry, DescribeConfigsResource, ResourceType } from '../../../protocol/index.js';
import { describeConfigsHandler } from '../../handlers/describe-configs.js';
import type { BrokerContext } from '../../handlers/types.js';
import { PARTITIONS_KEY } from '../../registries/topic-config.js';
import { type KafkaRequestContext, kafkaHandler, nativeAnswer } from '../handler.js';
import { CONFIG_SOURCE_NUMBERS, resourceType, UNSUPPORTED_RESOURCE } from './config-resources.js';

/** The native answer's entries as this door shows them (see the file's header). */
function kafkaEntries(
  type: ResourceType,
  configs: ConfigEntry[],
  broker: BrokerContext,
  ctx: KafkaRequestContext,
): ConfigEntry[] {
  if (type === 'topic') return configs.filter((c) => c.name !== PARTITIONS_KEY);
  return configs.map((c) => {
    if (c.name === 'listeners') return { ...c, value: `${broker.config.host}:${ctx.listener.port}` };
    if (c.name === 'advertised.port') return { ...c, value: String(ctx.listener.advertisedPort) };
    return c;
  });
}

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
      const type = resourceType(r.resourceType);
      if (!type) return { ...base, ...UNSUPPORTED_RESOURCE, configs: [] };
      const described = native.resources[next++]!;
      return {
        ...base,
        errorCode: described.errorCode,
        errorMessage: described.errorMessage,
        configs: kafkaEntries(type, described.configs, broker, ctx).map((c) => ({
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
