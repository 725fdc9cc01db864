// Keys and tokens for the JWT tests: an RSA, an EC P-256 and an HMAC key made by the test itself, tokens
// signed with jose, and the hostile tokens no broker may take (alg none, HS256 keyed with the RSA public key).
import { createHmac, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';

export interface TestKeys {
  readonly rsa: { privateKey: KeyObject; publicPem: string };
  readonly ec: { privateKey: KeyObject; publicPem: string };
  readonly hmac: Buffer;
  /** A JWKS holding the three, with kids "rsa", "ec" and "hmac". */
  readonly jwks: string;
}

export function makeTestKeys(): TestKeys {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const hmac = randomBytes(32);
  const jwks = {
    keys: [
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa', use: 'sig' },
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec' },
      { kty: 'oct', k: hmac.toString('base64url'), kid: 'hmac' },
    ],
  };
  return {
    rsa: { privateKey: rsa.privateKey, publicPem: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    ec: { privateKey: ec.privateKey, publicPem: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    hmac,
    jwks: JSON.stringify(jwks),
  };
}

export interface TokenOptions {
  sub?: string;
  iss?: string;
  aud?: string | string[];
  /** Seconds since the epoch; default now + 1 h. null: no exp. */
  exp?: number | null;
  nbf?: number;
  alg?: 'RS256' | 'ES256' | 'HS256';
  kid?: string;
  claims?: Record<string, unknown>;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A token signed with the test keys (RS256 by default). */
export async function signToken(keys: TestKeys, options: TokenOptions = {}): Promise<string> {
  const alg = options.alg ?? 'RS256';
  const jwt = new SignJWT({ ...options.claims }).setProtectedHeader({
    alg,
    ...(options.kid ? { kid: options.kid } : {}),
  });
  if (options.sub !== undefined) jwt.setSubject(options.sub);
  if (options.iss !== undefined) jwt.setIssuer(options.iss);
  if (options.aud !== undefined) jwt.setAudience(options.aud);
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? nowSeconds() + 3600);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  jwt.setIssuedAt(nowSeconds() - 5);
  const key = alg === 'RS256' ? keys.rsa.privateKey : alg === 'ES256' ? keys.ec.privateKey : keys.hmac;
  return jwt.sign(key);
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An unsigned token (`alg: none`) with these claims. */
export function unsignedToken(claims: Record<string, unknown>): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
}

/** The HS/RS confusion: an HS256 token whose HMAC key is the RSA public key's PEM text. */
export function hmacWithPublicKey(publicPem: string, claims: Record<string, unknown>): string {
  const signingInput = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  const signature = createHmac('sha256', publicPem).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}
