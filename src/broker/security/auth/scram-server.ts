// The server's side of one SCRAM exchange: two client messages, two answers. One instance per attempt;
// it owns the exchange's state (first → final → done) and keeps its invariants: the full nonce is the
// client's nonce followed by a fresh server nonce, the client-final must echo it exactly, and nothing of
// an unknown user differs from a known one until the proof fails (no user enumeration).
import { createHmac, randomBytes } from 'node:crypto';
import {
  DEFAULT_SCRAM_ITERATIONS,
  hashOf,
  newNonce,
  parseClientFinal,
  parseClientFirst,
  proofMatches,
  sameText,
  type ScramCredential,
  type ScramMechanism,
  ScramSyntaxError,
  serverSignature,
} from '../../../protocol/sasl/scram.js';

/** Why an exchange failed: for the broker's own log and the activity log, never for the client. */
export type ScramFailure = 'malformed' | 'unknown-user' | 'bad-nonce' | 'bad-channel-binding' | 'bad-proof' | 'state';

export class ScramFailed extends Error {
  override name = 'ScramFailed';
  constructor(
    readonly reason: ScramFailure,
    /** The user the client named, if it got that far (not a secret; logged and audited). */
    readonly user: string | undefined,
  ) {
    super(`SCRAM authentication failed (${reason})`);
  }
}

export interface ScramServerOptions {
  readonly mechanism: ScramMechanism;
  lookup(user: string): ScramCredential | undefined;
  /**
   * Secret of this broker run that derives the stand-in salt of an unknown user: the same user name gets the
   * same salt on every attempt, as a real user's would.
   */
  readonly decoySecret: Buffer;
  /** Test seam: the server's nonce. */
  readonly serverNonce?: string;
}

type State =
  | { step: 'first' }
  | {
      step: 'final';
      user: string;
      known: boolean;
      credential: ScramCredential;
      nonce: string;
      serverNonceLength: number;
      gs2Header: string;
      firstBare: string;
      serverFirst: string;
    }
  | { step: 'done' };

export class ScramServerExchange {
  #state: State = { step: 'first' };

  constructor(private readonly options: ScramServerOptions) {}

  get done(): boolean {
    return this.#state.step === 'done';
  }

  /** client-first → server-first. Throws ScramFailed. */
  first(message: string): string {
    if (this.#state.step !== 'first') throw this.fail('state', undefined);
    let parsed: ReturnType<typeof parseClientFirst>;
    try {
      parsed = parseClientFirst(message);
    } catch (error) {
      if (error instanceof ScramSyntaxError) throw this.fail('malformed', undefined);
      throw error;
    }
    // Extensions (Kafka's tokenauth=true for delegation tokens) are not served.
    if (parsed.extensions.size > 0) throw this.fail('malformed', parsed.user);
    const real = this.options.lookup(parsed.user);
    const credential = real ?? this.decoy(parsed.user);
    const serverNonce = this.options.serverNonce ?? newNonce();
    const nonce = parsed.nonce + serverNonce;
    const serverFirst = `r=${nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
    this.#state = {
      step: 'final',
      user: parsed.user,
      known: real !== undefined,
      credential,
      nonce,
      serverNonceLength: serverNonce.length,
      gs2Header: parsed.gs2Header,
      firstBare: parsed.bare,
      serverFirst,
    };
    return serverFirst;
  }

  /** client-final → server-final, and the authenticated user. Throws ScramFailed. */
  final(message: string): { serverFinal: string; user: string } {
    const state = this.#state;
    if (state.step !== 'final') throw this.fail('state', undefined);
    let parsed: ReturnType<typeof parseClientFinal>;
    try {
      parsed = parseClientFinal(message);
    } catch (error) {
      if (error instanceof ScramSyntaxError) throw this.fail('malformed', state.user);
      throw error;
    }
    const hash = hashOf(this.options.mechanism);
    const authMessage = `${state.firstBare},${state.serverFirst},${parsed.withoutProof}`;
    // Every check runs whatever the earlier ones found, so an unknown user costs what a wrong password does.
    // librdkafka (kcat, confluent-kafka-python) echoes its client nonce before the full nonce; Kafka accepts
    // any echo ending with the full nonce. Exactly these two forms are accepted here.
    const clientNonce = state.nonce.slice(0, state.nonce.length - state.serverNonceLength);
    const nonceOk = sameText(parsed.nonce, state.nonce) || sameText(parsed.nonce, clientNonce + state.nonce);
    const bindingOk = sameText(parsed.channelBinding, Buffer.from(state.gs2Header).toString('base64'));
    const proofOk = proofMatches(hash, state.credential.storedKey, authMessage, parsed.proof);
    if (!state.known) throw this.fail('unknown-user', state.user);
    if (!nonceOk) throw this.fail('bad-nonce', state.user);
    if (!bindingOk) throw this.fail('bad-channel-binding', state.user);
    if (!proofOk) throw this.fail('bad-proof', state.user);
    this.#state = { step: 'done' };
    const signature = serverSignature(hash, state.credential.serverKey, authMessage);
    return { serverFinal: `v=${signature.toString('base64')}`, user: state.user };
  }

  private fail(reason: ScramFailure, user: string | undefined): ScramFailed {
    this.#state = { step: 'done' };
    return new ScramFailed(reason, user);
  }

  private decoy(user: string): ScramCredential {
    const hash = hashOf(this.options.mechanism);
    const salt = createHmac('sha256', this.options.decoySecret).update(`${this.options.mechanism}\0${user}`).digest();
    const size = hash === 'sha256' ? 32 : 64;
    return { salt, iterations: DEFAULT_SCRAM_ITERATIONS, storedKey: randomBytes(size), serverKey: randomBytes(size) };
  }
}
