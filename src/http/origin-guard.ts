// Web pages are kept out of the door unless they are its own (the console) or listed in allowedOrigins.
//
// Without --auth the door trusts whoever reaches it, and on loopback that is meant to be this machine's
// programs; but a browser on this machine runs any site's scripts, and such a script can
//   - open ws://127.0.0.1:9651/ws (WebSockets have no same-origin policy), subscribe and produce;
//   - send POST and DELETE requests (it cannot read the answer, the change is made all the same: CSRF);
//   - point its own DNS name at 127.0.0.1 (DNS rebinding), after which it is same-origin with the door.
// With --auth a browser may still hold ambient credentials (a cached Basic password), so the checks stay on.
//
// A browser names the page in Origin on every WebSocket upgrade and cross-origin request (and on same-origin
// ones but GET and HEAD), and names the host it resolved in Host; a page can set neither. So, on every
// request, before authentication:
//   Host    on a loopback-bound door: a loopback name or address (localhost, 127.x.y.z, [::1], any port), the
//           broker's advertised host, or the host of an allowed origin. A rebound name is none of these.
//   Origin  when sent: the door's own origin, or one of allowedOrigins. Without one the client is not a
//           cross-origin page (curl, the SDKs, a same-origin GET) and the Host check is all there is.
// "The door's own origin" compares host and port with the Host header and ignores the scheme: behind a
// proxy that ends TLS the request arrives as http while the page is https, and one port serves one scheme,
// so no other page can share the door's host and port.
import type { FastifyInstance } from 'fastify';
import { isLoopbackHost } from '../broker/security/config.js';
import { errorBody } from './errors.js';

export interface OriginPolicy {
  /** The interface the door is bound to: the Host check applies when it is a loopback one. */
  readonly boundHost: string;
  /** The broker's advertised host (sluice serve --advertised-host). */
  readonly advertisedHost: string;
  /** Normalized by resolveHttpConfig (`URL.origin`). */
  readonly allowedOrigins: readonly string[];
}

/** "localhost:9651" → "localhost", "[::1]:9651" → "::1"; null when it is no host. */
function hostnameOf(host: string): string | null {
  if (!URL.canParse(`http://${host}`)) return null;
  const url = new URL(`http://${host}`);
  // Only a host and a port: "a@b", "a/b" or "a?b" are not a Host header.
  if (url.href !== `${url.origin}/`) return null;
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Whether `origin` (as the browser sent it) names the same host and port as the Host header. */
function isOwnOrigin(origin: URL, host: string | undefined): boolean {
  if (host === undefined || !URL.canParse(`${origin.protocol}//${host}`)) return false;
  return new URL(`${origin.protocol}//${host}`).host === origin.host;
}

/** Installs the checks as the first onRequest hook: install it before authentication and the routes. */
export function installOriginGuard(app: FastifyInstance, policy: OriginPolicy): void {
  const allowedOrigins = new Set(policy.allowedOrigins);
  const names = [policy.advertisedHost, ...policy.allowedOrigins.map((origin) => new URL(origin).host)];
  const hostnames = new Set(['localhost', ...names.map(hostnameOf).filter((name) => name !== null)]);
  const checkHost = isLoopbackHost(policy.boundHost);

  /** Why the request is refused, or null. */
  const refusal = (host: string | undefined, origin: string | undefined): string | null => {
    if (checkHost && host !== undefined) {
      const hostname = hostnameOf(host);
      if (hostname === null || !(hostnames.has(hostname) || isLoopbackHost(hostname)))
        return `Host "${host}" is not a name of this broker: bound to loopback, the HTTP door answers to localhost, 127.0.0.1 and [::1] only (against DNS rebinding); to reach it by another name, list that origin in http.allowedOrigins`;
    }
    if (origin === undefined) return null;
    const url = URL.canParse(origin) ? new URL(origin) : null;
    if (url !== null && (allowedOrigins.has(url.origin) || isOwnOrigin(url, host))) return null;
    return `cross-origin request refused: Origin ${origin} is not this HTTP door's own origin${allowedOrigins.size > 0 ? ' nor one of http.allowedOrigins' : ''}; to let its pages call the broker, list it in http.allowedOrigins`;
  };

  app.addHook('onRequest', async (request, reply) => {
    // A WebSocket upgrade refused by a hook (here, or authentication's 401) is answered in HTTP on the
    // upgrading socket, which nothing else closes (it would even hold up the server's close); an accepted one
    // is hijacked and never finishes its HTTP answer.
    if (request.headers.upgrade !== undefined) reply.raw.once('finish', () => request.raw.socket.destroySoon());
    const message = refusal(request.headers.host, request.headers.origin);
    if (message !== null) return reply.code(403).send(errorBody(403, message));
  });
}
