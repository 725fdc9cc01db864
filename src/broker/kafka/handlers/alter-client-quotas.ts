// AlterClientQuotas (v0-1): the core's quota changes (security/quotas/management.ts), each entry applied
// alone; a value that is not a whole number of bytes or requests per second is refused INVALID_REQUEST.
import { ErrorCode } from '../../../protocol/index.js';
import { AlterClientQuotas } from '../../../protocol/kafka/index.js';
import { alterClientQuotas } from '../../security/quotas/management.js';
import { kafkaHandler } from '../handler.js';

export const kafkaAlterClientQuotasHandler = kafkaHandler(AlterClientQuotas, async (request, broker, ctx) => {
  const results = await alterClientQuotas(broker, ctx, request.entries, request.validateOnly);
  return {
    throttleTimeMs: 0,
    entries: request.entries.map((entry, i) => ({
      entity: entry.entity,
      ...(results[i] ?? { errorCode: ErrorCode.NONE, errorMessage: null }),
    })),
  };
});
