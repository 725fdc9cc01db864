// DescribeClientQuotas (v0-1): the core's quota listing (security/quotas/management.ts), DescribeConfigs on
// the cluster needed; Kafka's match types 0 (exact), 1 (default), 2 (any named entity).
import { ErrorCode } from '../../../protocol/index.js';
import { DescribeClientQuotas } from '../../../protocol/kafka/index.js';
import { describeClientQuotas } from '../../security/quotas/management.js';
import { ENTITY_TYPES, entityParts, type EntityType, type QuotaFilterComponent } from '../../security/quotas/types.js';
import { kafkaHandler } from '../handler.js';

function refused(errorMessage: string) {
  return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage, entries: null };
}

export const kafkaDescribeClientQuotasHandler = kafkaHandler(DescribeClientQuotas, (request, broker, ctx) => {
  const components: QuotaFilterComponent[] = [];
  for (const c of request.components) {
    if (!(ENTITY_TYPES as readonly string[]).includes(c.entityType))
      return refused(`unknown quota entity type "${c.entityType}" (known: ${ENTITY_TYPES.join(', ')})`);
    const entityType = c.entityType as EntityType;
    if (c.matchType === 0) {
      if (c.match === null) return refused(`an exact ${entityType} match needs a name`);
      components.push({ entityType, match: { kind: 'exact', name: c.match } });
    } else if (c.matchType === 1) components.push({ entityType, match: { kind: 'default' } });
    else if (c.matchType === 2) components.push({ entityType, match: { kind: 'any' } });
    else return refused(`unknown match type ${c.matchType}`);
  }
  const described = describeClientQuotas(broker, ctx, components, request.strict);
  if ('error' in described) return { throttleTimeMs: 0, ...described.error, entries: null };
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    entries: described.entries.map((e) => ({
      entity: entityParts(e.entity),
      values: Object.entries(e.values).map(([key, value]) => ({ key, value: value as number })),
    })),
  };
});
