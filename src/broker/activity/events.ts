// Activity events a client's request causes (a topic created, a group joined, offsets reset, …), with the
// request's principal, address and client id. Built only when someone listens (publishActivity).
import { publishActivity } from '../diagnostics.js';
import type { ConnectionFacts } from '../transport/wire.js';
import type { RequestContext } from '../handlers/types.js';
import { formatPrincipal } from '../security/principal.js';

/** A connection opened (anonymous, no client id yet) or closed (as whom it ended, with its client id). */
export function publishConnectionActivity(
  type: 'connection.opened' | 'connection.closed',
  connection: ConnectionFacts,
  listener: string,
): void {
  publishActivity(() => ({
    type,
    principal: formatPrincipal(connection.principal),
    clientHost: connection.clientHost,
    ...(connection.clientId ? { clientId: connection.clientId } : {}),
    listener,
    outcome: 'success',
    details: { connectionId: connection.id },
  }));
}

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
