// AlterConfigs (v0-1), Kafka's legacy API: replaces a topic's overrides, as Kafka does. The configs named
// with a value become the whole override set; every other key goes back to its inherited value (broker
// setting or default). The native door's AlterConfigs is incremental; both run handlers/alter-configs.ts,
// this one in 'replace' mode (IncrementalAlterConfigs, API 44, changes only the keys it names). Broker
// settings are read-only at runtime. The native door's pseudo-config `partitions` is refused on a topic
// (INVALID_CONFIG, the resource left unchanged): Kafka has no such config.
import { AlterConfigs, type RequestOf } from '../../../protocol/kafka/index.js';
import type { AlterConfigsResource } from '../../../protocol/index.js';
import { alterConfigs } from '../../handlers/alter-configs.js';
import { kafkaHandler } from '../handler.js';
import { PARTITIONS_KEY } from '../../registries/topic-config.js';
import { partitionsConfigRefusal, resourceType, UNSUPPORTED_RESOURCE } from './config-resources.js';

type KafkaResource = RequestOf<typeof AlterConfigs>['resources'][number];

/** Why this door refuses the resource before it reaches the broker core, if it does. */
function refusalOf(r: KafkaResource) {
  const type = resourceType(r.resourceType);
  if (!type) return UNSUPPORTED_RESOURCE;
  if (type === 'topic' && r.configs.some((c) => c.name === PARTITIONS_KEY))
    return partitionsConfigRefusal('AlterConfigs');
  return undefined;
}

export const kafkaAlterConfigsHandler = kafkaHandler(AlterConfigs, async (request, broker, ctx) => {
  const known: AlterConfigsResource[] = [];
  for (const r of request.resources) {
    const type = resourceType(r.resourceType);
    if (type && !refusalOf(r))
      known.push({
        type,
        name: r.resourceName,
        configs: Object.fromEntries(r.configs.map((c) => [c.name, c.value])),
      });
  }
  const native = await alterConfigs({ resources: known, validateOnly: request.validateOnly }, broker, ctx, 'replace');
  let next = 0;
  return {
    throttleTimeMs: 0,
    responses: request.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      const refusal = refusalOf(r);
      if (refusal) return { ...base, ...refusal };
      const altered = native.resources[next++]!;
      return { ...base, errorCode: altered.errorCode, errorMessage: altered.errorMessage };
    }),
  };
});
