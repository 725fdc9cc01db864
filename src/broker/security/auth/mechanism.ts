// What a SASL mechanism is to a session: a fresh exchange per attempt, fed the client's bytes round by
// round until it names who authenticated or fails. A failure's reason is for the broker's log and the
// activity log only; the client always hears the same sentence (no user enumeration).
import type { Principal } from '../principal.js';

export type MechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'PLAIN' | 'OAUTHBEARER';

export interface Authenticated {
  readonly principal: Principal;
  /** When the credentials stop being good (a token's exp), or null: never. */
  readonly expiresAtMs: number | null;
}

export interface RoundResult {
  /** Bytes for the client (may be empty). */
  readonly reply: Buffer;
  /** Set on the last round of a successful exchange. */
  readonly done?: Authenticated;
  /**
   * The exchange has failed, but the mechanism answers the client first (OAUTHBEARER's error JSON, RFC 7628
   * §3.2.2): `reply` goes out without an error code, and the client's next message ends the exchange failed.
   */
  readonly failed?: AuthenticationFailed;
}

export interface MechanismExchange {
  /** One round. Throws AuthenticationFailed. */
  round(clientBytes: Buffer): RoundResult | Promise<RoundResult>;
}

export class AuthenticationFailed extends Error {
  override name = 'AuthenticationFailed';
  constructor(
    /** e.g. "bad-proof", "unknown-user", "expired token": never a secret. */
    readonly reason: string,
    /** The user or subject the client claimed, when known (logged and audited, not told to the client). */
    readonly claimed?: string,
  ) {
    super(`authentication failed (${reason})`);
  }
}
