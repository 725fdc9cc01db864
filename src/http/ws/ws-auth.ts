// Who one WebSocket acts as, with authentication on. A client that sent an Authorization header on the
// upgrade (not a browser) is authenticated by the HTTP hook (auth.ts) before the socket opens. A browser
// cannot set headers, and a token in the URL would land in proxies' and servers' logs: it sends
//   { op: 'auth', token: '<JWT>' }        answered { type: 'authenticated', id, principal }
// as its first message, within AUTH_TIMEOUT_MS. Until then every other op is refused and the socket closed
// (4401). Sending `auth` again with a fresh token for the same principal extends the session; when the
// credentials expire without that, the socket is closed (4401), as the binary protocols close a connection
// whose token expired (KIP-368). Each subscribe and produce is checked against the ACLs (403 otherwise).
import type { SASLOptions } from '../../client/kafkajs-types.js';
import type { Operation, ResourceType } from '../../broker/security/acl/types.js';
import { formatPrincipal } from '../../broker/security/principal.js';
import type { Requester } from '../auth.js';
import { requesterOf } from '../auth.js';
import { HttpError } from '../errors.js';
import type { FastifyRequest } from 'fastify';
import type { HttpAuthenticated, HttpCredentials } from '../../broker/security/auth/authenticator.js';

export const CLOSE_UNAUTHENTICATED = 4401;
const AUTH_TIMEOUT_MS = 10_000;

/** The broker's side of WebSocket authentication (built by server.ts from the broker's authenticator). */
export interface WsGate {
  authenticate(credentials: HttpCredentials, clientHost: string): Promise<HttpAuthenticated | null>;
  authorize(requester: Requester, operation: Operation, type: ResourceType, name: string): boolean;
}

export class WsAuth {
  #requester: Requester | null;
  #timer: NodeJS.Timeout | undefined;

  /** gate null: authentication is off, everything acts as ANONYMOUS (and the ACLs are off too). */
  constructor(
    private readonly gate: WsGate | null,
    request: FastifyRequest,
    private readonly close: (code: number, reason: string) => void,
  ) {
    this.#requester = gate === null || request.sluiceRequester !== null ? requesterOf(request) : null;
    this.clientHost = request.ip;
    if (this.#requester === null) this.#timer = this.#after(AUTH_TIMEOUT_MS, 'no { op: "auth", token } within 10 s');
    else this.#watchExpiry();
  }

  private readonly clientHost: string;

  /** True until the socket has authenticated (authentication on, no header on the upgrade). */
  get pending(): boolean {
    return this.#requester === null;
  }

  get requester(): Requester {
    if (!this.#requester) throw new HttpError(401, 'authenticate first: { "op": "auth", "token": "<JWT>" }');
    return this.#requester;
  }

  /** The `auth` op. Resolves with the principal's name; a refusal closes the socket. */
  async authenticate(token: unknown): Promise<string> {
    if (this.gate === null) throw new HttpError(400, 'authentication is off on this broker');
    if (typeof token !== 'string' || token.length === 0) throw new HttpError(400, '"token" must be a JWT');
    const credentials: HttpCredentials = { kind: 'bearer', token };
    const authenticated = await this.gate.authenticate(credentials, this.clientHost);
    const previous = this.#requester;
    if (
      !authenticated ||
      (previous !== null && formatPrincipal(previous.principal) !== formatPrincipal(authenticated.principal))
    ) {
      // After the error answer to this message has gone out.
      setImmediate(() => this.close(CLOSE_UNAUTHENTICATED, 'authentication failed'));
      throw new HttpError(401, 'authentication failed: invalid credentials');
    }
    this.#requester = { ...authenticated, clientHost: this.clientHost, credentials };
    this.#watchExpiry();
    return formatPrincipal(authenticated.principal);
  }

  /** Throws 403 unless the requester may `operation` the resource. */
  require(operation: Operation, type: ResourceType, name: string): void {
    const requester = this.requester;
    if (this.gate === null || this.gate.authorize(requester, operation, type, name)) return;
    throw new HttpError(
      403,
      `${formatPrincipal(requester.principal)} is not allowed to ${operation} ${type} "${name}"`,
    );
  }

  /** SASL options for an SDK client acting for this socket on the native listener (a group member). */
  sasl(): SASLOptions | undefined {
    const credentials = this.#requester?.credentials;
    if (!credentials) return undefined;
    if (credentials.kind === 'basic')
      return { mechanism: 'scram-sha-256', username: credentials.user, password: credentials.password };
    // Reads the latest token at each re-authentication: an `auth` with a fresh token renews the member too.
    return {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => {
        const latest = this.#requester?.credentials;
        return { value: latest?.kind === 'bearer' ? latest.token : '' };
      },
    } as SASLOptions;
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }

  #watchExpiry(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const expires = this.#requester?.expiresAtMs;
    if (expires === null || expires === undefined) return;
    this.#timer = this.#after(Math.max(0, expires - Date.now()), 'the token expired');
  }

  #after(ms: number, reason: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.close(CLOSE_UNAUTHENTICATED, reason), Math.min(ms, 2 ** 31 - 1));
    timer.unref();
    return timer;
  }
}
