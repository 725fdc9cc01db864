// Builds the broker's options for `sluice serve`: built-in defaults < config file (JSON) < flags.
// Every problem is one sentence (UsageError → exit code 2).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  BrokerConfigError,
  parseFlushPolicy,
  resolveBrokerConfig,
  type BrokerOptions,
  type SecurityOptions,
  type TlsClientAuth,
  type TlsOptions,
} from '../src/broker/index.js';

import { type HttpConfig, HttpConfigError, resolveHttpConfig, type HttpOptions } from '../src/http/options.js';
import { UsageError } from './lib/errors.js';
import { LOG_LEVELS, type LogLevel } from './serve-log-levels.js';

export type { LogLevel };

/** Flags of `sluice serve`, as commander parsed them (undefined = not given). */
export interface ServeFlags {
  dataDir?: string;
  host?: string;
  port?: number;
  advertisedHost?: string;
  advertisedPort?: number;
  kafkaPort?: number;
  /** false: --no-kafka. */
  kafka?: boolean;
  advertisedKafkaPort?: number;
  flush?: string;
  config?: string;
  logLevel?: string;
  autoCreateTopics?: boolean;
  defaultPartitions?: number;
  repair?: boolean;
  /** false: --no-http. */
  http?: boolean;
  httpPort?: number;
  /** --http-allowed-origin (repeatable) or SLUICE_HTTP_ALLOWED_ORIGINS: added to the file's http.allowedOrigins. */
  httpAllowedOrigin?: string[];
  /** --auth: authentication and authorization on every listener. */
  auth?: boolean;
  /** --super-user (repeatable). */
  superUser?: string[];
  /** --insecure-allow-anonymous: protected mode off. */
  insecureAllowAnonymous?: boolean;
  /** --jwt-key: file of the JWT verification keys (PEM, a JWK or a JWKS). */
  jwtKey?: string;
  jwtIssuer?: string;
  /** --jwt-audience (repeatable). */
  jwtAudience?: string[];
  jwtClockSkew?: number;
  jwtPrincipalClaim?: string;
  tlsPort?: number;
  kafkaTlsPort?: number;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  tlsClientAuth?: TlsClientAuth;
  /** --tls-principal-rule (repeatable). */
  tlsPrincipalRule?: string[];
  /** --http-tls: the HTTP door over HTTPS. */
  httpTls?: boolean;
  /** --cluster etcd://host:port[,host:port]: cluster mode. */
  cluster?: string;
  /** --broker-id: this broker's id in the cluster (the broker's nodeId). */
  brokerId?: number;
  /** --cluster-name: the cluster's key prefix in etcd. */
  clusterName?: string;
  /** --offsets-topic-replication-factor: replicas of `__consumer_offsets` (cluster.offsetsTopicReplicationFactor). */
  offsetsTopicReplicationFactor?: number;
  /** false: --no-log-cleaner (Kafka's log.cleaner.enable=false). */
  logCleaner?: boolean;
  /** --log-cleaner-dedupe-buffer-size: bytes of the cleaner's offset map. */
  logCleanerDedupeBufferSize?: number;
  /** --log-cleaner-io-max-bytes-per-second: the cleaner's reads plus writes per second. */
  logCleanerIoMaxBytesPerSecond?: number;
  /** --log-cleaner-backoff-ms: the cleaner's sleep when no partition needs cleaning. */
  logCleanerBackoffMs?: number;
  /** --inter-broker-user: the SCRAM user brokers authenticate to each other as. */
  interBrokerUser?: string;
  /** --inter-broker-password-file: its password (else SLUICE_INTER_BROKER_PASSWORD; never argv). */
  interBrokerPasswordFile?: string;
}

/** Each log cleaner setting (config file key `logCleaner.<key>`) and its flag, for errors naming both. */
const LOG_CLEANER_FLAGS = {
  dedupeBufferBytes: '--log-cleaner-dedupe-buffer-size',
  ioMaxBytesPerSecond: '--log-cleaner-io-max-bytes-per-second',
  backoffMs: '--log-cleaner-backoff-ms',
} as const;

/**
 * The file's `logCleaner` (an object of settings, or false: no cleaner) with the --log-cleaner-* flags on
 * top. The values are checked once, with the broker's config (resolveBrokerConfig).
 */
function logCleanerFromFlags(file: BrokerOptions['logCleaner'], flags: ServeFlags): BrokerOptions['logCleaner'] {
  const given = Object.fromEntries(
    Object.entries({
      dedupeBufferBytes: flags.logCleanerDedupeBufferSize,
      ioMaxBytesPerSecond: flags.logCleanerIoMaxBytesPerSecond,
      backoffMs: flags.logCleanerBackoffMs,
    }).filter(([, v]) => v !== undefined),
  );
  if (flags.logCleaner === false) {
    const set = Object.keys(given).map((key) => LOG_CLEANER_FLAGS[key as keyof typeof LOG_CLEANER_FLAGS]);
    if (set.length > 0)
      throw new UsageError(`--no-log-cleaner turns the cleaner off: ${set.join(', ')} cannot go with it`);
    return false;
  }
  if (Object.keys(given).length === 0) return file;
  if (file !== undefined && file !== false && (typeof file !== 'object' || file === null || Array.isArray(file)))
    throw new UsageError('config setting "logCleaner" must be an object of log cleaner settings, or false');
  // Flags override the file, "logCleaner": false included: a flag giving a setting turns the cleaner on.
  return { ...(file || {}), ...given };
}

/** A broker config error, naming the flag too when the setting is one of the log cleaner's. */
function brokerSettingError(message: string): UsageError {
  const cleaner = /^logCleaner\.(\w+)/.exec(message);
  const flag = cleaner ? LOG_CLEANER_FLAGS[cleaner[1] as keyof typeof LOG_CLEANER_FLAGS] : undefined;
  const named = flag ? message.replace(/^logCleaner\.\w+/, (key) => `${key} (${flag})`) : message;
  return new UsageError(`invalid broker setting: ${named}`);
}

/** The file's `cluster` object with --cluster and --cluster-name on top; --broker-id is required with it. */
function clusterFromFlags(file: BrokerOptions['cluster'], flags: ServeFlags, nodeId: number | undefined) {
  const interBroker = interBrokerFromFlags(flags);
  const offsetsFactor =
    flags.offsetsTopicReplicationFactor === undefined
      ? undefined
      : { offsetsTopicReplicationFactor: flags.offsetsTopicReplicationFactor };
  if (flags.cluster === undefined && flags.clusterName === undefined) {
    if (interBroker === undefined && offsetsFactor === undefined) return file;
    if (file === undefined)
      throw new UsageError(
        `${interBroker ? '--inter-broker-user' : '--offsets-topic-replication-factor'} needs --cluster etcd://host:port`,
      );
    return { ...file, ...interBroker, ...offsetsFactor };
  }
  if (file !== undefined && (typeof file !== 'object' || file === null || Array.isArray(file)))
    throw new UsageError('config setting "cluster" must be an object of cluster settings');
  const etcd = flags.cluster ?? file?.etcd;
  if (etcd === undefined) throw new UsageError('--cluster-name needs --cluster etcd://host:port');
  if (nodeId === undefined)
    throw new UsageError('--cluster needs --broker-id <n>: every broker of a cluster has its own id');
  return {
    ...file,
    etcd,
    ...(flags.clusterName !== undefined ? { name: flags.clusterName } : {}),
    ...interBroker,
    ...offsetsFactor,
  };
}

/**
 * --inter-broker-user with its password from --inter-broker-password-file (first line) or
 * SLUICE_INTER_BROKER_PASSWORD: never from argv, where `ps` would show it to every user of the machine.
 */
function interBrokerFromFlags(flags: ServeFlags): { interBrokerUser: string; interBrokerPassword: string } | undefined {
  if (flags.interBrokerUser === undefined) {
    if (flags.interBrokerPasswordFile !== undefined)
      throw new UsageError('--inter-broker-password-file needs --inter-broker-user <name>');
    return undefined;
  }
  let password = process.env.SLUICE_INTER_BROKER_PASSWORD;
  if (flags.interBrokerPasswordFile !== undefined) {
    try {
      password = readFileSync(flags.interBrokerPasswordFile, 'utf8').split(/\r?\n/)[0];
    } catch (error) {
      throw new UsageError(
        `--inter-broker-password-file ${flags.interBrokerPasswordFile}: ${(error as NodeJS.ErrnoException).code ?? 'cannot be read'}`,
      );
    }
  }
  if (!password)
    throw new UsageError(
      '--inter-broker-user needs a password: set SLUICE_INTER_BROKER_PASSWORD or pass --inter-broker-password-file <file> (it is never read from the command line)',
    );
  return { interBrokerUser: flags.interBrokerUser, interBrokerPassword: password };
}

/**
 * The file's http.allowedOrigins with the --http-allowed-origin flags added (grants add up, as --super-user's
 * do). A file value that is not a list is left for resolveHttpConfig to refuse.
 */
function allowedOriginsFromFlags(file: unknown, flags: ServeFlags): Pick<HttpOptions, 'allowedOrigins'> {
  if (flags.httpAllowedOrigin === undefined) return {};
  if (file !== undefined && !Array.isArray(file)) return { allowedOrigins: file as readonly string[] };
  return { allowedOrigins: [...((file as readonly string[] | undefined) ?? []), ...flags.httpAllowedOrigin] };
}

/**
 * Refuses HTTP flags when there is no HTTP door (--no-http, or "http": false in the config file): they would
 * be ignored without a word. SLUICE_HTTP_ALLOWED_ORIGINS counts as --http-allowed-origin.
 */
function refuseHttpFlagsWithoutHttp(flags: ServeFlags, fileHttp: unknown): void {
  const given = [
    flags.httpPort !== undefined ? '--http-port' : undefined,
    flags.httpTls ? '--http-tls' : undefined,
    flags.httpAllowedOrigin !== undefined ? '--http-allowed-origin (or SLUICE_HTTP_ALLOWED_ORIGINS)' : undefined,
  ].filter((flag) => flag !== undefined);
  if (given.length === 0) return;
  if (flags.http === false)
    throw new UsageError(`--no-http serves no HTTP door: ${given.join(', ')} cannot go with it`);
  if (fileHttp === false)
    throw new UsageError(`the config file's "http": false serves no HTTP door: ${given.join(', ')} cannot go with it`);
}

/** Broker options that a config file may set (everything but injected objects), plus logLevel. */
type FileOptions = Omit<BrokerOptions, 'logger' | 'clock' | 'dataDir'> & {
  dataDir?: string;
  logLevel?: string;
  /** The HTTP door's settings (src/http/options.ts), or false for none. */
  http?: HttpOptions | false;
};

const FILE_KEYS = new Set([
  'dataDir',
  'host',
  'port',
  'advertisedHost',
  'advertisedPort',
  'kafkaPort',
  'advertisedKafkaPort',
  'nodeId',
  'clusterId',
  'cluster',
  'flush',
  'autoCreateTopics',
  'defaultPartitions',
  'maxPartitionsPerTopic',
  'topicDefaults',
  'maxFrameBytes',
  'maxHeaderBytes',
  'maxHeaderItems',
  'stallTimeoutMs',
  'connectionsMaxIdleMs',
  'maxInFlightRequests',
  'maxInFlightBytes',
  'maxConnectionInFlightBytes',
  'maxConnections',
  'maxConnectionsPerAddress',
  'groups',
  'shutdownTimeoutMs',
  'maintenanceIntervalMs',
  'repair',
  'logLevel',
  'maxFetchBytes',
  'producerIdExpirationMs',
  'tailCacheTotalBytes',
  'logCleaner',
  'offsetsTopicSegmentBytes',
  'http',
  'security',
  'tls',
  'shareGroups',
]);

export function readConfigFile(path: string): FileOptions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `config file ${path} does not exist`
        : `cannot read config file ${path} (${code ?? (error as Error).message})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UsageError(`config file ${path} must hold a JSON object`);
  for (const key of Object.keys(parsed)) {
    if (!FILE_KEYS.has(key))
      throw new UsageError(`config file ${path}: unknown setting "${key}" (known: ${[...FILE_KEYS].join(', ')})`);
  }
  const options = parsed as FileOptions;
  // Relative data dirs in a config file are relative to the file, not to the working directory.
  if (typeof options.dataDir === 'string') options.dataDir = resolve(path, '..', options.dataDir);
  const jwt = (options.security as { jwt?: { keyFile?: unknown } } | undefined)?.jwt;
  if (typeof jwt?.keyFile === 'string') jwt.keyFile = resolve(path, '..', jwt.keyFile);
  return options;
}

/** The JWT key file's text (the broker parses it once, in its config validation). */
function readJwtKeyFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${flag} ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * The file's `security.jwt` (where `keyFile` names the key file, read here) with the --jwt-* flags on top;
 * undefined when neither sets anything.
 */
function jwtFromFlags(file: unknown, flags: ServeFlags): SecurityOptions['jwt'] {
  const given =
    flags.jwtKey !== undefined ||
    flags.jwtIssuer !== undefined ||
    flags.jwtAudience !== undefined ||
    flags.jwtClockSkew !== undefined ||
    flags.jwtPrincipalClaim !== undefined;
  if (file === undefined && !given) return undefined;
  if (file !== undefined && (typeof file !== 'object' || file === null || Array.isArray(file)))
    throw new UsageError('config setting "security.jwt" must be an object of JWT settings');
  const { keyFile, ...fromFile } = (file ?? {}) as Record<string, unknown> & { keyFile?: unknown };
  if (keyFile !== undefined && fromFile.key !== undefined)
    throw new UsageError('config setting "security.jwt" takes "keyFile" or "key", not both');
  if (keyFile !== undefined && typeof keyFile !== 'string')
    throw new UsageError('config setting "security.jwt.keyFile" must be a file path');
  const key =
    flags.jwtKey !== undefined
      ? readJwtKeyFile('--jwt-key', flags.jwtKey)
      : keyFile !== undefined
        ? readJwtKeyFile('security.jwt.keyFile', keyFile as string)
        : fromFile.key;
  if (key === undefined)
    throw new UsageError(
      'JWT settings need the verification keys: --jwt-key <PEM or JWKS file> (security.jwt.keyFile)',
    );
  return {
    ...(fromFile as Omit<NonNullable<SecurityOptions['jwt']>, 'key'>),
    key: key as string,
    ...(flags.jwtIssuer !== undefined ? { issuer: flags.jwtIssuer } : {}),
    ...(flags.jwtAudience !== undefined ? { audience: flags.jwtAudience } : {}),
    ...(flags.jwtClockSkew !== undefined ? { clockSkewSeconds: flags.jwtClockSkew } : {}),
    ...(flags.jwtPrincipalClaim !== undefined ? { principalClaim: flags.jwtPrincipalClaim } : {}),
  };
}

/** `sluice serve` opens the Kafka listener on Kafka's own port unless told otherwise. */
export const DEFAULT_KAFKA_PORT = 9092;
/** `sluice serve`'s native port when none is given (src/broker/config.ts). */
export const DEFAULT_NATIVE_PORT = 9650;

export interface ServeSettings {
  options: BrokerOptions;
  logLevel: LogLevel;
  /**
   * The Kafka port is the default one (no flag or file setting): when it is taken (a Kafka broker, another
   * Sluice on this machine), serve starts without the Kafka listener and says so, instead of failing.
   */
  kafkaPortDefaulted: boolean;
  /** null: no HTTP door (--no-http or "http": false). With authentication on, it authenticates every request. */
  http: HttpConfig | null;
}

/** The file's `security` object with --auth (both authentication and authorization) and --super-user on top. */
function securityFromFlags(file: SecurityOptions | undefined, flags: ServeFlags): SecurityOptions | undefined {
  if (file !== undefined && (typeof file !== 'object' || file === null || Array.isArray(file)))
    throw new UsageError('config setting "security" must be an object of security settings');
  const jwt = jwtFromFlags(file?.jwt, flags);
  if (
    flags.auth === undefined &&
    flags.superUser === undefined &&
    flags.insecureAllowAnonymous === undefined &&
    jwt === undefined
  )
    return file;
  return {
    ...file,
    ...(jwt !== undefined ? { jwt } : {}),
    ...(flags.auth ? { authentication: true, authorization: true } : {}),
    ...(flags.insecureAllowAnonymous ? { insecureAllowAnonymous: true } : {}),
    ...(flags.superUser !== undefined ? { superUsers: [...(file?.superUsers ?? []), ...flags.superUser] } : {}),
  };
}

/**
 * The file's `tls` object with the --tls-* flags on top. Paths in the file are relative to the file (as
 * dataDir is); paths in flags to the working directory.
 */
function tlsFromFlags(file: TlsOptions | undefined, flags: ServeFlags): TlsOptions | undefined {
  const given = Object.fromEntries(
    Object.entries({
      port: flags.tlsPort,
      kafkaPort: flags.kafkaTlsPort,
      cert: flags.tlsCert,
      key: flags.tlsKey,
      ca: flags.tlsCa,
      clientAuth: flags.tlsClientAuth,
      principalMappingRules: flags.tlsPrincipalRule,
    }).filter(([, v]) => v !== undefined),
  );
  if (Object.keys(given).length === 0) return file;
  if (file !== undefined && (typeof file !== 'object' || file === null || Array.isArray(file)))
    throw new UsageError('config setting "tls" must be an object of TLS settings');
  return { ...file, ...given };
}

function resolveFilePaths(tls: TlsOptions, configFile: string): TlsOptions {
  const out = { ...tls };
  for (const key of ['cert', 'key', 'ca'] as const) {
    const value = out[key];
    if (typeof value === 'string') out[key] = resolve(configFile, '..', value);
  }
  return out;
}

/** Merges defaults, file and flags, and validates the result once (without starting anything). */
export function serveSettings(flags: ServeFlags): ServeSettings {
  const file = flags.config !== undefined ? readConfigFile(flags.config) : {};
  const { logLevel: fileLevel, http: fileHttp, ...fromFile } = file;
  const given = Object.fromEntries(
    Object.entries({
      dataDir: flags.dataDir,
      host: flags.host,
      port: flags.port,
      advertisedHost: flags.advertisedHost,
      advertisedPort: flags.advertisedPort,
      kafkaPort: flags.kafka === false ? false : flags.kafkaPort,
      advertisedKafkaPort: flags.advertisedKafkaPort,
      flush: flags.flush,
      autoCreateTopics: flags.autoCreateTopics,
      defaultPartitions: flags.defaultPartitions,
      repair: flags.repair,
      nodeId: flags.brokerId,
    }).filter(([, v]) => v !== undefined),
  );
  const kafkaPortDefaulted = given.kafkaPort === undefined && fromFile.kafkaPort === undefined;
  const security = securityFromFlags(fromFile.security, flags);
  const cluster = clusterFromFlags(fromFile.cluster, flags, flags.brokerId ?? fromFile.nodeId);
  const fileTls =
    fromFile.tls !== undefined && typeof fromFile.tls === 'object' && fromFile.tls !== null && flags.config
      ? resolveFilePaths(fromFile.tls, flags.config)
      : fromFile.tls;
  const tls = tlsFromFlags(fileTls, flags);
  const logCleaner = logCleanerFromFlags(fromFile.logCleaner, flags);
  const options: BrokerOptions = {
    ...fromFile,
    dataDir: './data',
    ...(fromFile.dataDir ? { dataDir: fromFile.dataDir } : {}),
    ...(kafkaPortDefaulted ? { kafkaPort: DEFAULT_KAFKA_PORT } : {}),
    ...given,
    ...(security !== undefined ? { security } : {}),
    ...(cluster !== undefined ? { cluster } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...(logCleaner !== undefined ? { logCleaner } : {}),
  };
  const logLevel = flags.logLevel ?? fileLevel ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`log level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  try {
    if (typeof options.flush === 'string') parseFlushPolicy(options.flush);
    resolveBrokerConfig(options);
  } catch (error) {
    if (error instanceof BrokerConfigError) throw brokerSettingError(error.message);
    throw error;
  }
  refuseHttpFlagsWithoutHttp(flags, fileHttp);
  let http: HttpConfig | null = null;
  if (flags.http !== false && fileHttp !== false) {
    if (fileHttp !== undefined && (typeof fileHttp !== 'object' || fileHttp === null || Array.isArray(fileHttp)))
      throw new UsageError('config setting "http" must be an object of HTTP settings, or false');
    // 9651 goes with the default native port 9650. A broker on another port (--port 0 in tests, several
    // brokers on one machine) takes a free HTTP port, logged, unless one is given: two brokers never
    // fight over 9651.
    const otherPort = options.port !== undefined && options.port !== DEFAULT_NATIVE_PORT;
    const freePort = otherPort && fileHttp?.port === undefined ? { port: 0 } : {};
    const given: HttpOptions = {
      ...freePort,
      ...fileHttp,
      ...(flags.httpPort !== undefined ? { port: flags.httpPort } : {}),
      ...(flags.httpTls ? { tls: true } : {}),
      ...allowedOriginsFromFlags(fileHttp?.allowedOrigins, flags),
    };
    if (given.tls === true && options.tls === undefined)
      throw new UsageError(
        '--http-tls (http.tls) serves the HTTP door with the TLS certificate: give --tls-cert and --tls-key too',
      );
    try {
      // Checked and resolved here once (defaults in): serve reads the door's address from it.
      http = resolveHttpConfig(given);
    } catch (error) {
      if (error instanceof HttpConfigError) throw new UsageError(`invalid HTTP setting: ${error.message}`);
      throw error;
    }
  }
  return { options, logLevel: logLevel as LogLevel, kafkaPortDefaulted, http };
}
