// Authentication and authorization on the HTTP door, installed when the broker requires authentication.
//
//   onRequest   who is asking: `Authorization: Bearer <JWT>` (verified like OAUTHBEARER) or `Basic` (a SCRAM
//               user's password, checked against the stored credential; accepted only over TLS). Public
//               routes (health probes, the console's and docs' static files, which hold no data) need none;
//               a WebSocket upgrade without an Authorization header authenticates in its first message
//               (ws/session.ts). No credentials or bad ones: 401 with WWW-Authenticate.
//   preHandler  may they: the route's ACL checks (route-acls.ts), the same resources and operations as the
//               binary protocols' handlers, against the same authorizer. Denied: 403. A route with no entry
//               in the table is denied to everyone but super users (a new route fails closed).
//   preSerialization  listings show only what the principal may Describe (as Kafka's Metadata does).
//
// Every refusal is `{ error_code, message }`; a denial is an `acl.denied` activity event (listener "http").
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BrokerContext } from '../broker/handlers/types.js';
import { publishActivity } from '../broker/diagnostics.js';
import type { HttpCredentials } from '../broker/security/auth/authenticator.js';
import { ANONYMOUS_PRINCIPAL, formatPrincipal, type Principal } from '../broker/security/principal.js';
import { errorBody } from './errors.js';
import { type AclCheck, isPublicRoute, listFilters, ROUTE_ACLS, routeKey } from './route-acls.js';

/** Who an HTTP request acts as, and the credentials it came with (a WebSocket's group member reuses them). */
export interface Requester {
  readonly principal: Principal;
  readonly clientHost: string;
  readonly credentials: HttpCredentials | null;
  /** When the credentials end (a token's exp plus skew), or null. */
  readonly expiresAtMs: number | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook; null where authentication is off or the route is public. */
    sluiceRequester: Requester | null;
  }
}

/** The requester of a request: its authenticated principal, or ANONYMOUS where authentication is off. */
export function requesterOf(request: FastifyRequest): Requester {
  return (
    request.sluiceRequester ?? {
      principal: ANONYMOUS_PRINCIPAL,
      clientHost: request.ip,
      credentials: null,
      expiresAtMs: null,
    }
  );
}

/** Reads an Authorization header; null when absent, 'malformed' when it cannot be read. */
export function parseAuthorization(header: string | undefined): HttpCredentials | 'malformed' | null {
  if (header === undefined || header.length === 0) return null;
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const value = space < 0 ? '' : header.slice(space + 1).trim();
  if (scheme === 'bearer') return value.length > 0 ? { kind: 'bearer', token: value } : 'malformed';
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return 'malformed';
    return { kind: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return 'malformed';
}

function unauthorized(reply: FastifyReply, message: string, tls: boolean): FastifyReply {
  return reply
    .code(401)
    .header('www-authenticate', tls ? 'Bearer realm="sluice", Basic realm="sluice"' : 'Bearer realm="sluice"')
    .send(errorBody(401, message));
}

/** Installs the hooks when the broker requires authentication; otherwise does nothing. */
export function installHttpAuth(app: FastifyInstance, broker: BrokerContext): void {
  app.decorateRequest('sluiceRequester', null);
  if (!broker.authenticator.required) return;
  const authenticator = broker.authenticator;
  const authorizer = broker.authorizer;

  app.addHook('onRequest', async (request, reply) => {
    const key = routeKey(request.method, request.routeOptions.url);
    if (request.routeOptions.url === undefined || isPublicRoute(key)) return;
    const tls = request.protocol === 'https';
    const credentials = parseAuthorization(request.headers.authorization);
    // A browser cannot set headers on a WebSocket: it authenticates in its first message instead.
    if (credentials === null && key === 'GET /ws') return;
    if (credentials === null)
      return unauthorized(
        reply,
        'authentication required: send Authorization: Bearer <token> (or Basic over https)',
        tls,
      );
    if (credentials === 'malformed')
      return unauthorized(reply, 'the Authorization header is not Bearer <token> or Basic <base64 user:password>', tls);
    if (credentials.kind === 'basic' && !tls)
      return reply
        .code(400)
        .send(
          errorBody(400, 'HTTP Basic credentials are accepted only over TLS (https); use a Bearer token, or https'),
        );
    const authenticated = await authenticator.authenticateHttp(credentials, request.ip);
    if (!authenticated) return unauthorized(reply, 'authentication failed: invalid credentials', tls);
    request.sluiceRequester = { ...authenticated, clientHost: request.ip, credentials };
  });

  const check = (requester: Requester, acl: AclCheck): boolean =>
    authorizer.authorize(requester.principal, requester.clientHost, acl.operation, acl.type, acl.name);

  app.addHook('preHandler', async (request, reply) => {
    const url = request.routeOptions.url;
    const requester = request.sluiceRequester;
    if (url === undefined || requester === null) return;
    const rule = ROUTE_ACLS.get(routeKey(request.method, url));
    const checks = rule ? rule(request.params as Record<string, string>, request.body) : null;
    // Each check is an alternative set: allowed when every check of one set passes (Create on the cluster,
    // or on the topic).
    const sets = checks ?? [[{ operation: 'All' as const, type: 'cluster' as const, name: 'kafka-cluster' }]];
    if (sets.some((set) => set.every((acl) => check(requester, acl)))) return;
    const failed = sets[sets.length - 1]!.find((acl) => !check(requester, acl))!;
    publishActivity(() => ({
      type: 'acl.denied',
      principal: formatPrincipal(requester.principal),
      clientHost: requester.clientHost,
      outcome: 'denied',
      resource: `${failed.type}:${failed.name}`,
      listener: 'http',
      details: { operation: failed.operation, route: `${request.method} ${url}` },
    }));
    const what = failed.type === 'cluster' ? 'the cluster' : `${failed.type} "${failed.name}"`;
    return reply
      .code(403)
      .send(errorBody(403, `${formatPrincipal(requester.principal)} is not allowed to ${failed.operation} ${what}`));
  });

  app.addHook('preSerialization', async (request, _reply, payload) => {
    const url = request.routeOptions.url;
    const requester = request.sluiceRequester;
    if (url === undefined || requester === null) return payload;
    const filter = listFilters.get(routeKey(request.method, url));
    if (!filter || typeof payload !== 'object' || payload === null) return payload;
    const body = payload as { data?: unknown };
    if (!Array.isArray(body.data)) return payload;
    return { ...body, data: body.data.filter((entry) => check(requester, filter(entry))) };
  });
}
