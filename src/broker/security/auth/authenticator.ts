// The broker's authentication service: the users store, the mechanisms each listener offers, the failure
// delay per source address, and one AuthSession per connection (session.ts), created at the connection's
// first request and dropped when it closes. The wires ask it to admit each request before routing it; the
// SASL handlers find their connection's session here.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../../../storage/index.js';
import type { SecurityConfig } from '../config.js';
import type { ConnectionFacts } from '../../transport/wire.js';
import { FailureDelay } from './failure-delay.js';
import { JwtVerifier } from './jwt-verifier.js';
import { OAuthBearerMechanismExchange } from './oauthbearer-mechanism.js';
import { PasswordCheck } from './password-check.js';
import { JwtRejected } from './jwt-verifier.js';
import { publishActivity } from '../../diagnostics.js';
import { type Principal, userPrincipal } from '../principal.js';
import type { MechanismExchange } from './mechanism.js';
import { PlainMechanismExchange } from './plain-mechanism.js';
import { ScramMechanismExchange } from './scram-mechanism.js';
import { SCRAM_MECHANISMS, type ScramMechanism } from '../../../protocol/sasl/scram.js';
import { type Refusal, SASL_AUTHENTICATE_KEY, SASL_HANDSHAKE_KEY, AuthSession, type SessionDeps } from './session.js';
import type { UserStore } from './users.js';

export interface AuthenticatorDeps {
  readonly config: SecurityConfig;
  readonly users: UserStore;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** What an HTTP request authenticates with. */
export type HttpCredentials =
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'basic'; readonly user: string; readonly password: string };

export interface HttpAuthenticated {
  readonly principal: Principal;
  /** A token's end (exp plus skew), or null. */
  readonly expiresAtMs: number | null;
}

export class Authenticator {
  readonly #sessions = new Map<number, AuthSession>();
  readonly #delay: FailureDelay;
  /** Derives the stand-in salts of unknown users for this run (scram-server.ts). */
  readonly #decoySecret = randomBytes(32);
  readonly #jwt: JwtVerifier | undefined;
  readonly #passwords: PasswordCheck;

  constructor(private readonly deps: AuthenticatorDeps) {
    this.#delay = new FailureDelay(deps.clock);
    this.#passwords = new PasswordCheck(deps.users, () => deps.clock.now());
    if (deps.config.jwt) this.#jwt = new JwtVerifier(deps.config.jwt, () => deps.clock.now());
  }

  /** The JWT verifier (OAUTHBEARER, the HTTP door's Bearer tokens), when JWT keys are configured. */
  get jwt(): JwtVerifier | undefined {
    return this.#jwt;
  }

  get required(): boolean {
    return this.deps.config.authentication;
  }

  get users(): UserStore {
    return this.deps.users;
  }

  /**
   * Before a request is routed: null to serve it, or the Refusal to answer it with (the connection is then
   * closed). Without authentication, costs one comparison per request until a client speaks SASL.
   */
  admit(connection: ConnectionFacts, listener: string, apiKey: number): Refusal | null {
    let session = this.#sessions.get(connection.id);
    if (!session) {
      // A verified client certificate (mutual TLS) authenticated the connection already; SASL may still replace it.
      const authenticated = !this.required || connection.tls?.certificatePrincipal;
      if (authenticated && apiKey !== SASL_HANDSHAKE_KEY && apiKey !== SASL_AUTHENTICATE_KEY) return null;
      session = this.open(connection, listener);
    }
    return session.admit(apiKey);
  }

  /**
   * One HTTP request's (or WebSocket's) credentials: a Bearer token or a user's password (HTTP Basic). The
   * principal and when its credentials end, or null after the source address's failure delay; a failure is
   * logged and audited like a SASL one (no secret), a success is not audited (one per request).
   */
  async authenticateHttp(credentials: HttpCredentials, clientHost: string): Promise<HttpAuthenticated | null> {
    let failure: { reason: string; claimed?: string };
    if (credentials.kind === 'bearer') {
      if (!this.#jwt) failure = { reason: 'no JWT keys configured' };
      else {
        try {
          const verified = await this.#jwt.verify(credentials.token);
          this.#delay.succeeded(clientHost);
          return { principal: userPrincipal(verified.subject), expiresAtMs: verified.expiresAtMs };
        } catch (error) {
          if (!(error instanceof JwtRejected)) throw error;
          failure = { reason: error.reason };
        }
      }
    } else if (await this.#passwords.matches(credentials.user, credentials.password)) {
      this.#delay.succeeded(clientHost);
      return { principal: userPrincipal(credentials.user), expiresAtMs: null };
    } else {
      failure = { reason: 'bad password or unknown user', claimed: credentials.user };
    }
    const mechanism = credentials.kind === 'bearer' ? 'HTTP-BEARER' : 'HTTP-BASIC';
    this.deps.logger.info({ clientHost, mechanism, ...failure }, 'HTTP authentication failed');
    publishActivity(() => ({
      type: 'auth.failed',
      outcome: 'failure',
      ...(failure.claimed !== undefined ? { principal: `User:${failure.claimed}` } : {}),
      clientHost,
      listener: 'http',
      details: { mechanism, reason: failure.reason },
    }));
    const ms = this.#delay.failed(clientHost);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms).unref());
    return null;
  }

  /** The session of a connection admitted before (the SASL handlers' way to it). */
  sessionOf(connectionId: number): AuthSession {
    const session = this.#sessions.get(connectionId);
    if (!session) throw new Error(`no authentication session for connection ${connectionId}`);
    return session;
  }

  /**
   * Mechanisms a connection is offered: SCRAM; PLAIN only over TLS (it carries the password itself);
   * OAUTHBEARER when JWT keys are configured.
   */
  mechanisms(connection: ConnectionFacts): string[] {
    const offered: string[] = [...SCRAM_MECHANISMS];
    if (connection.tls) offered.push('PLAIN');
    if (this.#jwt) offered.push('OAUTHBEARER');
    return offered;
  }

  private exchange(mechanism: string, connection: ConnectionFacts): MechanismExchange | undefined {
    if ((SCRAM_MECHANISMS as readonly string[]).includes(mechanism))
      return new ScramMechanismExchange(mechanism as ScramMechanism, this.deps.users, this.#decoySecret);
    if (mechanism === 'PLAIN' && connection.tls) return new PlainMechanismExchange(this.deps.users, this.#decoySecret);
    if (mechanism === 'OAUTHBEARER' && this.#jwt) return new OAuthBearerMechanismExchange(this.#jwt);
    return undefined;
  }

  private open(connection: ConnectionFacts, listener: string): AuthSession {
    const deps: SessionDeps = {
      required: this.required,
      listener,
      mechanisms: () => this.mechanisms(connection),
      exchange: (mechanism) => this.exchange(mechanism, connection),
      now: () => this.deps.clock.now(),
      failed: (clientHost) => {
        const ms = this.#delay.failed(clientHost);
        if (ms === 0) return Promise.resolve();
        this.deps.logger.warn({ clientHost, delayMs: ms }, 'repeated authentication failures; answering slower');
        return new Promise((resolve) => setTimeout(resolve, ms).unref());
      },
      succeeded: (clientHost) => this.#delay.succeeded(clientHost),
    };
    const session = new AuthSession(connection, deps);
    this.#sessions.set(connection.id, session);
    connection.signal.addEventListener('abort', () => this.#sessions.delete(connection.id), { once: true });
    return session;
  }
}
