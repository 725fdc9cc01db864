// Verifies a JWT bearer token (compact JWS) with jose against the configured keys, and names who it
// authenticates. One instance per broker, shared by OAUTHBEARER on both wires and by the HTTP door.
// Checked: the signature, with a key that allows the header's alg (jwt-keys.ts: no `none`, no HS/RS
// confusion); `exp` (required), `nbf` and `iat` against the broker's clock, within the configured skew;
// `iss` and `aud` when configured; the principal claim (a non-empty string). A refusal says why for the
// broker's log and activity log only: its reason never holds the token or a claim's value.
import type { JWTPayload } from 'jose';
import type { JwtConfig } from '../config.js';
import { candidateKeys } from './jwt-keys.js';

export interface VerifiedToken {
  /** The principal claim's value (by default `sub`). */
  readonly subject: string;
  /** The token's `exp` plus the clock skew allowed, in ms since the epoch: when the broker stops taking it. */
  readonly expiresAtMs: number;
}

export class JwtRejected extends Error {
  override name = 'JwtRejected';
  constructor(
    /** "expired token", "wrong audience"…: never the token, never a claim's value. */
    readonly reason: string,
  ) {
    super(`token refused (${reason})`);
  }
}

/** Longest token read; an OAUTHBEARER message is bounded by the Authenticate frame anyway. */
const MAX_TOKEN_CHARS = 16 * 1024;

type Jose = typeof import('jose');
let josePromise: Promise<Jose> | undefined;

/** jose is loaded with the first token: a broker without JWT keys never loads its ~80 modules at start. */
function loadJose(): Promise<Jose> {
  josePromise ??= import('jose');
  return josePromise;
}

function reasonOf(error: unknown, { errors }: Jose): string {
  if (error instanceof errors.JWTExpired) return 'expired token';
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf':
        return 'token not yet valid';
      case 'iat':
        return 'token issued in the future';
      case 'iss':
        return 'wrong issuer';
      case 'aud':
        return 'wrong audience';
      case 'exp':
        return 'token without a valid exp';
      default:
        return `invalid claim ${error.claim}`;
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JOSENotSupported) return 'unsupported token';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed token';
  return 'invalid token';
}

export class JwtVerifier {
  constructor(
    private readonly config: JwtConfig,
    private readonly now: () => number,
  ) {}

  /** Resolves with the subject and expiry, or rejects with JwtRejected. */
  async verify(token: string): Promise<VerifiedToken> {
    if (token.length === 0 || token.length > MAX_TOKEN_CHARS) throw new JwtRejected('malformed token');
    const jose = await loadJose();
    const { decodeProtectedHeader, errors, jwtVerify } = jose;
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new JwtRejected('malformed token');
    }
    if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none')
      throw new JwtRejected('unsigned token (alg none)');
    const keys = candidateKeys(this.config.keys, header);
    if (keys.length === 0) throw new JwtRejected(`no configured key verifies alg ${header.alg.slice(0, 16)}`);
    let payload: JWTPayload | undefined;
    let lastError: unknown;
    // Several keys may fit a header without a kid (a JWKS of two RSA keys during a rotation): each is tried.
    for (const candidate of keys) {
      try {
        ({ payload } = await jwtVerify(token, candidate.key, {
          algorithms: [...candidate.algorithms],
          issuer: this.config.issuer,
          audience: this.config.audience as string | string[] | undefined,
          clockTolerance: this.config.clockSkewSeconds,
          currentDate: new Date(this.now()),
          requiredClaims: ['exp'],
        }));
        break;
      } catch (error) {
        lastError = error;
        // Only a signature mismatch makes another key worth trying; a bad claim is bad with every key.
        if (!(error instanceof errors.JWSSignatureVerificationFailed)) break;
      }
    }
    if (payload === undefined) throw new JwtRejected(reasonOf(lastError, jose));
    const subject = payload[this.config.principalClaim];
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > 256 || /\p{Cc}/u.test(subject))
      throw new JwtRejected(`token without a usable ${this.config.principalClaim} claim`);
    return { subject, expiresAtMs: ((payload.exp as number) + this.config.clockSkewSeconds) * 1000 };
  }
}
