// The broker's `security` settings: typed, defaulted and validated once (by resolveBrokerConfig), frozen.
// Authentication decides who a connection is (SASL on either wire); authorization (ACLs) decides what it
// may do. `sluice serve --auth` turns both on.
import { formatPrincipal, parsePrincipal, userPrincipal } from './principal.js';

/** What a caller passes as `BrokerOptions.security`. Everything is optional; the default is all off. */
export interface SecurityOptions {
  /** Connections must authenticate (SASL) before any request but ApiVersions and the SASL ones. Default false. */
  authentication?: boolean;
  /** Every request is checked against the ACLs; anything not allowed is denied. Default false. */
  authorization?: boolean;
  /** Principals allowed everything, whatever the ACLs say: "User:alice" or a bare "alice". */
  superUsers?: readonly string[];
}

export interface SecurityConfig {
  readonly authentication: boolean;
  readonly authorization: boolean;
  /** Normalised to "User:name" (formatPrincipal), deduplicated. */
  readonly superUsers: readonly string[];
}

export class SecurityConfigError extends Error {
  override name = 'SecurityConfigError';
}

const KNOWN_KEYS = new Set(['authentication', 'authorization', 'superUsers']);

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

/** Validates `BrokerOptions.security` once; throws SecurityConfigError with one sentence. */
export function resolveSecurityConfig(options: SecurityOptions | undefined): SecurityConfig {
  if (options === undefined) return Object.freeze({ authentication: false, authorization: false, superUsers: [] });
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new SecurityConfigError('security must be an object of security settings');
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) fail(key, `is not a security setting (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  return Object.freeze({
    authentication: booleanOption('authentication', options.authentication),
    authorization: booleanOption('authorization', options.authorization),
    superUsers: superUsersOption(options.superUsers),
  });
}
