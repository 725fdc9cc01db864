// DescribeClientQuotas and AlterClientQuotas as the core serves them to every door: who may (Kafka's rule:
// DescribeConfigs on the cluster to describe, AlterConfigs on the cluster to alter — the issue asks
// for Alter, and either is accepted for altering), the change, and a `quota.altered` activity event per
// entity changed. Quotas can be managed with authorization off.
import { ErrorCode } from '../../../protocol/index.js';
import { publishActivity } from '../../diagnostics.js';
import type { BrokerContext, RequestContext } from '../../handlers/types.js';
import { allowedOnCluster, denied, type WireError } from '../acl/authorize.js';
import { formatPrincipal } from '../principal.js';
import { sharedStateRefusal } from '../shared-refusal.js';
import {
  describeEntity,
  entityFromParts,
  type QuotaEntity,
  type QuotaEntry,
  QuotaError,
  type QuotaFilterComponent,
  type QuotaOp,
} from './types.js';

/** An AlterClientQuotas entry as both wires carry it: Kafka's (type, name-or-null) pairs and operations. */
export interface RawQuotaChange {
  readonly entity: ReadonlyArray<{ entityType: string; entityName: string | null }>;
  readonly ops: ReadonlyArray<{ key: string; value: number | null; remove: boolean }>;
}

export function describeClientQuotas(
  broker: BrokerContext,
  ctx: RequestContext,
  components: readonly QuotaFilterComponent[],
  strict: boolean,
): { error: WireError } | { entries: QuotaEntry[] } {
  if (!allowedOnCluster(broker, ctx, 'DescribeConfigs'))
    return { error: denied('DescribeConfigs', 'cluster', '', ctx) };
  return { entries: broker.quotas.store.describe(components, strict) };
}

/** Per entry, in order: null when applied (or valid, with validateOnly), else its error. */
export async function alterClientQuotas(
  broker: BrokerContext,
  ctx: RequestContext,
  entries: readonly RawQuotaChange[],
  validateOnly: boolean,
): Promise<Array<WireError | null>> {
  const parsed = entries.map((entry) => {
    try {
      const ops = entry.ops.map((op): QuotaOp => {
        if (op.remove) return { key: op.key, remove: true };
        if (op.value === null) throw new QuotaError(`${op.key}: a value is needed unless the quota is removed`);
        return { key: op.key, remove: false, value: op.value };
      });
      return { entity: entityFromParts(entry.entity), ops };
    } catch (error) {
      if (error instanceof QuotaError) return error;
      throw error;
    }
  });
  const valid = parsed.filter((p): p is { entity: QuotaEntity; ops: QuotaOp[] } => !(p instanceof QuotaError));
  const results = await alterValid(broker, ctx, valid, validateOnly);
  let next = 0;
  return parsed.map((p) =>
    p instanceof QuotaError ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: p.message } : results[next++]!,
  );
}

async function alterValid(
  broker: BrokerContext,
  ctx: RequestContext,
  changes: ReadonlyArray<{ entity: QuotaEntity; ops: readonly QuotaOp[] }>,
  validateOnly: boolean,
): Promise<Array<WireError | null>> {
  if (!allowedOnCluster(broker, ctx, 'AlterConfigs', false) && !allowedOnCluster(broker, ctx, 'Alter')) {
    const refused = denied('Alter', 'cluster', '', ctx);
    return changes.map(() => refused);
  }
  let results: Awaited<ReturnType<typeof broker.quotas.store.alter>>;
  try {
    results = await broker.quotas.store.alter(changes, validateOnly);
  } catch (error) {
    const refused = sharedStateRefusal(error);
    return changes.map(() => refused);
  }
  return results.map((error, i) => {
    if (error) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: error.message };
    if (!validateOnly) publishChange(ctx, changes[i]!.entity, changes[i]!.ops);
    return null;
  });
}

function publishChange(ctx: RequestContext, entity: QuotaEntity, ops: readonly QuotaOp[]): void {
  publishActivity(() => ({
    type: 'quota.altered',
    principal: formatPrincipal(ctx.principal),
    clientHost: ctx.clientHost,
    ...(ctx.header.clientId ? { clientId: ctx.header.clientId } : {}),
    outcome: 'success',
    resource: `quota:${describeEntity(entity)}`,
    details: Object.fromEntries(ops.map((op) => [op.key, op.remove ? 'removed' : op.value])),
  }));
}
