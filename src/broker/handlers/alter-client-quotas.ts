// AlterClientQuotas: the core's quota changes (security/quotas/management.ts): Alter on the cluster needed,
// each entry applied alone, durable before the answer.
import { AlterClientQuotasApi, ErrorCode } from '../../protocol/index.js';
import { alterClientQuotas } from '../security/quotas/management.js';
import { defineHandler } from './types.js';

export const alterClientQuotasHandler = defineHandler(AlterClientQuotasApi, async (request, broker, ctx) => {
  const results = await alterClientQuotas(broker, ctx, request.entries, request.validateOnly);
  return {
    entries: request.entries.map((entry, i) => ({
      entity: entry.entity,
      ...(results[i] ?? { errorCode: ErrorCode.NONE, errorMessage: null }),
    })),
  };
});
