// Broker configuration: typed, defaulted, validated once, frozen, then passed down. Only cli/ reads
// argv, env and files; it builds a BrokerOptions object and hands it to the Broker.
import { isAbsolute, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import {
  DEFAULT_PRODUCER_ID_EXPIRATION_MS,
  DEFAULT_TAIL_CACHE_TOTAL_BYTES,
  type Clock,
  type FlushPolicy,
  nodeFs,
  type StorageFs,
} from '../../storage/index.js';
import {
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_REQUEST_HEADER_LIMITS,
  type HeaderLimits,
  MAX_HEADER_DEPTH,
} from '../protocol/index.js';
import { resolveGroupCoordinatorConfig, type GroupCoordinatorConfig } from './groups/coordinator.js';
import { type ClusterConfig, type ClusterOptions, resolveClusterConfig } from './cluster/config.js';
import { resolveShareGroupsConfig, type ShareGroupsConfig } from './share/config.js';
import { DEFAULT_TXN_COORDINATOR_CONFIG, type TxnCoordinatorConfig } from './txn/coordinator.js';
import {
  protectedModeRefusal,
  resolveSecurityConfig,
  type SecurityConfig,
  SecurityConfigError,
  type SecurityOptions,
} from './security/config.js';
import { resolveTlsConfig, type TlsConfig, TlsConfigError, type TlsOptions } from './security/tls/config.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Kafka's fetch.max.bytes default (50 MiB). */
export const DEFAULT_MAX_FETCH_BYTES = 50 * 1024 * 1024;
const MiB = 1024 * 1024;

/** Per-topic settings a topic inherits unless it overrides them (DescribeConfigs source "broker"/"default"). */
export interface TopicDefaults {
  retentionMs: number;
  retentionBytes: number;
  segmentBytes: number;
  segmentMs: number;
  maxMessageBytes: number;
  indexIntervalBytes: number;
  flush: FlushPolicy;
  /** How far a record's CreateTime may lie behind / ahead of the broker's clock (Kafka's message.timestamp.*.max.ms). */
  messageTimestampBeforeMaxMs: number;
  messageTimestampAfterMaxMs: number;
}

export const BUILTIN_TOPIC_DEFAULTS: Readonly<TopicDefaults> = Object.freeze({
  retentionMs: 7 * DAY_MS,
  retentionBytes: -1,
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * DAY_MS,
  // Kafka's default: 1 MiB of records plus the 12-byte batch log overhead.
  maxMessageBytes: 1024 * 1024 + 12,
  indexIntervalBytes: 4096,
  flush: Object.freeze({ kind: 'os' }) as FlushPolicy,
  // Unlimited, like Kafka 3.x's Long.MAX_VALUE: any timestamp is accepted.
  messageTimestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
  messageTimestampAfterMaxMs: Number.MAX_SAFE_INTEGER,
});

/** What a caller passes to `new Broker(...)`: everything but dataDir is optional. */
export interface BrokerOptions {
  /** Directory holding partitions, topics.json and meta.json. Created when missing. */
  dataDir: string;
  /** Interface to bind. Default 127.0.0.1 (loopback); "0.0.0.0" exposes the broker. */
  host?: string;
  /** TCP port; 0 picks a free one (read it from `broker.port` after start). Default 9650. */
  port?: number;
  /**
   * Host clients are told to connect to (Metadata, FindCoordinator). Default: host, or 127.0.0.1 for a
   * wildcard host (0.0.0.0, ::), which start() warns about: remote clients would be sent to their own loopback.
   */
  advertisedHost?: string;
  /** Port clients are told to connect to (a port forward, a NAT). Default: the port bound. */
  advertisedPort?: number;
  /**
   * TCP port of the Kafka wire-protocol listener (src/broker/kafka/), on the same host; 0 picks a free one
   * (read it from `broker.kafkaPort`). Default: no Kafka listener (`sluice serve` opens one on 9092).
   */
  kafkaPort?: number | false;
  /** Port Kafka clients are told to connect to (Metadata, FindCoordinator). Default: the Kafka port bound. */
  advertisedKafkaPort?: number;
  nodeId?: number;
  /** Default: generated once and kept in <dataDir>/meta.json. */
  clusterId?: string;
  /** Default flush policy of topics: a policy object or "always" | "os" | "<ms>". Default "os". */
  flush?: FlushPolicy | string;
  /** Create a topic on first produce or on Metadata with allowAutoTopicCreation. Default true. */
  autoCreateTopics?: boolean;
  /** Partition count of auto-created topics and of CreateTopics with numPartitions -1. Default 1. */
  defaultPartitions?: number;
  maxPartitionsPerTopic?: number;
  /** Broker-level topic defaults; `flush` above takes precedence over topicDefaults.flush. */
  topicDefaults?: Partial<TopicDefaults>;
  /** Largest frame accepted; a longer length prefix closes the connection before any allocation. */
  maxFrameBytes?: number;
  /**
   * Largest msgpack header (the request's fields, without the tail of record bytes) decoded. Default 1 MiB.
   * A header over it, or over maxHeaderItems, or nested deeper than 32, is not decoded: the request is
   * answered INVALID_REQUEST (or, when it names no correlationId, the connection is closed).
   */
  maxHeaderBytes?: number;
  /** Most msgpack values (arrays, maps, keys, scalars) in a request header. Default 131,072. */
  maxHeaderItems?: number;
  /** A client that stops sending in the middle of a frame is disconnected after this long. */
  stallTimeoutMs?: number;
  /**
   * A connection with nothing in flight that neither sent nor was sent a byte for this long is closed (Kafka's
   * connections.max.idle.ms): a client that vanished without closing (a crashed host, a lost NAT state)
   * would otherwise hold its connection for ever. Clients reconnect on their next request. Default 10 min;
   * 0 keeps idle connections open.
   */
  connectionsMaxIdleMs?: number;
  /** Requests one connection may have in flight before the broker stops reading its socket. */
  maxInFlightRequests?: number;
  /**
   * Broker-wide budget of bytes in flight: request frames from their length prefix until answered, and
   * responses from their first byte until written (src/broker/transport/memory-budget.ts). A frame is read only when
   * it fits; meanwhile its connection is not read. Default 256 MiB; at least maxFrameBytes.
   */
  maxInFlightBytes?: number;
  /**
   * One connection's share of maxInFlightBytes: it reads no new frame while holding this much (a connection
   * holding nothing may always read one frame). Default 128 MiB.
   */
  maxConnectionInFlightBytes?: number;
  /** Connections open at once; more are closed at once, with a log line. Default 10,000. */
  maxConnections?: number;
  /** Connections open at once from one remote address. Default 1,000. */
  maxConnectionsPerAddress?: number;
  /**
   * Largest fetch response the broker builds, whatever the request's maxBytes / partitionMaxBytes ask
   * (Kafka's fetch.max.bytes): a partition's first batch is still returned whole. Default 50 MiB.
   */
  maxFetchBytes?: number;
  /** How long stop() waits for in-flight requests before closing connections anyway. */
  shutdownTimeoutMs?: number;
  /** Period of retention and segment-roll checks. */
  maintenanceIntervalMs?: number;
  /**
   * How long a partition keeps an idempotent producer's sequence state after its last append (Kafka's
   * producer.id.expiration.ms; checked at maintenance). Default 1 day.
   */
  producerIdExpirationMs?: number;
  /**
   * Bytes the tail caches of all partitions hold together (the newest appends, served to caught-up
   * consumers without a disk read; each partition also keeps at most 4 MiB). Default 256 MiB.
   */
  tailCacheTotalBytes?: number;
  /** How long the activity log (`__activity`) keeps events. Default 7 days. */
  activityRetentionMs?: number;
  /** pino logger. Default: a silent one (the library never writes to the console by itself). */
  logger?: Logger;
  clock?: Clock;
  /** Consumer-group coordinator settings (session timeout bounds, initial rebalance delay, offsets retention). */
  groups?: Partial<GroupCoordinatorConfig>;
  /** Share-group settings: the per-partition window (also the priority look-ahead), sessions, lock bounds. */
  shareGroups?: Partial<ShareGroupsConfig>;
  /** Transaction coordinator settings: the largest transaction timeout, how often timeouts are checked. */
  transactions?: Partial<TxnCoordinatorConfig>;
  /**
   * The log cleaner of topics with cleanup.policy compact (storage/log-cleaner.ts); false: none runs (compacted
   * topics then grow like others). Kafka's log.cleaner.* settings.
   */
  logCleaner?: false | Partial<LogCleanerConfig>;
  /** Segment size of `__consumer_offsets` (Kafka's offsets.topic.segment.bytes); the cleaner compacts sealed ones. */
  offsetsTopicSegmentBytes?: number;
  /**
   * File system of every file the broker keeps in dataDir: partition logs, topics.json, meta.json and
   * __internal/ (tests inject storage's FaultyFs to fail writes and fsyncs, PowerCutDisk to cut the power).
   */
  fs?: StorageFs;
  /**
   * On start, truncate a corrupt sealed segment at the first bad batch (dropping everything after it)
   * instead of refusing to start; every repair is logged as a warning. Default false.
   */
  repair?: boolean;
  /** Authentication (SASL), authorization (ACLs) and super users (src/broker/security/config.ts). Default: all off. */
  security?: SecurityOptions;
  /**
   * Cluster mode (src/broker/cluster/): coordinate with other brokers through etcd; `nodeId` is this
   * broker's id in the cluster. Default: none, a single node needing nothing but Node.
   */
  cluster?: ClusterOptions;
  /**
   * TLS listeners beside the plaintext ones (native and Kafka wire), their certificate and key, mutual TLS
   * (src/broker/security/tls/config.ts). Default: none.
   */
  tls?: TlsOptions;
}

export interface BrokerConfig {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly advertisedHost: string;
  /** null: the port actually bound (BrokerContext.advertisedPort). */
  readonly advertisedPort: number | null;
  /** null: no Kafka listener. */
  readonly kafkaPort: number | null;
  /** null: the Kafka port actually bound. */
  readonly advertisedKafkaPort: number | null;
  readonly nodeId: number;
  readonly clusterId: string | null;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  readonly maxPartitionsPerTopic: number;
  readonly topicDefaults: Readonly<TopicDefaults>;
  readonly maxFrameBytes: number;
  /** maxHeaderBytes, maxHeaderItems and the fixed depth limit, as the request decoder takes them. */
  readonly headerLimits: Readonly<HeaderLimits>;
  readonly stallTimeoutMs: number;
  /** 0: never. */
  readonly connectionsMaxIdleMs: number;
  readonly maxInFlightRequests: number;
  readonly maxInFlightBytes: number;
  readonly maxConnectionInFlightBytes: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  readonly maxFetchBytes: number;
  readonly shutdownTimeoutMs: number;
  readonly maintenanceIntervalMs: number;
  readonly producerIdExpirationMs: number;
  readonly tailCacheTotalBytes: number;
  readonly activityRetentionMs: number;
  readonly logger: Logger;
  readonly clock: Clock;
  /** null: single-node mode. */
  readonly cluster: ClusterConfig | null;
  readonly groups: Readonly<GroupCoordinatorConfig>;
  readonly shareGroups: ShareGroupsConfig;
  readonly transactions: Readonly<TxnCoordinatorConfig>;
  readonly fs: StorageFs;
  readonly repair: boolean;
  /** null: no cleaner. */
  readonly logCleaner: Readonly<LogCleanerConfig> | null;
  readonly offsetsTopicSegmentBytes: number;
  readonly security: SecurityConfig;
  /** null: no TLS listener. */
  readonly tls: TlsConfig | null;
}

export interface LogCleanerConfig {
  /** Memory of the cleaner's offset map (log.cleaner.dedupe.buffer.size). Default 32 MiB, about 1.25 M keys. */
  dedupeBufferBytes: number;
  /** Cleaner reads plus writes per second at most (log.cleaner.io.max.bytes.per.second). Default: unlimited. */
  ioMaxBytesPerSecond: number;
  /** Sleep when no partition needs cleaning (log.cleaner.backoff.ms). Default 15 s. */
  backoffMs: number;
}

function logCleanerOption(value: false | Partial<LogCleanerConfig> | undefined): Readonly<LogCleanerConfig> | null {
  if (value === false) return null;
  if (value !== undefined && (typeof value !== 'object' || value === null))
    fail('logCleaner', 'must be false or an object { dedupeBufferBytes, ioMaxBytesPerSecond, backoffMs }');
  const v = value ?? {};
  for (const key of Object.keys(v))
    if (!['dedupeBufferBytes', 'ioMaxBytesPerSecond', 'backoffMs'].includes(key))
      fail(`logCleaner.${key}`, 'is not a log cleaner option');
  const io = v.ioMaxBytesPerSecond;
  return Object.freeze({
    dedupeBufferBytes: intIn('logCleaner.dedupeBufferBytes', v.dedupeBufferBytes, 32 * 1024 * 1024, 1024, 2 ** 31),
    ioMaxBytesPerSecond:
      io === undefined ? Number.POSITIVE_INFINITY : intIn('logCleaner.ioMaxBytesPerSecond', io, 0, 1024),
    backoffMs: intIn('logCleaner.backoffMs', v.backoffMs, 15_000, 1),
  });
}

export class BrokerConfigError extends Error {
  override name = 'BrokerConfigError';
  readonly code = 'INVALID_BROKER_CONFIG';
}

const systemClock: Clock = Object.freeze({ now: () => Date.now() });

function fail(key: string, problem: string): never {
  throw new BrokerConfigError(`${key} ${problem}`);
}

function intIn(key: string, value: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    fail(key, `must be an integer, got ${JSON.stringify(value)}`);
  if (value < min || value > max) fail(key, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** Parses "always" | "os" | "<ms>" (also "interval:<ms>") into a storage flush policy; throws a sentence. */
export function parseFlushPolicy(value: string, key = 'flush'): FlushPolicy {
  const text = value.trim();
  if (text === 'always' || text === 'os') return Object.freeze({ kind: text });
  const match = /^(?:interval:)?(\d{1,10})$/.exec(text);
  const ms = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(ms) || ms < 1) {
    throw new BrokerConfigError(
      `${key} must be "always", "os" or a positive number of milliseconds, got ${JSON.stringify(value)}`,
    );
  }
  return Object.freeze({ kind: 'interval', ms });
}

export function formatFlushPolicy(policy: FlushPolicy): string {
  return policy.kind === 'interval' ? String(policy.ms) : policy.kind;
}

function flushOption(key: string, value: unknown, fallback: FlushPolicy): FlushPolicy {
  if (value === undefined) return fallback;
  if (typeof value === 'string') return parseFlushPolicy(value, key);
  if (typeof value === 'object' && value !== null) {
    const v = value as { kind?: unknown; ms?: unknown };
    if (v.kind === 'always' || v.kind === 'os') return Object.freeze({ kind: v.kind });
    if (v.kind === 'interval') return Object.freeze({ kind: 'interval', ms: intIn(`${key}.ms`, v.ms, 0, 1) });
  }
  return fail(
    key,
    `must be "always", "os", a number of milliseconds or a flush policy object, got ${JSON.stringify(value)}`,
  );
}

function topicDefaults(options: BrokerOptions): Readonly<TopicDefaults> {
  const t = options.topicDefaults ?? {};
  const d = BUILTIN_TOPIC_DEFAULTS;
  const segmentBytes = intIn('topicDefaults.segmentBytes', t.segmentBytes, d.segmentBytes, 1024, 0x7fff_ffff);
  return Object.freeze({
    retentionMs: intIn('topicDefaults.retentionMs', t.retentionMs, d.retentionMs, -1),
    retentionBytes: intIn('topicDefaults.retentionBytes', t.retentionBytes, d.retentionBytes, -1),
    segmentBytes,
    segmentMs: intIn('topicDefaults.segmentMs', t.segmentMs, d.segmentMs, 1),
    maxMessageBytes: intIn('topicDefaults.maxMessageBytes', t.maxMessageBytes, d.maxMessageBytes, 0, 0x7fff_ffff),
    indexIntervalBytes: intIn(
      'topicDefaults.indexIntervalBytes',
      t.indexIntervalBytes,
      d.indexIntervalBytes,
      0,
      0x7fff_ffff,
    ),
    flush: flushOption('flush', options.flush, flushOption('topicDefaults.flush', t.flush, d.flush)),
    messageTimestampBeforeMaxMs: intIn(
      'topicDefaults.messageTimestampBeforeMaxMs',
      t.messageTimestampBeforeMaxMs,
      d.messageTimestampBeforeMaxMs,
      0,
    ),
    messageTimestampAfterMaxMs: intIn(
      'topicDefaults.messageTimestampAfterMaxMs',
      t.messageTimestampAfterMaxMs,
      d.messageTimestampAfterMaxMs,
      0,
    ),
  });
}

/** A host that accepts connections on every interface (0.0.0.0, ::), which clients cannot dial. */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

function stringOption(key: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0)
    fail(key, `must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

const KNOWN_KEYS = new Set<string>([
  'dataDir',
  'host',
  'port',
  'advertisedHost',
  'advertisedPort',
  'kafkaPort',
  'advertisedKafkaPort',
  'nodeId',
  'clusterId',
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
  'shutdownTimeoutMs',
  'maintenanceIntervalMs',
  'logger',
  'clock',
  'fs',
  'repair',
  'groups',
  'shareGroups',
  'transactions',
  'maxFetchBytes',
  'producerIdExpirationMs',
  'tailCacheTotalBytes',
  'logCleaner',
  'offsetsTopicSegmentBytes',
  'security',
  'activityRetentionMs',
  'cluster',
  'tls',
]);

function headerLimits(options: BrokerOptions, maxFrameBytes: number): Readonly<HeaderLimits> {
  const d = DEFAULT_REQUEST_HEADER_LIMITS;
  // frameLength counts the headerLength field (4 bytes), the header and the tail.
  const frameRoom = maxFrameBytes - 4;
  const maxHeaderBytes = intIn('maxHeaderBytes', options.maxHeaderBytes, Math.min(d.maxHeaderBytes, frameRoom), 1024);
  if (maxHeaderBytes > frameRoom)
    fail('maxHeaderBytes', `must not exceed maxFrameBytes - 4 (${frameRoom}), got ${maxHeaderBytes}`);
  return Object.freeze({
    maxHeaderBytes,
    maxHeaderItems: intIn('maxHeaderItems', options.maxHeaderItems, d.maxHeaderItems, 16, 0x7fff_ffff),
    maxHeaderDepth: MAX_HEADER_DEPTH,
  });
}

function groupsOption(value: Partial<GroupCoordinatorConfig> | undefined): Readonly<GroupCoordinatorConfig> {
  try {
    return resolveGroupCoordinatorConfig(value ?? {});
  } catch (error) {
    return fail('groups', (error as Error).message);
  }
}

function shareGroupsOption(value: Partial<ShareGroupsConfig> | undefined): ShareGroupsConfig {
  try {
    return resolveShareGroupsConfig(value ?? {});
  } catch (error) {
    return fail('shareGroups', (error as Error).message);
  }
}

function transactionsOption(value: Partial<TxnCoordinatorConfig> | undefined): Readonly<TxnCoordinatorConfig> {
  const d = DEFAULT_TXN_COORDINATOR_CONFIG;
  if (value !== undefined && (typeof value !== 'object' || value === null))
    fail('transactions', 'must be an object such as { maxTimeoutMs: 900000 }');
  return Object.freeze({
    maxTimeoutMs: intIn('transactions.maxTimeoutMs', value?.maxTimeoutMs, d.maxTimeoutMs, 1),
    abortCheckIntervalMs: intIn(
      'transactions.abortCheckIntervalMs',
      value?.abortCheckIntervalMs,
      d.abortCheckIntervalMs,
      1,
    ),
    transactionalIdExpirationMs: intIn(
      'transactions.transactionalIdExpirationMs',
      value?.transactionalIdExpirationMs,
      d.transactionalIdExpirationMs,
      1,
    ),
  });
}

function securityOption(value: SecurityOptions | undefined): SecurityConfig {
  try {
    return resolveSecurityConfig(value);
  } catch (error) {
    if (error instanceof SecurityConfigError) throw new BrokerConfigError(error.message);
    throw error;
  }
}

function tlsOption(value: TlsOptions | undefined, ports: number[]): TlsConfig | null {
  let tls: TlsConfig | null;
  try {
    tls = resolveTlsConfig(value);
  } catch (error) {
    if (error instanceof TlsConfigError) throw new BrokerConfigError(error.message);
    throw error;
  }
  for (const [key, port] of [
    ['tls.port', tls?.port],
    ['tls.kafkaPort', tls?.kafkaPort],
  ] as const) {
    if (port !== null && port !== undefined && port !== 0 && ports.includes(port))
      fail(key, `(${port}) must differ from the plaintext listeners' ports`);
  }
  return tls;
}

/** Validates options once and returns the frozen config every broker part receives. Throws BrokerConfigError. */
export function resolveBrokerConfig(options: BrokerOptions): BrokerConfig {
  if (typeof options !== 'object' || options === null) throw new BrokerConfigError('broker options must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) fail(key, 'is not a broker option');
  }
  if (options.dataDir === undefined) fail('dataDir', 'is required');
  const dataDir = stringOption('dataDir', options.dataDir, '');
  const host = stringOption('host', options.host, '127.0.0.1');
  if (options.autoCreateTopics !== undefined && typeof options.autoCreateTopics !== 'boolean') {
    fail('autoCreateTopics', 'must be true or false');
  }
  if (
    options.clusterId !== undefined &&
    (typeof options.clusterId !== 'string' || !/^[\w.-]{1,64}$/.test(options.clusterId))
  ) {
    fail('clusterId', 'must be 1..64 characters of [A-Za-z0-9_.-]');
  }
  if (options.repair !== undefined && typeof options.repair !== 'boolean') fail('repair', 'must be true or false');
  // Partition directories are `<topic>-<n>`: a 249-character name (the longest legal) leaves 5 digits of the
  // file system's 255 bytes, so n <= 99,999.
  const maxPartitionsPerTopic = intIn('maxPartitionsPerTopic', options.maxPartitionsPerTopic, 10_000, 1, 100_000);
  const maxFrameBytes = intIn('maxFrameBytes', options.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES, 1024, 0xffff_ffff);
  const maxInFlightBytes = intIn(
    'maxInFlightBytes',
    options.maxInFlightBytes,
    Math.max(256 * MiB, maxFrameBytes),
    1024,
    Number.MAX_SAFE_INTEGER,
  );
  // A frame the budget could never grant would wait forever: refuse the configuration instead.
  if (maxFrameBytes > maxInFlightBytes)
    fail('maxFrameBytes', `(${maxFrameBytes}) must not exceed maxInFlightBytes (${maxInFlightBytes})`);
  const maxConnections = intIn('maxConnections', options.maxConnections, 10_000, 1, 10_000_000);
  if (options.kafkaPort !== undefined && options.kafkaPort !== false && options.kafkaPort !== 0) {
    if (options.kafkaPort === (options.port ?? 9650))
      fail(
        'kafkaPort',
        `must differ from port (both are ${options.kafkaPort}): the two listeners speak different protocols`,
      );
  }
  const security = securityOption(options.security);
  const unprotected = protectedModeRefusal(host, security);
  if (unprotected) throw new BrokerConfigError(unprotected);
  return Object.freeze({
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(dataDir),
    host,
    port: intIn('port', options.port, 9650, 0, 65535),
    advertisedHost: stringOption('advertisedHost', options.advertisedHost, isWildcard(host) ? '127.0.0.1' : host),
    advertisedPort:
      options.advertisedPort === undefined ? null : intIn('advertisedPort', options.advertisedPort, 0, 1, 65535),
    kafkaPort:
      options.kafkaPort === undefined || options.kafkaPort === false
        ? null
        : intIn('kafkaPort', options.kafkaPort, 9092, 0, 65535),
    advertisedKafkaPort:
      options.advertisedKafkaPort === undefined
        ? null
        : intIn('advertisedKafkaPort', options.advertisedKafkaPort, 0, 1, 65535),
    nodeId: intIn('nodeId', options.nodeId, 0, 0, 0x7fff_ffff),
    clusterId: options.clusterId ?? null,
    // Cluster mode creates topics through the controller only (CreateTopics); auto-creation is single-node for now.
    autoCreateTopics: options.autoCreateTopics ?? options.cluster === undefined,
    defaultPartitions: intIn('defaultPartitions', options.defaultPartitions, 1, 1, maxPartitionsPerTopic),
    maxPartitionsPerTopic,
    topicDefaults: topicDefaults(options),
    maxFrameBytes,
    headerLimits: headerLimits(options, maxFrameBytes),
    stallTimeoutMs: intIn('stallTimeoutMs', options.stallTimeoutMs, 30_000, 1),
    connectionsMaxIdleMs: intIn('connectionsMaxIdleMs', options.connectionsMaxIdleMs, 600_000, 0, 86_400_000),
    maxInFlightRequests: intIn('maxInFlightRequests', options.maxInFlightRequests, 64, 1, 100_000),
    maxInFlightBytes,
    maxConnectionInFlightBytes: intIn(
      'maxConnectionInFlightBytes',
      options.maxConnectionInFlightBytes,
      Math.min(128 * MiB, maxInFlightBytes),
      1024,
      maxInFlightBytes,
    ),
    maxConnections,
    maxConnectionsPerAddress: intIn(
      'maxConnectionsPerAddress',
      options.maxConnectionsPerAddress,
      Math.min(1000, maxConnections),
      1,
      maxConnections,
    ),
    maxFetchBytes: intIn('maxFetchBytes', options.maxFetchBytes, DEFAULT_MAX_FETCH_BYTES, 1, 0x7fff_ffff),
    shutdownTimeoutMs: intIn('shutdownTimeoutMs', options.shutdownTimeoutMs, 10_000, 0),
    maintenanceIntervalMs: intIn('maintenanceIntervalMs', options.maintenanceIntervalMs, 30_000, 10),
    producerIdExpirationMs: intIn(
      'producerIdExpirationMs',
      options.producerIdExpirationMs,
      DEFAULT_PRODUCER_ID_EXPIRATION_MS,
      1,
    ),
    tailCacheTotalBytes: intIn(
      'tailCacheTotalBytes',
      options.tailCacheTotalBytes,
      DEFAULT_TAIL_CACHE_TOTAL_BYTES,
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    activityRetentionMs: intIn('activityRetentionMs', options.activityRetentionMs, 7 * DAY_MS, 1),
    logger: options.logger ?? pino({ level: 'silent' }),
    clock: options.clock ?? systemClock,
    groups: groupsOption(options.groups),
    shareGroups: shareGroupsOption(options.shareGroups),
    transactions: transactionsOption(options.transactions),
    fs: options.fs ?? nodeFs,
    repair: options.repair ?? false,
    logCleaner: logCleanerOption(options.logCleaner),
    offsetsTopicSegmentBytes: intIn(
      'offsetsTopicSegmentBytes',
      options.offsetsTopicSegmentBytes,
      64 * 1024 * 1024,
      1024,
      0x7fff_ffff,
    ),
    security,
    cluster: options.cluster === undefined ? null : clusterOption(options),
    tls: tlsOption(
      options.tls,
      [options.port ?? 9650, typeof options.kafkaPort === 'number' ? options.kafkaPort : 0].filter((p) => p !== 0),
    ),
  });
}

function clusterOption(options: BrokerOptions): ClusterConfig {
  if (options.autoCreateTopics === true)
    fail(
      'autoCreateTopics',
      'is not available in cluster mode yet: create topics with CreateTopics (sluice topics create)',
    );
  const cluster = resolveClusterConfig(options.cluster!, fail);
  if (options.security?.authentication === true && cluster.interBroker === null)
    fail(
      'cluster.interBrokerUser',
      'is required when brokers require authentication: replica fetches from unauthenticated peers would be refused (sluice serve --inter-broker-user <name> with SLUICE_INTER_BROKER_PASSWORD)',
    );
  return cluster;
}
