// DescribeClientQuotas: the core's quota listing (security/quotas/management.ts): DescribeConfigs on the
// cluster needed.
import { DescribeClientQuotasApi, ErrorCode } from '../../protocol/index.js';
import { describeClientQuotas } from '../security/quotas/management.js';
import { entityParts, type QuotaFilterComponent } from '../security/quotas/types.js';
import { defineHandler } from './types.js';

export const describeClientQuotasHandler = defineHandler(DescribeClientQuotasApi, (request, broker, ctx) => {
  const components: QuotaFilterComponent[] = [];
  for (const c of request.components) {
    if (c.matchType === 'exact' && (c.match === null || c.match.length === 0))
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `an exact ${c.entityType} match needs a name`,
        entries: [],
      };
    components.push({
      entityType: c.entityType,
      match: c.matchType === 'exact' ? { kind: 'exact', name: c.match! } : { kind: c.matchType },
    });
  }
  const described = describeClientQuotas(broker, ctx, components, request.strict);
  if ('error' in described) return { ...described.error, entries: [] };
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    entries: described.entries.map((e) => ({
      entity: entityParts(e.entity),
      values: Object.entries(e.values).map(([key, value]) => ({ key, value: value as number })),
    })),
  };
});
