// Activity events a client's request causes (a topic created, a group joined, offsets reset, …), with the
// request's principal, address and client id. Built only when someone listens (publishActivity).
import { publishActivity } from '../diagnostics.js';
import type { RequestContext } from '../handlers/types.js';
import { formatPrincipal } from '../security/principal.js';

export function publishRequestActivity(
  ctx: RequestContext,
  type: string,
  resource: string,
  details?: Record<string, string | number | boolean>,
): void {
  publishActivity(() => ({
    type,
    principal: formatPrincipal(ctx.principal),
    clientHost: ctx.clientHost,
    ...(ctx.header.clientId ? { clientId: ctx.header.clientId } : {}),
    outcome: 'success',
    resource,
    ...(details ? { details } : {}),
  }));
}
