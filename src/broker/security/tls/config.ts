// The broker's `tls` settings: TLS listeners beside the plaintext ones (native and Kafka wire), the
// certificate and key they present, and mutual TLS (a CA whose client certificates are trusted, and how a
// certificate's subject becomes a principal). Typed, defaulted and validated once (by resolveBrokerConfig),
// frozen. The files are read when the broker starts and again on reload (certificates.ts), not here.
import { parsePrincipalMappingRules, type PrincipalMappingRule } from './principal-mapping.js';

/** Kafka's ssl.client.auth: whether a TLS client must, may or may not present a certificate. */
export type TlsClientAuth = 'required' | 'requested' | 'none';

/** What a caller passes as `BrokerOptions.tls`. */
export interface TlsOptions {
  /** Port of the native protocol's TLS listener; 0 picks a free one (`broker.tlsPort`). Default: none. */
  port?: number;
  /** Port of the Kafka wire's TLS listener (security.protocol=SSL / SASL_SSL); 0 picks a free one. Default: none. */
  kafkaPort?: number;
  /** PEM file of the broker's certificate (chain). Required. */
  cert?: string;
  /** PEM file of the certificate's private key. Required. */
  key?: string;
  /** PEM file of the CA(s) whose client certificates are trusted: mutual TLS. */
  ca?: string;
  /** Default "required" with `ca`, "none" without. "requested": a certificate is verified if presented. */
  clientAuth?: TlsClientAuth;
  /**
   * How a client certificate's subject (RFC 2253 DN, "CN=alice,OU=eng,O=Acme") becomes a principal name,
   * Kafka's ssl.principal.mapping.rules: "RULE:<regex>/<replacement>/[L|U]" tried in order, "DEFAULT" (the
   * whole DN). Default ["DEFAULT"]. Example: ["RULE:^CN=([^,]+).*$/$1/", "DEFAULT"].
   */
  principalMappingRules?: readonly string[];
}

export interface TlsConfig {
  /** null: no native TLS listener. */
  readonly port: number | null;
  /** null: no Kafka TLS listener. */
  readonly kafkaPort: number | null;
  readonly cert: string;
  readonly key: string;
  readonly ca: string | null;
  readonly clientAuth: TlsClientAuth;
  readonly principalMappingRules: readonly PrincipalMappingRule[];
}

export class TlsConfigError extends Error {
  override name = 'TlsConfigError';
}

const KNOWN_KEYS = new Set(['port', 'kafkaPort', 'cert', 'key', 'ca', 'clientAuth', 'principalMappingRules']);
const CLIENT_AUTH: readonly TlsClientAuth[] = ['required', 'requested', 'none'];

function fail(key: string, problem: string): never {
  throw new TlsConfigError(`tls.${key} ${problem}`);
}

function portOption(key: string, value: unknown): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 65535)
    fail(key, `must be a port from 0 to 65535, got ${JSON.stringify(value)}`);
  return value;
}

function fileOption(key: string, value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || value.length === 0)
    fail(key, `must be the path of a PEM file, got ${JSON.stringify(value)}`);
  return value;
}

/** Validates `BrokerOptions.tls` once; null without one. Throws TlsConfigError with one sentence. */
export function resolveTlsConfig(options: TlsOptions | undefined): TlsConfig | null {
  if (options === undefined) return null;
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new TlsConfigError('tls must be an object of TLS settings');
  for (const key of Object.keys(options))
    if (!KNOWN_KEYS.has(key)) fail(key, `is not a TLS setting (known: ${[...KNOWN_KEYS].join(', ')})`);
  const port = portOption('port', options.port);
  const kafkaPort = portOption('kafkaPort', options.kafkaPort);
  if (port === null && kafkaPort === null)
    throw new TlsConfigError(
      'tls needs a listener: set tls.port (native, --tls-port) or tls.kafkaPort (--kafka-tls-port)',
    );
  if (port !== null && port !== 0 && port === kafkaPort)
    fail('kafkaPort', `must differ from tls.port (both are ${port}): the two listeners speak different protocols`);
  const cert = fileOption('cert', options.cert);
  const key = fileOption('key', options.key);
  if (cert === null || key === null)
    throw new TlsConfigError('a TLS listener needs tls.cert and tls.key (--tls-cert, --tls-key): PEM files');
  const ca = fileOption('ca', options.ca);
  const clientAuth = options.clientAuth ?? (ca === null ? 'none' : 'required');
  if (!CLIENT_AUTH.includes(clientAuth))
    fail('clientAuth', `must be one of ${CLIENT_AUTH.join(', ')}, got ${JSON.stringify(clientAuth)}`);
  if (clientAuth !== 'none' && ca === null)
    fail('clientAuth', `is "${clientAuth}" but there is no tls.ca (--tls-ca) to verify client certificates with`);
  let principalMappingRules: readonly PrincipalMappingRule[];
  try {
    principalMappingRules = parsePrincipalMappingRules(options.principalMappingRules ?? ['DEFAULT']);
  } catch (error) {
    fail('principalMappingRules', (error as Error).message);
  }
  return Object.freeze({ port, kafkaPort, cert, key, ca, clientAuth, principalMappingRules });
}
