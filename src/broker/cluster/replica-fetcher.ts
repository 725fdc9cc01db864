// A follower's link to one leader broker (Kafka's ReplicaFetcherThread): one connection, one request at a
// time, for every partition this broker follows on that leader.
//
// Each partition added (a new leader or a new epoch) first truncates (KIP-101/279): the follower asks the
// leader (OffsetForLeaderEpoch) where the epoch of its own last batch ends in the leader's log and cuts its
// log to the lower of that and its own end of the epoch the leader named, so nothing the leader lacks
// survives here. Then it fetches (ReplicaFetch) from its log end, appends the leader's batches as they are
// (PartitionLog.appendReplicated) and takes the leader's high watermark. The leader long-polls, so an idle
// partition costs one request per fetch wait.
//
// A follower whose log ends below the leader's log start (retention or DeleteRecords removed what it
// needs) is told so (OFFSET_OUT_OF_RANGE with the leader's log start): it empties its log and restarts it at
// that start (Kafka's truncateFullyAndStartAt), then fetches from there.
//
// Failures: a lost connection is reopened after `retryMs`; a partition the leader refuses (not leader,
// fenced or unknown epoch: the metadata moved) waits for the replica manager to re-add or remove it.
import type { Logger } from 'pino';
import type { PartitionLog } from '../../../storage/index.js';
import {
  ErrorCode,
  OffsetForLeaderEpochApi,
  ReplicaFetchApi,
  type ReplicaFetchPartitionResult as ReplicaFetchAnswer,
} from '../../protocol/index.js';
import { partitionKey } from '../partition-key.js';
import type { PartitionReplica } from './partition-replica.js';
import { type InterBrokerCredentials, PeerConnection } from './peer-connection.js';
import type { BrokerRecord } from './records.js';

export interface FetcherHost {
  readonly brokerId: number;
  /** How to authenticate to the leader (cluster.interBrokerUser), or undefined without authentication. */
  readonly credentials?: InterBrokerCredentials | undefined;
  readonly logger: Logger;
  readonly fetchMaxWaitMs: number;
  readonly fetchMaxBytes: number;
  /** How long the leader may leave a request unanswered (a fetch: beyond its wait) before the connection is closed. */
  readonly socketTimeoutMs: number;
  readonly retryMs: number;
  log(topic: string, partition: number): PartitionLog | undefined;
  replica(topic: string, partition: number): PartitionReplica | undefined;
}

interface Followed {
  topic: string;
  partition: number;
  epoch: number;
  state: 'truncating' | 'fetching' | 'refused';
  /** performance.now() of the refusal: tried again (from truncation) retryMs later. */
  refusedAt?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

export class ReplicaFetcher {
  readonly leader: BrokerRecord;
  readonly #host: FetcherHost;
  readonly #partitions = new Map<string, Followed>();
  #connection: PeerConnection | undefined;
  #closed = false;
  /** Consecutive failed rounds with this leader: the first is a warning, the rest debug (a dead leader is retried every retryMs). */
  #failures = 0;
  #wake: (() => void) | undefined;
  readonly #done: Promise<void>;

  constructor(leader: BrokerRecord, host: FetcherHost) {
    this.leader = leader;
    this.#host = host;
    this.#done = this.#run();
  }

  get size(): number {
    return this.#partitions.size;
  }

  /** Follows the partition under `epoch` (truncating first); a new epoch for a followed one starts over. */
  add(topic: string, partition: number, epoch: number): void {
    const key = partitionKey(topic, partition);
    const current = this.#partitions.get(key);
    if (current && current.epoch === epoch && current.state !== 'refused') return;
    this.#partitions.set(key, { topic, partition, epoch, state: 'truncating' });
    this.#wake?.();
  }

  remove(topic: string, partition: number): void {
    this.#partitions.delete(partitionKey(topic, partition));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#connection?.close();
    this.#wake?.();
    await this.#done;
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      const now = performance.now();
      for (const p of this.#partitions.values())
        if (p.state === 'refused' && now - (p.refusedAt ?? 0) >= this.#host.retryMs) p.state = 'truncating';
      const active = [...this.#partitions.values()].filter((p) => p.state !== 'refused');
      if (active.length === 0) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          setTimeout(resolve, this.#host.retryMs).unref();
        });
        this.#wake = undefined;
        continue;
      }
      try {
        const connection = await this.#connect();
        const truncating = active.filter((p) => p.state === 'truncating');
        if (truncating.length > 0) await this.#truncate(connection, truncating);
        const fetching = active.filter((p) => p.state === 'fetching');
        if (fetching.length > 0) await this.#fetch(connection, fetching);
        if (this.#failures > 0) {
          this.#host.logger.info(
            { leader: this.leader.id, failures: this.#failures },
            'replica fetch from the leader works again',
          );
          this.#failures = 0;
        }
      } catch (error) {
        if (this.#closed) return;
        this.#connection?.close();
        this.#connection = undefined;
        this.#host.logger[this.#failures === 0 ? 'warn' : 'debug'](
          { leader: this.leader.id, err: (error as Error).message },
          'replica fetch from the leader failed; retrying',
        );
        this.#failures++;
        await sleep(this.#host.retryMs);
      }
    }
  }

  async #connect(): Promise<PeerConnection> {
    if (this.#connection && !this.#connection.closed) return this.#connection;
    this.#connection = await PeerConnection.open(
      this.leader.host,
      this.leader.port,
      `sluice-replica-${this.#host.brokerId}`,
      5000,
      this.#host.credentials,
    );
    return this.#connection;
  }

  /** Still following this partition under the same epoch, and still its follower? */
  #current(p: Followed): boolean {
    const replica = this.#host.replica(p.topic, p.partition);
    return (
      this.#partitions.get(partitionKey(p.topic, p.partition)) === p &&
      replica?.role === 'follower' &&
      replica.leaderEpoch === p.epoch
    );
  }

  /** The leader refused the partition: tried again, from truncation, `retryMs` later. */
  #refuse(p: Followed, errorCode: number, message: string | null): void {
    p.state = 'refused';
    p.refusedAt = performance.now();
    this.#host.logger.debug(
      { topic: p.topic, partition: p.partition, leader: this.leader.id, errorCode, reason: message },
      'the leader refused a replica request; retrying',
    );
  }

  async #truncate(connection: PeerConnection, partitions: Followed[]): Promise<void> {
    const asked: Array<{ p: Followed; log: PartitionLog; lastEpoch: number }> = [];
    for (const p of partitions) {
      const log = this.#host.log(p.topic, p.partition);
      if (!log) continue;
      const lastEpoch = await log.latestLeaderEpoch();
      if (lastEpoch < 0)
        p.state = 'fetching'; // nothing written under any epoch: nothing can diverge
      else asked.push({ p, log, lastEpoch });
    }
    if (asked.length === 0) return;
    const response = await connection.request(
      OffsetForLeaderEpochApi,
      {
        replicaId: this.#host.brokerId,
        topics: groupByTopic(asked, ({ p, lastEpoch }) => ({
          partition: p.partition,
          currentLeaderEpoch: p.epoch,
          leaderEpoch: lastEpoch,
        })),
      },
      this.#host.socketTimeoutMs,
    );
    await this.#eachAnswer(response.topics, asked, undefined, async ({ p, log }, answer) => {
      // KIP-279: the lower of the leader's end of the epoch it named and this log's end of that epoch.
      const own = await log.endOffsetForLeaderEpoch(answer.leaderEpoch);
      const target = answer.leaderEpoch < 0 ? 0 : Math.min(answer.endOffset, own.endOffset);
      if (target >= 0 && target < log.logEndOffset) {
        const from = log.logEndOffset;
        await log.truncateTo(target);
        this.#host.replica(p.topic, p.partition)?.truncated(log.logEndOffset);
        this.#host.logger.info(
          { topic: p.topic, partition: p.partition, from, to: log.logEndOffset, leaderEpoch: p.epoch },
          'truncated a follower log to the leader epoch boundary',
        );
      }
      p.state = 'fetching';
    });
  }

  async #fetch(connection: PeerConnection, partitions: Followed[]): Promise<void> {
    const asked: Array<{ p: Followed; log: PartitionLog; lastEpoch: number }> = [];
    for (const p of partitions) {
      const log = this.#host.log(p.topic, p.partition);
      if (log) asked.push({ p, log, lastEpoch: await log.latestLeaderEpoch() });
    }
    if (asked.length === 0) return;
    const response = await connection.request(
      ReplicaFetchApi,
      {
        replicaId: this.#host.brokerId,
        maxWaitMs: this.#host.fetchMaxWaitMs,
        maxBytes: this.#host.fetchMaxBytes,
        topics: groupByTopic(asked, ({ p, log, lastEpoch }) => ({
          partition: p.partition,
          currentLeaderEpoch: p.epoch,
          fetchOffset: log.logEndOffset,
          lastFetchedEpoch: lastEpoch,
          partitionMaxBytes: this.#host.fetchMaxBytes,
        })),
      },
      this.#host.fetchMaxWaitMs + this.#host.socketTimeoutMs,
    );
    const belowLeaderStart = async ({ p, log }: { p: Followed; log: PartitionLog }, answer: ReplicaFetchAnswer) => {
      if (answer.errorCode !== ErrorCode.OFFSET_OUT_OF_RANGE || answer.logStartOffset <= log.logEndOffset) return false;
      // Kafka's truncateFullyAndStartAt: everything this log holds is below what the leader still has.
      const from = log.logEndOffset;
      await log.truncateFullyAndStartAt(answer.logStartOffset);
      // Everything below the leader's log start was committed there: the high watermark starts at least here.
      this.#host.replica(p.topic, p.partition)?.followerHighWatermark(answer.logStartOffset, log.logEndOffset);
      this.#host.logger.warn(
        { topic: p.topic, partition: p.partition, from, to: answer.logStartOffset, leader: this.leader.id },
        "a follower log ending below the leader's log start was emptied and restarted at that start",
      );
      return true;
    };
    await this.#eachAnswer(response.topics, asked, belowLeaderStart, async ({ p, log }, answer) => {
      const records = answer.records;
      if (records.length > 0) {
        const bytes = records.length === 1 ? records[0]! : Buffer.concat(records);
        if (bytes.length > 0) await log.appendReplicated(bytes);
      }
      this.#host.replica(p.topic, p.partition)?.followerHighWatermark(answer.highWatermark, log.logEndOffset);
    });
  }

  /**
   * Runs `handle` for each partition answer that matches a partition asked for and still followed under the
   * same epoch. An error answer `recover` does not take care of — not leader, a fenced or unknown epoch (the
   * metadata moved), or out of range (this log ends past the leader's: truncated again on the retry) — is
   * refused instead (logged, retried after a pause).
   */
  async #eachAnswer<
    E extends { p: Followed },
    A extends { partition: number; errorCode: number; errorMessage: string | null },
  >(
    topics: ReadonlyArray<{ name: string; partitions: readonly A[] }>,
    asked: readonly E[],
    recover: ((entry: E, answer: A) => Promise<boolean>) | undefined,
    handle: (entry: E, answer: A) => Promise<void>,
  ): Promise<void> {
    for (const t of topics) {
      for (const answer of t.partitions) {
        const entry = asked.find((a) => a.p.topic === t.name && a.p.partition === answer.partition);
        if (!entry || !this.#current(entry.p)) continue;
        if (answer.errorCode !== ErrorCode.NONE) {
          if (await recover?.(entry, answer)) continue;
          this.#refuse(entry.p, answer.errorCode, answer.errorMessage);
          continue;
        }
        await handle(entry, answer);
      }
    }
  }
}

function groupByTopic<T extends { p: Followed }, R>(
  entries: T[],
  partition: (entry: T) => R,
): Array<{ name: string; partitions: R[] }> {
  const byTopic = new Map<string, R[]>();
  for (const entry of entries) {
    let list = byTopic.get(entry.p.topic);
    if (!list) byTopic.set(entry.p.topic, (list = []));
    list.push(partition(entry));
  }
  return [...byTopic].map(([name, partitions]) => ({ name, partitions }));
}
