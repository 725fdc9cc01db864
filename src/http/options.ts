// Settings of the HTTP door, validated once and frozen (the CLI builds them from flags and the config
// file; embedders pass them to startHttpServer).
export interface HttpOptions {
  /** Interface to bind. Default: the broker's host (loopback unless the broker is exposed). */
  host?: string;
  /** TCP port; 0 picks a free one (logged, and read from `server.port`). Default 9651. */
  port?: number;
  /** Largest request body in bytes (a produce batch). Default 8 MiB. */
  bodyLimit?: number;
  /** Most records one produce request may carry. Default 1,000. */
  maxRecordsPerRequest?: number;
  /** Most records one read may return. Default 1,000. */
  maxReadRecords?: number;
  /** Most bytes of batches one read may take from the log. Default 4 MiB. */
  maxReadBytes?: number;
  /** Per-topic metric series are dropped (and only totals kept) above this many topics. Default 100. */
  metricsTopicLimit?: number;
  /** Per-group metric series (rebalances, lag, share groups) for the first this many groups seen. Default 100. */
  metricsGroupLimit?: number;
  /** Serve /metrics and collect the broker's diagnostics channels. Default true. */
  metrics?: boolean;
  /** Bytes queued on one WebSocket before its fetching pauses. Default 4 MiB. */
  wsMaxBufferedBytes?: number;
  /** How long a WebSocket may stay over that limit before it is closed (code 4008). Default 30 s. */
  wsStuckTimeoutMs?: number;
  /**
   * Serve HTTPS with the broker's TLS certificate (BrokerOptions.tls; reloaded with it), on the same port.
   * Default false.
   */
  tls?: boolean;
  /**
   * Web origins besides the door's own whose pages may call it ("https://app.example.com",
   * "http://localhost:3000"): a request whose Origin header is another is refused (403), so is a WebSocket
   * upgrade. On a loopback-bound door their host names are also accepted in the Host header. Default none.
   */
  allowedOrigins?: readonly string[];
}

export type HttpConfig = Readonly<
  Required<Omit<HttpOptions, 'host' | 'allowedOrigins'>> & {
    host: string | undefined;
    allowedOrigins: readonly string[];
  }
>;

export const DEFAULT_HTTP_PORT = 9651;

export class HttpConfigError extends Error {
  override name = 'HttpConfigError';
}

function integer(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max)
    throw new HttpConfigError(`http ${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  return v;
}

function booleanOption(name: string, value: boolean | undefined): boolean {
  if (value !== undefined && typeof value !== 'boolean')
    throw new HttpConfigError(`http ${name} must be true or false, got ${JSON.stringify(value)}`);
  return value ?? false;
}

/**
 * One entry of allowedOrigins (the config file's, or a --http-allowed-origin flag's) as `URL.origin` writes
 * it (lower case, default port dropped): what a browser sends. Throws HttpConfigError for anything but an
 * http or https origin.
 */
export function parseAllowedOrigin(entry: unknown): string {
  const url = typeof entry === 'string' && URL.canParse(entry) ? new URL(entry) : null;
  // Nothing but scheme, host and port: href would show a user, path, query or fragment.
  const originOnly =
    url !== null && (url.protocol === 'http:' || url.protocol === 'https:') && url.href === `${url.origin}/`;
  if (!originOnly)
    throw new HttpConfigError(
      `http allowedOrigins entries are origins: http or https, a host and an optional port, nothing after (e.g. "https://app.example.com:8443"), got ${JSON.stringify(entry)}`,
    );
  return url.origin;
}

function originsOption(value: readonly string[] | undefined): readonly string[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value))
    throw new HttpConfigError(`http allowedOrigins must be a list of origins, got ${JSON.stringify(value)}`);
  return Object.freeze(value.map(parseAllowedOrigin));
}

export function resolveHttpConfig(options: HttpOptions = {}): HttpConfig {
  return Object.freeze({
    host: options.host,
    port: integer('port', options.port, DEFAULT_HTTP_PORT, 0, 65535),
    bodyLimit: integer('bodyLimit', options.bodyLimit, 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxRecordsPerRequest: integer('maxRecordsPerRequest', options.maxRecordsPerRequest, 1000, 1, 1_000_000),
    maxReadRecords: integer('maxReadRecords', options.maxReadRecords, 1000, 1, 1_000_000),
    maxReadBytes: integer('maxReadBytes', options.maxReadBytes, 4 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    metricsTopicLimit: integer('metricsTopicLimit', options.metricsTopicLimit, 100, 0, 1_000_000),
    metricsGroupLimit: integer('metricsGroupLimit', options.metricsGroupLimit, 100, 0, 1_000_000),
    metrics: options.metrics ?? true,
    wsMaxBufferedBytes: integer('wsMaxBufferedBytes', options.wsMaxBufferedBytes, 4 * 1024 * 1024, 1024, 1 << 30),
    wsStuckTimeoutMs: integer('wsStuckTimeoutMs', options.wsStuckTimeoutMs, 30_000, 10, 3_600_000),
    tls: booleanOption('tls', options.tls),
    allowedOrigins: originsOption(options.allowedOrigins),
  });
}
