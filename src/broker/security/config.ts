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
  /**
   * Protected mode: a broker bound to anything but loopback refuses to start without authentication, unless
   * this is true (`sluice serve --insecure-allow-anonymous`). Default false.
   */
  insecureAllowAnonymous?: boolean;
}

export interface SecurityConfig {
  readonly authentication: boolean;
  readonly authorization: boolean;
  /** Normalised to "User:name" (formatPrincipal), deduplicated. */
  readonly superUsers: readonly string[];
  readonly insecureAllowAnonymous: boolean;
}

export class SecurityConfigError extends Error {
  override name = 'SecurityConfigError';
}

const KNOWN_KEYS = new Set(['authentication', 'authorization', 'superUsers', 'insecureAllowAnonymous']);

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
  if (options === undefined)
    return Object.freeze({
      authentication: false,
      authorization: false,
      superUsers: [],
      insecureAllowAnonymous: false,
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
