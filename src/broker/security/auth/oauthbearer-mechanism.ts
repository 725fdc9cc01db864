// OAUTHBEARER (RFC 7628) as a SASL mechanism, on both wires. The client's one message is
//
//   gs2-header  kvsep  *(key "=" value kvsep)  kvsep        e.g.  "n,,\x01auth=Bearer <jwt>\x01\x01"
//
// where gs2-header is "n," [ "a=" authzid ] "," (no channel binding) and kvsep is \x01. The "auth" pair is
// required; other pairs (host, port, Kafka's SASL extensions) are read and ignored. A token the verifier
// refuses is answered, as RFC 7628 §3.2.2 and Kafka do, with an error JSON and no error code; the client
// then sends a lone \x01 and the exchange fails with the usual sentence. A malformed message fails at once.
import { userPrincipal } from '../principal.js';
import { JwtRejected, type JwtVerifier } from './jwt-verifier.js';
import { AuthenticationFailed, type MechanismExchange, type RoundResult } from './mechanism.js';

const KVSEP = '\x01';
/** RFC 7628 §3.2.2. One status for every refusal: the client learns nothing about why. */
export const OAUTHBEARER_ERROR_REPLY = Buffer.from('{"status":"invalid_token"}', 'utf8');

export interface OAuthBearerMessage {
  readonly token: string;
  /** The gs2 authzid, when the client named one. */
  readonly authzid: string | undefined;
}

/** Parses the client's message; null when it is not RFC 7628's shape. */
export function parseOAuthBearerMessage(text: string): OAuthBearerMessage | null {
  const first = text.indexOf(',');
  const second = first < 0 ? -1 : text.indexOf(',', first + 1);
  if (second < 0 || text.slice(0, first) !== 'n') return null;
  const authzidPart = text.slice(first + 1, second);
  let authzid: string | undefined;
  if (authzidPart.length > 0) {
    if (!authzidPart.startsWith('a=') || authzidPart.length === 2) return null;
    authzid = authzidPart.slice(2).replaceAll('=2C', ',').replaceAll('=3D', '=');
  }
  const rest = text.slice(second + 1);
  if (!rest.startsWith(KVSEP) || !rest.endsWith(KVSEP + KVSEP) || rest.length < 3) return null;
  let token: string | undefined;
  for (const pair of rest.slice(1, -2).split(KVSEP)) {
    const equals = pair.indexOf('=');
    if (equals <= 0) return null;
    const key = pair.slice(0, equals);
    const value = pair.slice(equals + 1);
    if (!/^[A-Za-z]+$/.test(key)) return null;
    if (key !== 'auth') continue;
    if (token !== undefined) return null;
    // RFC 6750 §2.1: "Bearer" 1*SP b64token.
    const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(value);
    if (!match) return null;
    token = match[1]!;
  }
  return token === undefined ? null : { token, authzid };
}

export class OAuthBearerMechanismExchange implements MechanismExchange {
  #refused: AuthenticationFailed | undefined;
  #rounds = 0;

  constructor(private readonly verifier: JwtVerifier) {}

  async round(clientBytes: Buffer): Promise<RoundResult> {
    if (this.#rounds++ > 0) {
      // The client's answer to the error JSON (a lone kvsep), or anything else: the exchange ends failed.
      throw this.#refused ?? new AuthenticationFailed('state');
    }
    const message = parseOAuthBearerMessage(clientBytes.toString('utf8'));
    if (!message) throw new AuthenticationFailed('malformed');
    let verified;
    try {
      verified = await this.verifier.verify(message.token);
    } catch (error) {
      if (!(error instanceof JwtRejected)) throw error;
      this.#refused = new AuthenticationFailed(error.reason, message.authzid);
      return { reply: OAUTHBEARER_ERROR_REPLY, failed: this.#refused };
    }
    if (message.authzid !== undefined && message.authzid !== verified.subject)
      throw new AuthenticationFailed('authzid differs from the token subject', message.authzid);
    return {
      reply: Buffer.alloc(0),
      done: { principal: userPrincipal(verified.subject), expiresAtMs: verified.expiresAtMs },
    };
  }
}
