// CreateAcls, DescribeAcls and DeleteAcls as the core serves them to every door: who may manage ACLs
// (Alter on the cluster to create or delete, Describe on the cluster to list, as in Kafka), the change,
// and an `acl.created` / `acl.deleted` activity event per binding changed. ACLs can be managed with
// authorization off, so they are in place before it is turned on.
import { ErrorCode } from '../../../protocol/index.js';
import { publishActivity } from '../../diagnostics.js';
import type { BrokerContext, RequestContext } from '../../handlers/types.js';
import { formatPrincipal } from '../principal.js';
import { sharedStateRefusal } from '../shared-refusal.js';
import { allowedOnCluster, denied, type WireError } from './authorize.js';
import type { AclBinding, AclFilter } from './types.js';

/** One creation's outcome: null when stored (or already there). */
export type CreationResult = WireError | null;

function publishChange(ctx: RequestContext, type: 'acl.created' | 'acl.deleted', b: AclBinding): void {
  publishActivity(() => ({
    type,
    principal: formatPrincipal(ctx.principal),
    clientHost: ctx.clientHost,
    ...(ctx.header.clientId ? { clientId: ctx.header.clientId } : {}),
    outcome: 'success',
    resource: `${b.resourceType}:${b.resourceName}`,
    details: {
      aclPrincipal: b.principal,
      host: b.host,
      patternType: b.patternType,
      operation: b.operation,
      permission: b.permission,
    },
  }));
}

export async function createAcls(
  broker: BrokerContext,
  ctx: RequestContext,
  bindings: readonly AclBinding[],
): Promise<CreationResult[]> {
  if (!allowedOnCluster(broker, ctx, 'Alter')) {
    const refused = denied('Alter', 'cluster', '', ctx);
    return bindings.map(() => refused);
  }
  let results: Awaited<ReturnType<typeof broker.authorizer.create>>;
  try {
    results = await broker.authorizer.create(bindings);
  } catch (error) {
    const refused = sharedStateRefusal(error);
    return bindings.map(() => refused);
  }
  return results.map((result, i) => {
    if (!result.ok) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: result.error.message };
    publishChange(ctx, 'acl.created', bindings[i]!);
    return null;
  });
}

export function describeAcls(
  broker: BrokerContext,
  ctx: RequestContext,
  filter: AclFilter,
): { error: WireError } | { bindings: AclBinding[] } {
  if (!allowedOnCluster(broker, ctx, 'Describe')) return { error: denied('Describe', 'cluster', '', ctx) };
  return { bindings: broker.authorizer.describe(filter) };
}

export async function deleteAcls(
  broker: BrokerContext,
  ctx: RequestContext,
  filters: readonly AclFilter[],
): Promise<{ error: WireError } | { removed: AclBinding[][] }> {
  if (!allowedOnCluster(broker, ctx, 'Alter')) return { error: denied('Alter', 'cluster', '', ctx) };
  let removed: AclBinding[][];
  try {
    removed = await broker.authorizer.delete(filters);
  } catch (error) {
    return { error: sharedStateRefusal(error) };
  }
  const published = new Set<AclBinding>();
  for (const b of removed.flat()) {
    if (published.has(b)) continue;
    published.add(b);
    publishChange(ctx, 'acl.deleted', b);
  }
  return { removed };
}
