// This broker's replicas (Kafka's ReplicaManager): for every partition the cluster placed here, the role the
// metadata gives it (leader or follower, under which leader epoch), kept in PartitionReplica; the fetchers
// that copy followed partitions from their leaders (replica-fetcher.ts, one per leader broker); and, as
// leader, what followers report: their log ends move the high watermark, which releases acks=-1 produces
// (ack-waiters.ts) and wakes consumers' long polls; a follower caught up joins the ISR and one that lags
// for longer than `replicaLagTimeMaxMs` leaves it. ISR changes are written by the leader to the partition's
// etcd key with a compare-and-swap on the revision it read, under its own leader epoch (Kafka's
// AlterPartition, with etcd's revision as the fence): a controller move in between makes the write fail.
//
// Roles follow the metadata cache (refresh() after every change). The high watermarks are checkpointed
// to disk (hw-checkpoint.ts) every `HW_CHECKPOINT_INTERVAL_MS` and at stop.
import type { Logger } from 'pino';
import type { PartitionLog, StorageFs } from '../../../storage/index.js';
import { bindReplicatedHighWatermark } from '../high-watermark.js';
import { partitionKey } from '../partition-key.js';
import type { TopicRegistry } from '../registries/topics.js';
import { type AckOutcome, AckWaiters } from './ack-waiters.js';
import type { ClusterConfig } from './config.js';
import { isEtcdUnreachable } from './etcd-client.js';
import { HighWatermarkCheckpoint } from './hw-checkpoint.js';
import type { ClusterMetadataCache } from './metadata-cache.js';
import { PartitionReplica } from './partition-replica.js';
import { type FetcherHost, ReplicaFetcher } from './replica-fetcher.js';

/** Kafka's replica.high.watermark.checkpoint.interval.ms. */
export const HW_CHECKPOINT_INTERVAL_MS = 5000;

/** What a leader's check of a replica request found wrong, as a wire error name and a sentence. */
export interface ReplicaRefusal {
  error: 'NOT_LEADER_FOR_PARTITION' | 'FENCED_LEADER_EPOCH' | 'UNKNOWN_LEADER_EPOCH' | 'UNKNOWN_TOPIC_OR_PARTITION';
  message: string;
}

/** What the produce path and the broker-to-broker handlers ask of replication. */
export interface ReplicationView {
  /** acks=-1: the ISR is smaller than the topic's min.insync.replicas (a sentence), or null. */
  notEnoughReplicas(topic: string, partition: number): string | null;
  /** acks=-1: resolves once the ISR holds every offset below `end`, after `timeoutMs`, or on leadership loss. */
  awaitCommitted(topic: string, partition: number, end: number, timeoutMs: number): Promise<AckOutcome>;
  /** Checks a follower's request against this leader's epoch; null when it may be served. */
  checkLeader(topic: string, partition: number, currentLeaderEpoch: number): ReplicaRefusal | null;
  /** The leader appended to the partition: the high watermark may move (a leader alone in its ISR). */
  appended(topic: string, partition: number): void;
  /** A follower fetched from `fetchOffset` (its log end): its progress, the high watermark, the ISR. */
  followerFetched(topic: string, partition: number, replicaId: number, fetchOffset: number): void;
  /**
   * Bytes this leader may send `replicaId` of the partition now: unlimited (Infinity) unless the partition
   * is being reassigned with a throttle and the replica is outside the ISR (a new replica catching up).
   */
  replicationAllowance(topic: string, partition: number, replicaId: number): number;
  /** Bytes sent to `replicaId` of the partition: taken from its throttle, if it has one. */
  replicationSent(topic: string, partition: number, replicaId: number, bytes: number): void;
}

export interface ReplicaManagerOptions {
  brokerId: number;
  config: ClusterConfig;
  cache: ClusterMetadataCache;
  topics: TopicRegistry;
  /** The log of an internal topic's partition (`__…`: kept by the broker's services, not the topic registry). */
  internalLog(topic: string, partition: number): PartitionLog | undefined;
  logger: Logger;
  checkpoint: HighWatermarkCheckpoint;
  /** Consumers' long polls on the partition are woken (the high watermark moved, or the leadership was lost). */
  notify(topic: string, partition: number): void;
  /** Writes the partition's ISR with a compare-and-swap, if this broker still leads it under `leaderEpoch`. */
  alterIsr(topic: string, partition: number, leaderEpoch: number, isr: number[]): Promise<boolean>;
  /** Whether this broker's lease is certainly alive (a leader acts as one only then). */
  leaseValid(): boolean;
}

interface Entry {
  replica: PartitionReplica;
  log: PartitionLog;
  /** The log end when this broker became leader: the first offset of its epoch. */
  epochStart: number;
}

export class ReplicaManager implements ReplicationView {
  readonly #options: ReplicaManagerOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #fetchers = new Map<number, ReplicaFetcher>();
  readonly #acks = new AckWaiters();
  readonly #altering = new Set<string>();
  /** Moved-away replicas whose files are being deleted. */
  readonly #deleting = new Set<string>();
  /** Throttled catch-up of reassigned replicas: a token bucket per partition and replica (bytes, refilled at the rate). */
  readonly #throttles = new Map<string, { tokens: number; at: number }>();
  readonly #isrTimer: NodeJS.Timeout;
  readonly #checkpointTimer: NodeJS.Timeout;
  readonly #fetcherHost: FetcherHost;
  #closed = false;

  static async open(
    options: Omit<ReplicaManagerOptions, 'checkpoint'> & { fs: StorageFs; dataDir: string },
  ): Promise<ReplicaManager> {
    const checkpoint = await HighWatermarkCheckpoint.open(options.fs, options.dataDir);
    return new ReplicaManager({ ...options, checkpoint });
  }

  constructor(options: ReplicaManagerOptions) {
    this.#options = options;
    const { config } = options;
    this.#fetcherHost = {
      brokerId: options.brokerId,
      logger: options.logger,
      fetchMaxWaitMs: config.replicaFetchWaitMaxMs,
      fetchMaxBytes: config.replicaFetchMaxBytes,
      socketTimeoutMs: config.replicaSocketTimeoutMs,
      credentials: config.interBroker ?? undefined,
      retryMs: 200,
      log: (topic, partition) => this.#entries.get(partitionKey(topic, partition))?.log,
      replica: (topic, partition) => this.#entries.get(partitionKey(topic, partition))?.replica,
    };
    this.#isrTimer = setInterval(() => this.#shrinkIsrs(), Math.max(100, Math.floor(config.replicaLagTimeMaxMs / 2)));
    this.#isrTimer.unref();
    this.#checkpointTimer = setInterval(() => void this.#writeCheckpoint(), HW_CHECKPOINT_INTERVAL_MS);
    this.#checkpointTimer.unref();
  }

  /** Every replica's role as the metadata says now: leaders lead, followers fetch. Call after each change. */
  refresh(): void {
    if (this.#closed) return;
    const { cache, topics, brokerId } = this.#options;
    const seen = new Set<string>();
    const moved: Array<{ topic: string; partition: number }> = [];
    for (const [topic, { value: spec }] of cache.topics()) {
      for (let p = 0; p < spec.partitions; p++) {
        const state = cache.partition(topic, p)?.value;
        if (!state?.replicas.includes(brokerId)) {
          if (state && !spec.deleting && this.#heldHere(topic, p)) moved.push({ topic, partition: p });
          continue;
        }
        const log = topic.startsWith('__') ? this.#options.internalLog(topic, p) : topics.log(topic, p);
        if (!log) continue;
        const key = partitionKey(topic, p);
        seen.add(key);
        let entry = this.#entries.get(key);
        if (!entry || entry.log !== log) {
          const replica = new PartitionReplica(topic, p, brokerId, this.#options.checkpoint.get(topic, p));
          entry = { replica, log, epochStart: 0 };
          this.#entries.set(key, entry);
          // Read on every consumer fetch: the ISR's low end, moved up first (a leader alone in its ISR
          // moves with its own log end; a follower's progress moves it in followerFetched()).
          bindReplicatedHighWatermark(log, {
            get highWatermark() {
              replica.advance(log.logEndOffset);
              return replica.highWatermark;
            },
          });
        }
        this.#apply(entry, state.leader, state.leaderEpoch, state.replicas, state.isr);
      }
    }
    for (const [key, entry] of this.#entries) {
      if (seen.has(key)) continue;
      this.#stopFollowing(entry);
      this.#acks.leadershipLost(entry.replica.topic, entry.replica.partition);
      this.#options.notify(entry.replica.topic, entry.replica.partition);
      this.#entries.delete(key);
    }
    for (const key of this.#throttles.keys()) {
      const [topic, partition] = key.split('\0');
      if (!cache.reassignment(topic!, Number(partition))) this.#throttles.delete(key);
    }
    for (const [leader, fetcher] of this.#fetchers) {
      if (fetcher.size > 0) continue;
      this.#fetchers.delete(leader);
      void fetcher.close();
    }
    for (const { topic, partition } of moved) void this.#deleteMovedReplica(topic, partition);
  }

  /**
   * Whether this broker holds (or held, before a restart) a replica of a user topic's partition: a role
   * this run, or a high watermark it checkpointed. Internal topics' logs belong to the broker's services.
   */
  #heldHere(topic: string, partition: number): boolean {
    if (topic.startsWith('__')) return false;
    const key = partitionKey(topic, partition);
    return this.#entries.has(key) || this.#options.checkpoint.has(topic, partition);
  }

  /**
   * Kafka's StopReplica with delete: the cluster moved the partition's replicas off this broker (a
   * reassignment, while it ran or while it was away), so its copy goes: every segment is deleted and the
   * log restarts empty at 0, like a partition this broker never held (every broker keeps the local side of
   * every cluster topic). Called after the replica's fetcher stopped; a replica given back later fetches
   * again from the leader's log start.
   */
  async #deleteMovedReplica(topic: string, partition: number): Promise<void> {
    const key = partitionKey(topic, partition);
    const log = this.#options.topics.log(topic, partition);
    if (!log || this.#deleting.has(key)) return;
    this.#deleting.add(key);
    try {
      const records = log.logEndOffset - log.logStartOffset;
      if (log.logEndOffset > 0) await log.truncateFullyAndStartAt(0);
      this.#options.checkpoint.forget(topic, partition);
      this.#options.logger.info(
        { topic, partition, records },
        'deleted the local replica of a partition the cluster moved to other brokers',
      );
    } catch (error) {
      this.#options.logger.warn(
        { err: error, topic, partition },
        'cannot delete the local replica of a moved partition',
      );
    } finally {
      this.#deleting.delete(key);
    }
  }

  #apply(entry: Entry, leader: number, epoch: number, replicas: number[], isr: number[]): void {
    const { replica, log } = entry;
    const { topic, partition } = replica;
    const now = performance.now();
    if (leader === this.#options.brokerId) {
      if (replica.role !== 'leader' || replica.leaderEpoch !== epoch) {
        this.#stopFollowing(entry);
        replica.becomeLeader(epoch, replicas, isr, log.logEndOffset, now);
        entry.epochStart = log.logEndOffset;
        this.#options.logger.info(
          { topic, partition, leaderEpoch: epoch, isr, highWatermark: replica.highWatermark },
          'leading partition',
        );
      } else {
        replica.updateReplicas(replicas, now);
        if (!sameMembers(replica.isr, isr)) replica.updateIsr(isr, log.logEndOffset);
      }
      this.#released(entry);
      return;
    }
    if (replica.role === 'leader') {
      this.#acks.leadershipLost(topic, partition);
      // Fetches (and push streams) parked here read again and answer NOT_LEADER now, not at their maxWait.
      this.#options.notify(topic, partition);
    }
    if (replica.role === 'leader' || replica.leaderEpoch !== epoch || replica.leaderId !== leader) {
      this.#stopFollowing(entry);
      replica.becomeFollower(epoch, leader, isr, log.logEndOffset);
      if (leader >= 0) {
        this.#options.logger.info({ topic, partition, leader, leaderEpoch: epoch }, 'following partition');
      }
    } else {
      replica.updateIsr(isr, log.logEndOffset);
    }
    if (leader >= 0) this.#fetcherFor(leader)?.add(topic, partition, epoch);
  }

  #fetcherFor(leader: number): ReplicaFetcher | undefined {
    const record = this.#options.cache.broker(leader);
    if (!record) return undefined;
    let fetcher = this.#fetchers.get(leader);
    if (fetcher && (fetcher.leader.host !== record.host || fetcher.leader.port !== record.port)) {
      void fetcher.close();
      fetcher = undefined;
    }
    if (!fetcher) {
      fetcher = new ReplicaFetcher(record, this.#fetcherHost);
      this.#fetchers.set(leader, fetcher);
    }
    return fetcher;
  }

  #stopFollowing(entry: Entry): void {
    for (const fetcher of this.#fetchers.values()) fetcher.remove(entry.replica.topic, entry.replica.partition);
  }

  notEnoughReplicas(topic: string, partition: number): string | null {
    const entry = this.#entries.get(partitionKey(topic, partition));
    if (!entry) return null;
    const required = this.minInsyncReplicas(topic);
    const isr = entry.replica.isr;
    if (isr.length >= required) return null;
    return `${topic}-${partition} has ${isr.length} in-sync replica${isr.length === 1 ? '' : 's'} (${isr.join(',')}), fewer than min.insync.replicas=${required}`;
  }

  /** The topic's min.insync.replicas: its own config, else the cluster's default. */
  minInsyncReplicas(topic: string): number {
    const own = this.#options.topics.get(topic)?.configs['min.insync.replicas'];
    return own === undefined ? this.#options.config.minInsyncReplicas : Number(own);
  }

  replicationAllowance(topic: string, partition: number, replicaId: number): number {
    const entry = this.#entries.get(partitionKey(topic, partition));
    const rate = this.#options.cache.reassignment(topic, partition)?.value.throttleBytesPerSecond;
    if (!entry || !rate || entry.replica.isr.includes(replicaId)) return Number.POSITIVE_INFINITY;
    const key = `${partitionKey(topic, partition)}\0${replicaId}`;
    const now = performance.now();
    const bucket = this.#throttles.get(key) ?? { tokens: 0, at: now };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) * rate) / 1000);
    bucket.at = now;
    this.#throttles.set(key, bucket);
    return Math.max(0, Math.floor(bucket.tokens));
  }

  replicationSent(topic: string, partition: number, replicaId: number, bytes: number): void {
    const bucket = this.#throttles.get(`${partitionKey(topic, partition)}\0${replicaId}`);
    if (bucket) bucket.tokens -= bytes;
  }

  appended(topic: string, partition: number): void {
    const entry = this.#entries.get(partitionKey(topic, partition));
    if (entry?.replica.advance(entry.log.logEndOffset)) this.#released(entry);
  }

  awaitCommitted(topic: string, partition: number, end: number, timeoutMs: number): Promise<AckOutcome> {
    const entry = this.#entries.get(partitionKey(topic, partition));
    // The lease may have lapsed while the records were being appended: leaseLapsed() has already answered
    // the waiters it found, so a waiter added now would be held to its timeout.
    if (entry?.replica.role !== 'leader' || !this.#options.leaseValid()) return Promise.resolve('not-leader');
    entry.replica.advance(entry.log.logEndOffset);
    if (entry.replica.highWatermark >= end) return Promise.resolve('committed');
    return this.#acks.wait(topic, partition, end, timeoutMs);
  }

  checkLeader(topic: string, partition: number, currentLeaderEpoch: number): ReplicaRefusal | null {
    const entry = this.#entries.get(partitionKey(topic, partition));
    const where = `${topic}-${partition}`;
    if (!entry)
      return {
        error: 'UNKNOWN_TOPIC_OR_PARTITION',
        message: `broker ${this.#options.brokerId} has no replica of ${where}`,
      };
    const { replica } = entry;
    if (replica.role !== 'leader' || !this.#options.leaseValid())
      return { error: 'NOT_LEADER_FOR_PARTITION', message: `broker ${this.#options.brokerId} does not lead ${where}` };
    if (currentLeaderEpoch < replica.leaderEpoch)
      return {
        error: 'FENCED_LEADER_EPOCH',
        message: `${where}: epoch ${currentLeaderEpoch} is older than the leader's ${replica.leaderEpoch}`,
      };
    if (currentLeaderEpoch > replica.leaderEpoch)
      return {
        error: 'UNKNOWN_LEADER_EPOCH',
        message: `${where}: epoch ${currentLeaderEpoch} is newer than the leader's ${replica.leaderEpoch}`,
      };
    return null;
  }

  followerFetched(topic: string, partition: number, replicaId: number, fetchOffset: number): void {
    const entry = this.#entries.get(partitionKey(topic, partition));
    if (entry?.replica.role !== 'leader') return;
    const { replica, log } = entry;
    if (replica.followerFetched(replicaId, fetchOffset, log.logEndOffset, performance.now())) this.#released(entry);
    if (replica.mayJoinIsr(replicaId, entry.epochStart) && !this.#options.cache.isShuttingDown(replicaId))
      this.#alterIsr(entry, [...replica.isr, replicaId], 'expand');
  }

  /** The high watermark moved (or may have): acks=-1 produces it covers are answered, consumers woken. */
  #released(entry: Entry): void {
    const { topic, partition, highWatermark } = entry.replica;
    this.#acks.advanced(topic, partition, highWatermark);
    this.#options.notify(topic, partition);
  }

  #shrinkIsrs(): void {
    if (this.#closed) return;
    const now = performance.now();
    const maxLag = this.#options.config.replicaLagTimeMaxMs;
    for (const entry of this.#entries.values()) {
      const { replica } = entry;
      if (replica.role !== 'leader') continue;
      const lagging = replica.laggingFollowers(now, maxLag);
      if (lagging.length === 0) continue;
      this.#alterIsr(
        entry,
        replica.isr.filter((id) => !lagging.includes(id)),
        'shrink',
      );
    }
  }

  #alterIsr(entry: Entry, isr: number[], why: 'expand' | 'shrink'): void {
    const { topic, partition, leaderEpoch } = entry.replica;
    const key = partitionKey(topic, partition);
    if (this.#altering.has(key) || !this.#options.leaseValid()) return;
    this.#altering.add(key);
    const from = [...entry.replica.isr];
    this.#options
      .alterIsr(topic, partition, leaderEpoch, isr)
      .then((written) => {
        if (written)
          this.#options.logger.info(
            { topic, partition, leaderEpoch, from, to: isr },
            why === 'expand' ? 'a caught-up follower joined the ISR' : 'lagging followers left the ISR',
          );
      })
      .catch((error: unknown) => {
        const level = isEtcdUnreachable(error) ? 'debug' : 'warn';
        this.#options.logger[level](
          { err: error, topic, partition },
          'cannot write the ISR change to etcd; retrying later',
        );
      })
      .finally(() => this.#altering.delete(key));
  }

  async #writeCheckpoint(): Promise<void> {
    const current = [...this.#entries.values()].map(({ replica }) => ({
      topic: replica.topic,
      partition: replica.partition,
      highWatermark: replica.highWatermark,
    }));
    await this.#options.checkpoint
      .write(current)
      .catch((error: unknown) =>
        this.#options.logger.warn({ err: error }, 'cannot write the high-watermark checkpoint'),
      );
  }

  /**
   * This broker's lease lapsed: it leads nothing until a renewal, so the acks=-1 produces waiting for their
   * ISR are answered NOT_LEADER now (their producers look for the new leader) rather than at their timeout,
   * and the fetches parked on the partitions it led read again (NOT_LEADER) rather than wait out maxWait.
   */
  leaseLapsed(): void {
    this.#acks.closeAll();
    for (const { replica } of this.#entries.values())
      if (replica.role === 'leader') this.#options.notify(replica.topic, replica.partition);
  }

  /** Stops fetching, answers waiting acks=-1 produces NOT_LEADER, writes the high-watermark checkpoint. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#isrTimer);
    clearInterval(this.#checkpointTimer);
    this.#acks.closeAll();
    await Promise.all([...this.#fetchers.values()].map((f) => f.close()));
    this.#fetchers.clear();
    await this.#writeCheckpoint();
  }
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}
