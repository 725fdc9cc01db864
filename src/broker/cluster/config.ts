// Cluster mode's settings (BrokerOptions.cluster), validated once by resolveClusterConfig.
//
// The timeouts that govern failover (README "Cluster"): a broker that dies is noticed when its etcd lease
// expires, sessionTimeoutMs after its last renewal (renewals go out every sessionTimeoutMs / 3); the
// controller's watch sees the broker key go at once and writes the new leader in one etcd transaction;
// clients find the new leader on their next metadata refresh (NOT_LEADER_OR_FOLLOWER or a lost connection).
import { SCRAM_MECHANISMS, type ScramMechanism } from '../../protocol/sasl/scram.js';
import type { InterBrokerCredentials } from './peer-connection.js';

export interface ClusterOptions {
  /**
   * etcd to coordinate through: "etcd://host:port[,host:port…]" (or http:// URLs, or a list). The
   * addresses are etcd's client URLs.
   */
  etcd: string | readonly string[];
  /** The cluster's name: its keys live under /sluice/<name>/ in etcd. Default "sluice". */
  name?: string;
  /** A broker's etcd lease: how long after its last renewal a silent broker counts as dead. Default 3000 ms. */
  sessionTimeoutMs?: number;
  /** Replication factor of CreateTopics asking for -1 (Kafka's default.replication.factor). Default 1. */
  defaultReplicationFactor?: number;
  /** A single etcd call's bound. Default 5000 ms. */
  etcdRequestTimeoutMs?: number;
  /**
   * A follower of the ISR that has not caught up with the leader's log end for this long leaves the ISR
   * (Kafka's replica.lag.time.max.ms). Default 10000 ms.
   */
  replicaLagTimeMaxMs?: number;
  /** How long a leader holds a follower's fetch that found nothing new (replica.fetch.wait.max.ms). Default 500 ms. */
  replicaFetchWaitMaxMs?: number;
  /** Bytes a follower asks for per partition and per fetch (replica.fetch.max.bytes). Default 1 MiB. */
  replicaFetchMaxBytes?: number;
  /**
   * A follower's request the leader has not answered within this long (a fetch: beyond its wait) closes the
   * connection, and the follower connects again (Kafka's replica.socket.timeout.ms): a link that went silent
   * without closing (a lost NAT or firewall state, a peer frozen) would otherwise hold replication for ever.
   * Default 5000 ms, so a follower reconnects before replicaLagTimeMaxMs takes it out of the ISR.
   */
  replicaSocketTimeoutMs?: number;
  /**
   * acks=-1 produces are refused (NOT_ENOUGH_REPLICAS) when the ISR has fewer members than this; a topic's
   * `min.insync.replicas` config overrides it. Default 1.
   */
  minInsyncReplicas?: number;
  /**
   * Replicas of `__consumer_offsets` (Kafka's offsets.topic.replication.factor): the group coordinator lives
   * on its leader, so groups work only once this many brokers are live. Default 3.
   */
  offsetsTopicReplicationFactor?: number;
  /**
   * How long an offset commit waits for the in-sync replicas of `__consumer_offsets` before it fails with
   * REQUEST_TIMED_OUT (Kafka's offsets.commit.timeout.ms). Default 5000 ms.
   */
  offsetsCommitTimeoutMs?: number;
  /**
   * The SCRAM user brokers authenticate to each other as (replica fetches), needed when the brokers require
   * authentication; it must exist among the cluster's users (kept in etcd) and hold ClusterAction (a super
   * user, or an ACL).
   */
  interBrokerUser?: string;
  /** Its password (`sluice serve` reads it from SLUICE_INTER_BROKER_PASSWORD or --inter-broker-password-file). */
  interBrokerPassword?: string;
  /** SCRAM-SHA-256 or SCRAM-SHA-512 (default). */
  interBrokerMechanism?: ScramMechanism;
  /**
   * A clean stop (SIGTERM) first asks the controller to move this broker's leaderships to other in-sync
   * replicas and to take it out of every ISR (Kafka's controlled shutdown), waiting up to this long for it;
   * 0 skips it (the lease is revoked at once and the leaderships move as after a crash, without the wait
   * for the lease). Default 10000 ms.
   */
  controlledShutdownTimeoutMs?: number;
  /**
   * The controller moves leadership back to each partition's first replica (its preferred leader) when a
   * broker leads too few of the partitions it is preferred for (Kafka's auto.leader.rebalance.enable).
   * Default true.
   */
  autoLeaderRebalance?: boolean;
  /** How often the controller checks the leader imbalance (leader.imbalance.check.interval.seconds). Default 300000 ms. */
  leaderImbalanceCheckIntervalMs?: number;
  /**
   * A broker whose share of its preferred partitions led by others is above this gets them back
   * (leader.imbalance.per.broker.percentage). Default 10.
   */
  leaderImbalancePerBrokerPercent?: number;
}

export interface ClusterConfig {
  readonly endpoints: readonly string[];
  readonly name: string;
  readonly sessionTimeoutMs: number;
  readonly defaultReplicationFactor: number;
  readonly etcdRequestTimeoutMs: number;
  readonly replicaLagTimeMaxMs: number;
  readonly replicaFetchWaitMaxMs: number;
  readonly replicaSocketTimeoutMs: number;
  readonly replicaFetchMaxBytes: number;
  readonly minInsyncReplicas: number;
  readonly offsetsTopicReplicationFactor: number;
  readonly offsetsCommitTimeoutMs: number;
  /** null: peers connect unauthenticated (the brokers require no authentication). */
  readonly interBroker: InterBrokerCredentials | null;
  readonly controlledShutdownTimeoutMs: number;
  readonly autoLeaderRebalance: boolean;
  readonly leaderImbalanceCheckIntervalMs: number;
  readonly leaderImbalancePerBrokerPercent: number;
}

/** Parses "etcd://a:2379,b:2379" (or http:// URLs) into etcd client URLs; throws a sentence on bad input. */
export function parseEtcdEndpoints(value: string | readonly string[]): string[] {
  const parts = (typeof value === 'string' ? [value] : [...value])
    .flatMap((v) => v.replace(/^etcd:\/\//, '').split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
  if (parts.length === 0) throw new Error('names no etcd address (expected etcd://host:port[,host:port])');
  return parts.map((part) => {
    const url = /^https?:\/\//.test(part) ? part : `http://${part}`;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`"${part}" is not an etcd address (expected host:port)`);
    }
    if (!parsed.port) throw new Error(`"${part}" names no port (etcd's client port is usually 2379)`);
    return `${parsed.protocol}//${parsed.host}`;
  });
}

export const DEFAULT_CLUSTER_NAME = 'sluice';

/** A cluster's name is its key prefix in etcd: 1..64 characters of [A-Za-z0-9_.-]. */
export function isValidClusterName(name: string): boolean {
  return /^[\w.-]{1,64}$/.test(name);
}

export function resolveClusterConfig(
  options: ClusterOptions,
  fail: (field: string, message: string) => never,
): ClusterConfig {
  let endpoints: string[];
  try {
    endpoints = parseEtcdEndpoints(options.etcd);
  } catch (error) {
    return fail('cluster.etcd', (error as Error).message);
  }
  const name = options.name ?? DEFAULT_CLUSTER_NAME;
  if (!isValidClusterName(name)) fail('cluster.name', 'must be 1..64 characters of [A-Za-z0-9_.-]');
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 3000;
  if (!Number.isInteger(sessionTimeoutMs) || sessionTimeoutMs < 1000 || sessionTimeoutMs > 600_000)
    fail('cluster.sessionTimeoutMs', 'must be an integer from 1000 to 600000 (etcd leases are whole seconds)');
  const defaultReplicationFactor = options.defaultReplicationFactor ?? 1;
  if (!Number.isInteger(defaultReplicationFactor) || defaultReplicationFactor < 1 || defaultReplicationFactor > 32767)
    fail('cluster.defaultReplicationFactor', 'must be an integer from 1 to 32767');
  const etcdRequestTimeoutMs = options.etcdRequestTimeoutMs ?? 5000;
  if (!Number.isInteger(etcdRequestTimeoutMs) || etcdRequestTimeoutMs < 100)
    fail('cluster.etcdRequestTimeoutMs', 'must be an integer of at least 100');
  const replicaLagTimeMaxMs = options.replicaLagTimeMaxMs ?? 10_000;
  if (!Number.isInteger(replicaLagTimeMaxMs) || replicaLagTimeMaxMs < 100)
    fail('cluster.replicaLagTimeMaxMs', 'must be an integer of at least 100');
  const replicaFetchWaitMaxMs = options.replicaFetchWaitMaxMs ?? 500;
  if (!Number.isInteger(replicaFetchWaitMaxMs) || replicaFetchWaitMaxMs < 0 || replicaFetchWaitMaxMs > 60_000)
    fail('cluster.replicaFetchWaitMaxMs', 'must be an integer from 0 to 60000');
  if (replicaFetchWaitMaxMs >= replicaLagTimeMaxMs)
    fail('cluster.replicaFetchWaitMaxMs', 'must be below replicaLagTimeMaxMs (an idle follower would leave the ISR)');
  const replicaSocketTimeoutMs = options.replicaSocketTimeoutMs ?? 5000;
  if (!Number.isInteger(replicaSocketTimeoutMs) || replicaSocketTimeoutMs < 100 || replicaSocketTimeoutMs > 600_000)
    fail('cluster.replicaSocketTimeoutMs', 'must be an integer from 100 to 600000');
  const replicaFetchMaxBytes = options.replicaFetchMaxBytes ?? 1024 * 1024;
  if (!Number.isInteger(replicaFetchMaxBytes) || replicaFetchMaxBytes < 1024)
    fail('cluster.replicaFetchMaxBytes', 'must be an integer of at least 1024');
  const minInsyncReplicas = options.minInsyncReplicas ?? 1;
  if (!Number.isInteger(minInsyncReplicas) || minInsyncReplicas < 1 || minInsyncReplicas > 32767)
    fail('cluster.minInsyncReplicas', 'must be an integer from 1 to 32767');
  const offsetsTopicReplicationFactor = options.offsetsTopicReplicationFactor ?? 3;
  if (
    !Number.isInteger(offsetsTopicReplicationFactor) ||
    offsetsTopicReplicationFactor < 1 ||
    offsetsTopicReplicationFactor > 32767
  )
    fail('cluster.offsetsTopicReplicationFactor', 'must be an integer from 1 to 32767');
  const offsetsCommitTimeoutMs = options.offsetsCommitTimeoutMs ?? 5000;
  if (!Number.isInteger(offsetsCommitTimeoutMs) || offsetsCommitTimeoutMs < 100)
    fail('cluster.offsetsCommitTimeoutMs', 'must be an integer of at least 100');
  const interBroker = interBrokerCredentials(options, fail);
  const controlledShutdownTimeoutMs = options.controlledShutdownTimeoutMs ?? 10_000;
  if (!Number.isInteger(controlledShutdownTimeoutMs) || controlledShutdownTimeoutMs < 0)
    fail('cluster.controlledShutdownTimeoutMs', 'must be an integer of at least 0');
  const autoLeaderRebalance = options.autoLeaderRebalance ?? true;
  if (typeof autoLeaderRebalance !== 'boolean') fail('cluster.autoLeaderRebalance', 'must be true or false');
  const leaderImbalanceCheckIntervalMs = options.leaderImbalanceCheckIntervalMs ?? 300_000;
  if (!Number.isInteger(leaderImbalanceCheckIntervalMs) || leaderImbalanceCheckIntervalMs < 100)
    fail('cluster.leaderImbalanceCheckIntervalMs', 'must be an integer of at least 100');
  const leaderImbalancePerBrokerPercent = options.leaderImbalancePerBrokerPercent ?? 10;
  if (
    typeof leaderImbalancePerBrokerPercent !== 'number' ||
    !(leaderImbalancePerBrokerPercent >= 0 && leaderImbalancePerBrokerPercent <= 100)
  )
    fail('cluster.leaderImbalancePerBrokerPercent', 'must be a number from 0 to 100');
  return Object.freeze({
    endpoints: Object.freeze(endpoints),
    name,
    sessionTimeoutMs,
    defaultReplicationFactor,
    etcdRequestTimeoutMs,
    replicaLagTimeMaxMs,
    replicaFetchWaitMaxMs,
    replicaSocketTimeoutMs,
    replicaFetchMaxBytes,
    minInsyncReplicas,
    offsetsTopicReplicationFactor,
    offsetsCommitTimeoutMs,
    interBroker,
    controlledShutdownTimeoutMs,
    autoLeaderRebalance,
    leaderImbalanceCheckIntervalMs,
    leaderImbalancePerBrokerPercent,
  });
}

/** The password stays in a closure: the frozen config logs, prints and serialises without it. */
function interBrokerCredentials(
  options: ClusterOptions,
  fail: (field: string, message: string) => never,
): InterBrokerCredentials | null {
  const { interBrokerUser: user, interBrokerPassword: password, interBrokerMechanism } = options;
  if (user === undefined && password === undefined) {
    if (interBrokerMechanism !== undefined)
      fail('cluster.interBrokerMechanism', 'needs cluster.interBrokerUser and its password');
    return null;
  }
  if (typeof user !== 'string' || user.length === 0)
    fail('cluster.interBrokerUser', 'must be a non-empty user name when an inter-broker password is given');
  if (typeof password !== 'string' || password.length === 0)
    fail(
      'cluster.interBrokerPassword',
      'is missing: set SLUICE_INTER_BROKER_PASSWORD or pass --inter-broker-password-file',
    );
  const mechanism = interBrokerMechanism ?? 'SCRAM-SHA-512';
  if (!SCRAM_MECHANISMS.includes(mechanism))
    fail('cluster.interBrokerMechanism', `must be one of ${SCRAM_MECHANISMS.join(', ')}`);
  return Object.freeze({ user, mechanism, password: () => password });
}
