// The keys JWT bearer tokens are verified with, read once from their text (the CLI reads the file): PEM
// (public keys, certificates; a private key is reduced to its public half) or JSON (one JWK, or a JWKS
// `{ "keys": [...] }`; `kty: "oct"` JWKs are HMAC secrets). Each key is pinned to the algorithms its type
// allows, and a token is only ever checked with a key that allows its header's `alg`: an RSA public key never
// verifies an HS256 token (the HS/RS confusion, where the public key's bytes would serve as an HMAC secret),
// and `alg: none` matches no key at all.
import { createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto';

export type JwtAlgorithm = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512';

export interface VerificationKey {
  /** The JWK's `kid`, when it has one: a token naming a kid is checked with that key only. */
  readonly kid: string | undefined;
  readonly key: KeyObject;
  /** The algorithms this key may verify (by key type and curve; a JWK's own `alg` narrows it to one). */
  readonly algorithms: readonly JwtAlgorithm[];
}

export class JwtKeyError extends Error {
  override name = 'JwtKeyError';
}

/** An HMAC secret shorter than the hash is guessable offline from one token (RFC 7518 §3.2). */
const MIN_HMAC_BYTES = 32;

const EC_CURVES: Record<string, JwtAlgorithm> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};

function algorithmsOf(key: KeyObject): JwtAlgorithm[] {
  if (key.type === 'secret') {
    const bytes = key.symmetricKeySize ?? 0;
    if (bytes < MIN_HMAC_BYTES)
      throw new JwtKeyError(`an HMAC key must be at least ${MIN_HMAC_BYTES} bytes long, this one has ${bytes}`);
    return ['HS256', 'HS384', 'HS512'];
  }
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new JwtKeyError(`an RSA key must have at least 2048 bits, this one has ${bits}`);
    return ['RS256', 'RS384', 'RS512'];
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
    const algorithm = EC_CURVES[curve];
    if (!algorithm)
      throw new JwtKeyError(`EC keys on curve ${curve || '(unknown)'} are not supported (P-256, P-384, P-521)`);
    return [algorithm];
  }
  throw new JwtKeyError(`${type ?? 'this'} keys are not supported (RSA, EC P-256/384/521, HMAC secrets as JWK "oct")`);
}

function fromJwk(jwk: unknown, where: string): VerificationKey {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    throw new JwtKeyError(`${where} is not a JWK object`);
  const { kty, kid, alg, use } = jwk as { kty?: unknown; kid?: unknown; alg?: unknown; use?: unknown };
  if (use !== undefined && use !== 'sig') throw new JwtKeyError(`${where} is for "${String(use)}", not signatures`);
  let key: KeyObject;
  try {
    if (kty === 'oct') {
      const k = (jwk as { k?: unknown }).k;
      if (typeof k !== 'string') throw new JwtKeyError('its "k" is missing');
      key = createSecretKey(Buffer.from(k, 'base64url'));
    } else {
      // Private members (d, p, q…) are dropped: only the public half is kept.
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    }
  } catch (error) {
    if (error instanceof JwtKeyError) throw new JwtKeyError(`${where}: ${error.message}`);
    throw new JwtKeyError(`${where} is not a usable JWK (kty ${JSON.stringify(kty)})`);
  }
  let algorithms: JwtAlgorithm[];
  try {
    algorithms = algorithmsOf(key);
  } catch (error) {
    throw new JwtKeyError(`${where}: ${(error as Error).message}`);
  }
  if (alg !== undefined) {
    if (!algorithms.includes(alg as JwtAlgorithm))
      throw new JwtKeyError(`${where} says alg ${JSON.stringify(alg)}, which its key type cannot verify`);
    algorithms = [alg as JwtAlgorithm];
  }
  return Object.freeze({ kid: typeof kid === 'string' ? kid : undefined, key, algorithms: Object.freeze(algorithms) });
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

function fromPem(text: string): VerificationKey[] {
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) throw new JwtKeyError('the JWT key is neither PEM nor JSON (a JWK or a JWKS)');
  return blocks.map((block, index) => {
    const where = `PEM block ${index + 1} (${block[1]})`;
    let key: KeyObject;
    try {
      key = createPublicKey(block[0]);
    } catch {
      throw new JwtKeyError(`${where} is not a public key, certificate or private key`);
    }
    try {
      return Object.freeze({ kid: undefined, key, algorithms: Object.freeze(algorithmsOf(key)) });
    } catch (error) {
      throw new JwtKeyError(`${where}: ${(error as Error).message}`);
    }
  });
}

/** Parses the key text once. Throws JwtKeyError with one sentence (never the key's bytes). */
export function parseVerificationKeys(text: string): readonly VerificationKey[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      throw new JwtKeyError('the JWT key looks like JSON but does not parse');
    }
    const keys = (json as { keys?: unknown }).keys;
    if (keys === undefined) return Object.freeze([fromJwk(json, 'the JWK')]);
    if (!Array.isArray(keys) || keys.length === 0) throw new JwtKeyError('the JWKS has no keys');
    return Object.freeze(keys.map((jwk, index) => fromJwk(jwk, `JWKS key ${index + 1}`)));
  }
  return Object.freeze(fromPem(trimmed));
}

/** The keys that may verify a token with this header: its `alg` allowed, and its `kid` when both name one. */
export function candidateKeys(
  keys: readonly VerificationKey[],
  header: { alg?: unknown; kid?: unknown },
): VerificationKey[] {
  if (typeof header.alg !== 'string') return [];
  const alg = header.alg as JwtAlgorithm;
  const allowed = keys.filter((k) => k.algorithms.includes(alg));
  if (typeof header.kid !== 'string') return allowed;
  const named = allowed.filter((k) => k.kid === header.kid);
  return named.length > 0 ? named : allowed.filter((k) => k.kid === undefined);
}
