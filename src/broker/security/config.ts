// The broker's `security` settings: typed, defaulted and validated once (by resolveBrokerConfig), frozen.
// Authentication decides who a connection is (SASL on either wire); authorization (ACLs) decides what it
// may do. `sluice serve --auth` turns both on.
import { JwtKeyError, parseVerificationKeys, type VerificationKey } from './auth/jwt-keys.js';
import { formatPrincipal, parsePrincipal, userPrincipal } from './principal.js';

/** JWT bearer tokens (OAUTHBEARER on both wires, `Authorization: Bearer` on HTTP). */
export interface JwtOptions {
  /** The verification keys' text: PEM (public keys, certificates) or JSON (a JWK or a JWKS). Required. */
  key: string;
  /** Tokens must carry this `iss`. Default: any issuer. */
  issuer?: string;
  /** Tokens must name this audience (one of these) in `aud`. Default: any audience. */
  audience?: string | readonly string[];
  /** Tolerated clock difference for `exp`, `nbf` and `iat`, in seconds. Default 30 (Kafka's). */
  clockSkewSeconds?: number;
  /** The claim naming the principal ("User:<value>"). Default "sub". */
  principalClaim?: string;
}

export interface JwtConfig {
  readonly keys: readonly VerificationKey[];
  readonly issuer: string | undefined;
  readonly audience: readonly string[] | undefined;
  readonly clockSkewSeconds: number;
  readonly principalClaim: string;
}

/** What a caller passes as `BrokerOptions.security`. Everything is optional; the default is all off. */
export interface SecurityOptions {
  /** Connections must authenticate (SASL) before any request but ApiVersions and the SASL ones. Default false. */
  authentication?: boolean;
  /** Every request is checked against the ACLs; anything not allowed is denied. Default false. */
  authorization?: boolean;
  /** Principals allowed everything, whatever the ACLs say: "User:alice" or a bare "alice". */
  superUsers?: readonly string[];
  /**
   * Protected mode: a broker bound to anything but loopback refuses to start without authentication, unless
   * this is true (`sluice serve --insecure-allow-anonymous`). Default false.
   */
  insecureAllowAnonymous?: boolean;
  /** JWT bearer tokens accepted (OAUTHBEARER, HTTP Bearer). Default: none. */
  jwt?: JwtOptions;
}

export interface SecurityConfig {
  readonly authentication: boolean;
  readonly authorization: boolean;
  /** Normalised to "User:name" (formatPrincipal), deduplicated. */
  readonly superUsers: readonly string[];
  readonly insecureAllowAnonymous: boolean;
  /** null: no JWT accepted. */
  readonly jwt: JwtConfig | null;
}

export class SecurityConfigError extends Error {
  override name = 'SecurityConfigError';
}

const KNOWN_KEYS = new Set(['authentication', 'authorization', 'superUsers', 'insecureAllowAnonymous', 'jwt']);
const JWT_KEYS = new Set(['key', 'issuer', 'audience', 'clockSkewSeconds', 'principalClaim']);

function fail(key: string, problem: string): never {
  throw new SecurityConfigError(`security.${key} ${problem}`);
}

function booleanOption(key: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') fail(key, `must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** "User:alice" stays; a bare "alice" becomes "User:alice". */
export function normalisePrincipalName(text: string): string {
  return formatPrincipal(text.includes(':') ? parsePrincipal(text) : userPrincipal(text));
}

function superUsersOption(value: unknown): readonly string[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value)) fail('superUsers', `must be a list of principals, got ${JSON.stringify(value)}`);
  const names = new Set<string>();
  for (const entry of value) {
    if (typeof entry !== 'string' || entry.trim().length === 0)
      fail('superUsers', `must hold non-empty principal names ("User:alice" or "alice"), got ${JSON.stringify(entry)}`);
    try {
      names.add(normalisePrincipalName(entry.trim()));
    } catch (error) {
      fail('superUsers', (error as Error).message);
    }
  }
  return Object.freeze([...names]);
}

function optionalText(key: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0)
    fail(key, `must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function jwtOption(value: unknown): JwtConfig | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('jwt', 'must be an object of JWT settings ({ key, issuer, audience, clockSkewSeconds, principalClaim })');
  const options = value as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!JWT_KEYS.has(key)) fail(`jwt.${key}`, `is not a JWT setting (known: ${[...JWT_KEYS].join(', ')})`);
  }
  if (typeof options.key !== 'string' || options.key.trim().length === 0)
    fail('jwt.key', 'must hold the verification keys (PEM, a JWK or a JWKS)');
  let keys: readonly VerificationKey[];
  try {
    keys = parseVerificationKeys(options.key);
  } catch (error) {
    if (error instanceof JwtKeyError) fail('jwt.key', `is not usable: ${error.message}`);
    throw error;
  }
  let audience: readonly string[] | undefined;
  if (options.audience !== undefined) {
    const list = Array.isArray(options.audience) ? options.audience : [options.audience];
    if (list.length === 0 || list.some((a) => typeof a !== 'string' || a.length === 0))
      fail('jwt.audience', `must be a non-empty string or list of them, got ${JSON.stringify(options.audience)}`);
    audience = Object.freeze([...(list as string[])]);
  }
  const skew = options.clockSkewSeconds ?? 30;
  if (typeof skew !== 'number' || !Number.isInteger(skew) || skew < 0 || skew > 3600)
    fail('jwt.clockSkewSeconds', `must be a whole number of seconds from 0 to 3600, got ${JSON.stringify(skew)}`);
  return Object.freeze({
    keys,
    issuer: optionalText('jwt.issuer', options.issuer),
    audience,
    clockSkewSeconds: skew,
    principalClaim: optionalText('jwt.principalClaim', options.principalClaim) ?? 'sub',
  });
}

/** Validates `BrokerOptions.security` once; throws SecurityConfigError with one sentence. */
export function resolveSecurityConfig(options: SecurityOptions | undefined): SecurityConfig {
  if (options === undefined)
    return Object.freeze({
      authentication: false,
      authorization: false,
      superUsers: [],
      insecureAllowAnonymous: false,
      jwt: null,
    });
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new SecurityConfigError('security must be an object of security settings');
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) fail(key, `is not a security setting (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  return Object.freeze({
    authentication: booleanOption('authentication', options.authentication),
    authorization: booleanOption('authorization', options.authorization),
    superUsers: superUsersOption(options.superUsers),
    insecureAllowAnonymous: booleanOption('insecureAllowAnonymous', options.insecureAllowAnonymous),
    jwt: jwtOption(options.jwt),
  });
}

/** 127.0.0.0/8, ::1, localhost: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Protected mode (Redis's idea): anonymous clients only from this machine. Returns the sentence refusing to
 * start, or null.
 */
export function protectedModeRefusal(host: string, security: SecurityConfig): string | null {
  if (security.authentication || security.insecureAllowAnonymous || isLoopbackHost(host)) return null;
  return `refusing to listen on ${host} without authentication: anyone who can reach it could read, write and delete every topic; turn authentication on (sluice serve --auth, after sluice users add <name> --data-dir <dir>) or, to accept anonymous clients on purpose, pass --insecure-allow-anonymous (security.insecureAllowAnonymous)`;
}
