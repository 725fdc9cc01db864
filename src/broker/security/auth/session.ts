// One connection's authentication: the owner of its SASL state and the only writer of its principal
// (ConnectionFacts.principal). States and the requests each admits:
//
//   start          ApiVersions, SaslHandshake (everything else too when authentication is off)
//   handshaken     Authenticate (first round of the chosen mechanism)
//   exchanging     Authenticate (further rounds)
//   authenticated  everything; SaslHandshake starts a re-authentication (KIP-368) that must end with the
//                  same principal; once the credentials expire, only a re-authentication is admitted, and
//                  a connection still on expired credentials when they expire is closed (a timer)
//   refusing       Authenticate only: the mechanism answered a failure in its own bytes (OAUTHBEARER's
//                  error JSON) and the client's next message ends the exchange failed
//   failed         nothing: the connection is closed after its pending answers
//
// A request out of turn is answered ILLEGAL_SASL_STATE; any failed attempt is answered with the same
// SASL_AUTHENTICATION_FAILED sentence (no user enumeration), after the source address's failure delay
// (failure-delay.ts); both close the connection once the answer is written, as Kafka does.
import { publishActivity } from '../../diagnostics.js';
import type { ConnectionFacts } from '../../transport/wire.js';
import { formatPrincipal, type Principal } from '../principal.js';
import { type Authenticated, AuthenticationFailed, type MechanismExchange, type MechanismName } from './mechanism.js';

/** API keys (the same numbers on both wires). */
export const API_VERSIONS_KEY = 18;
export const SASL_HANDSHAKE_KEY = 17;
export const SASL_AUTHENTICATE_KEY = 36;

export type SaslErrorName = 'NONE' | 'UNSUPPORTED_SASL_MECHANISM' | 'ILLEGAL_SASL_STATE' | 'SASL_AUTHENTICATION_FAILED';

export interface HandshakeAnswer {
  readonly errorCode: SaslErrorName;
  readonly message: string | null;
  readonly mechanisms: string[];
}

export interface AuthenticateAnswer {
  readonly errorCode: SaslErrorName;
  readonly message: string | null;
  readonly authBytes: Buffer;
  /** ms until the credentials expire; 0: no limit (or not authenticated). */
  readonly sessionLifetimeMs: number;
}

/** A request the session does not admit: answered with this error, then the connection is closed. */
export interface Refusal {
  readonly errorCode: SaslErrorName;
  readonly message: string;
}

/** What a session needs from the broker-wide authenticator (authenticator.ts). */
export interface SessionDeps {
  readonly required: boolean;
  readonly listener: string;
  /** Mechanisms this listener offers, in preference order. */
  mechanisms(): string[];
  /** A fresh exchange of a mechanism offered here, or undefined. */
  exchange(mechanism: string): MechanismExchange | undefined;
  now(): number;
  /** Records a failure from an address; resolves after its delay. */
  failed(clientHost: string): Promise<void>;
  succeeded(clientHost: string): void;
}

type State =
  | { kind: 'start' }
  | { kind: 'handshaken'; mechanism: MechanismName; exchange: MechanismExchange; reauth: Authenticated | null }
  | { kind: 'exchanging'; mechanism: MechanismName; exchange: MechanismExchange; reauth: Authenticated | null }
  | { kind: 'authenticated'; mechanism: MechanismName; session: Authenticated }
  | { kind: 'refusing'; mechanism: MechanismName }
  | { kind: 'failed' };

export function failureSentence(mechanism: string): string {
  return `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;
}

export class AuthSession {
  #state: State = { kind: 'start' };
  #expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: ConnectionFacts,
    private readonly deps: SessionDeps,
  ) {
    connection.signal.addEventListener('abort', () => clearTimeout(this.#expiryTimer), { once: true });
  }

  get authenticated(): boolean {
    return this.#state.kind === 'authenticated';
  }

  /** null: serve the request; a Refusal: answer it with that error and close the connection. */
  admit(apiKey: number): Refusal | null {
    if (apiKey === SASL_HANDSHAKE_KEY || apiKey === SASL_AUTHENTICATE_KEY) return null;
    const state = this.#state;
    if (state.kind === 'failed')
      return this.refuse({ errorCode: 'ILLEGAL_SASL_STATE', message: 'authentication failed on this connection' });
    if (state.kind === 'refusing')
      return this.refuse({ errorCode: 'SASL_AUTHENTICATION_FAILED', message: failureSentence(state.mechanism) });
    if (state.kind === 'authenticated') {
      const expires = state.session.expiresAtMs;
      if (expires !== null && this.deps.now() >= expires) {
        this.audit('auth.expired', 'failure', formatPrincipal(state.session.principal), { mechanism: state.mechanism });
        return this.refuse({
          errorCode: 'SASL_AUTHENTICATION_FAILED',
          message: 'the credentials of this connection expired; re-authenticate before they do',
        });
      }
      return null;
    }
    // Re-authenticating (KIP-368): requests keep flowing on the previous credentials while they last.
    if (state.kind !== 'start' && state.reauth !== null) {
      const expires = state.reauth.expiresAtMs;
      if (expires === null || this.deps.now() < expires) return null;
    }
    if (!this.deps.required) return apiKey === API_VERSIONS_KEY || state.kind === 'start' ? null : this.outOfTurn();
    if (apiKey === API_VERSIONS_KEY && state.kind === 'start') return null;
    return this.outOfTurn();
  }

  handshake(mechanism: string): HandshakeAnswer {
    const state = this.#state;
    const mechanisms = this.deps.mechanisms();
    if (state.kind !== 'start' && state.kind !== 'authenticated') {
      this.#state = { kind: 'failed' };
      this.connection.endAfterResponses();
      return {
        errorCode: 'ILLEGAL_SASL_STATE',
        message: 'SaslHandshake was already sent on this connection',
        mechanisms,
      };
    }
    const exchange = this.deps.exchange(mechanism);
    if (!exchange) {
      return {
        errorCode: 'UNSUPPORTED_SASL_MECHANISM',
        message: `this listener does not accept SASL mechanism ${mechanism}; it accepts ${mechanisms.join(', ') || 'none'}`,
        mechanisms,
      };
    }
    const reauth = state.kind === 'authenticated' ? state.session : null;
    this.#state = { kind: 'handshaken', mechanism: mechanism as MechanismName, exchange, reauth };
    return { errorCode: 'NONE', message: null, mechanisms };
  }

  async authenticate(authBytes: Buffer, clientId: string | null): Promise<AuthenticateAnswer> {
    const state = this.#state;
    if (state.kind !== 'handshaken' && state.kind !== 'exchanging' && state.kind !== 'refusing') {
      this.#state = { kind: 'failed' };
      this.connection.endAfterResponses();
      return answer('ILLEGAL_SASL_STATE', 'Authenticate before SaslHandshake, or after authentication ended');
    }
    if (state.kind === 'refusing') {
      this.#state = { kind: 'failed' };
      this.connection.endAfterResponses();
      return answer('SASL_AUTHENTICATION_FAILED', failureSentence(state.mechanism));
    }
    this.#state = { ...state, kind: 'exchanging' };
    let round;
    try {
      round = await state.exchange.round(authBytes);
    } catch (error) {
      if (!(error instanceof AuthenticationFailed)) throw error;
      return this.fail(state.mechanism, error, clientId);
    }
    if (round.failed) {
      await this.recordFailure(state.mechanism, round.failed, clientId);
      this.#state = { kind: 'refusing', mechanism: state.mechanism };
      return answer('NONE', null, round.reply);
    }
    if (!round.done) return answer('NONE', null, round.reply);
    const done = round.done;
    if (state.reauth && formatPrincipal(state.reauth.principal) !== formatPrincipal(done.principal)) {
      return this.fail(state.mechanism, new AuthenticationFailed('re-authenticated as another principal'), clientId);
    }
    if (done.expiresAtMs !== null && done.expiresAtMs <= this.deps.now())
      return this.fail(state.mechanism, new AuthenticationFailed('expired credentials'), clientId);
    this.#state = { kind: 'authenticated', mechanism: state.mechanism, session: done };
    this.setPrincipal(done.principal);
    this.watchExpiry(done);
    this.deps.succeeded(this.connection.clientHost);
    this.connection.logger.debug(
      {
        principal: formatPrincipal(done.principal),
        mechanism: state.mechanism,
        reauthenticated: state.reauth !== null,
      },
      'authenticated',
    );
    this.audit(
      'auth.succeeded',
      'success',
      formatPrincipal(done.principal),
      {
        mechanism: state.mechanism,
        reauthentication: state.reauth !== null,
      },
      clientId,
    );
    const lifetime = done.expiresAtMs === null ? 0 : Math.max(1, done.expiresAtMs - this.deps.now());
    return { ...answer('NONE', null, round.reply), sessionLifetimeMs: lifetime };
  }

  private async fail(
    mechanism: MechanismName,
    error: AuthenticationFailed,
    clientId: string | null,
  ): Promise<AuthenticateAnswer> {
    this.#state = { kind: 'failed' };
    await this.recordFailure(mechanism, error, clientId);
    this.connection.endAfterResponses();
    return answer('SASL_AUTHENTICATION_FAILED', failureSentence(mechanism));
  }

  /** Logs and audits a failed attempt; resolves after the source address's failure delay. */
  private async recordFailure(
    mechanism: MechanismName,
    error: AuthenticationFailed,
    clientId: string | null,
  ): Promise<void> {
    this.connection.logger.info(
      { mechanism, claimed: error.claimed, reason: error.reason },
      'authentication failed; closing the connection',
    );
    this.audit(
      'auth.failed',
      'failure',
      error.claimed === undefined ? undefined : `User:${error.claimed}`,
      {
        mechanism,
        reason: error.reason,
      },
      clientId,
    );
    await this.deps.failed(this.connection.clientHost);
  }

  /**
   * Closes the connection when credentials with an expiry (a token) run out and no re-authentication has
   * replaced them (KIP-368: the broker does not serve a connection on expired credentials). A request that
   * arrives first is refused by admit(); this catches the connection that sends nothing.
   */
  private watchExpiry(session: Authenticated): void {
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    if (session.expiresAtMs === null) return;
    const delay = Math.max(0, session.expiresAtMs - this.deps.now());
    this.#expiryTimer = setTimeout(
      () => {
        const state = this.#state;
        const current =
          (state.kind === 'authenticated' && state.session === session) ||
          ((state.kind === 'handshaken' || state.kind === 'exchanging') && state.reauth === session);
        if (!current || this.connection.signal.aborted) return;
        // A lifetime beyond setTimeout's range (24.8 days) is waited for in several steps.
        if (this.deps.now() < (session.expiresAtMs as number)) return this.watchExpiry(session);
        this.audit('auth.expired', 'failure', formatPrincipal(session.principal), {
          mechanism: this.mechanismOf(state),
        });
        this.connection.logger.info(
          { principal: formatPrincipal(session.principal) },
          'credentials expired without re-authentication; closing the connection',
        );
        this.refuse({ errorCode: 'SASL_AUTHENTICATION_FAILED', message: 'the credentials of this connection expired' });
      },
      Math.min(delay, 2 ** 31 - 1),
    );
    this.#expiryTimer.unref();
  }

  private mechanismOf(state: State): string {
    return 'mechanism' in state ? state.mechanism : 'unknown';
  }

  private refuse(refusal: Refusal): Refusal {
    this.#state = { kind: 'failed' };
    this.connection.endAfterResponses();
    return refusal;
  }

  private outOfTurn(): Refusal {
    return this.refuse({
      errorCode: 'ILLEGAL_SASL_STATE',
      message: this.deps.required
        ? 'this broker requires authentication: send SaslHandshake and Authenticate first'
        : 'the request is not valid in the current SASL state',
    });
  }

  // The one place a connection's principal is written.
  private setPrincipal(principal: Principal): void {
    this.connection.principal = principal;
  }

  private audit(
    type: string,
    outcome: 'success' | 'failure',
    principal: string | undefined,
    details: Record<string, string | number | boolean>,
    clientId?: string | null,
  ): void {
    publishActivity(() => ({
      type,
      outcome,
      ...(principal !== undefined ? { principal } : {}),
      clientHost: this.connection.clientHost,
      ...(clientId ? { clientId } : {}),
      listener: this.deps.listener,
      details,
    }));
  }
}

function answer(
  errorCode: SaslErrorName,
  message: string | null,
  authBytes: Buffer = Buffer.alloc(0),
): AuthenticateAnswer {
  return { errorCode, message, authBytes, sessionLifetimeMs: 0 };
}
