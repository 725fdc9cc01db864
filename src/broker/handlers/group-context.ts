// Shared by the consumer-group handlers: the client identity the coordinator records for a member.
import type { MemberClient } from '../groups/index.js';
import type { RequestContext } from './types.js';

/** clientId from the request header; clientHost as Kafka shows it ("/127.0.0.1"), from "host:port". */
export function memberContext(ctx: RequestContext): MemberClient {
  const colon = ctx.peer.lastIndexOf(':');
  const host = colon > 0 ? ctx.peer.slice(0, colon) : ctx.peer;
  return { clientId: ctx.header.clientId ?? '', clientHost: `/${host}` };
}
