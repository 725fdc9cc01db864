// The transaction coordinator's writes into other partitions in cluster mode: markers into every
// partition of a transaction, at each partition's leader (this broker's own leaderships written here, the
// others through WriteTxnMarkers), and a committed transaction's offsets to the group coordinator (the
// leader of `__consumer_offsets`, through WriteTxnOffsets unless that is this broker).
//
// Each delivery retries what failed (a leader gone, NOT_LEADER, a lost connection, an ISR slow to confirm)
// against the leader the metadata names at that moment, every RETRY_MS, until all is written: the
// transaction completes only then. It gives up after `timeoutMs` (the transaction stays Prepare*, and the
// coordinator's sweep or the producer's retry of EndTxn completes it later), and at once when this broker
// stops leading `__transaction_state` (the new coordinator completes it). A request to a peer is bounded by
// what is left of that time: one left unanswered on a silent link ends the delivery at its deadline.
import type { Logger } from 'pino';
import { ErrorCode, WriteTxnMarkersApi, WriteTxnOffsetsApi } from '../../protocol/index.js';
import { OFFSETS_TOPIC } from '../groups/offsets-store.js';
import type { PartitionError } from '../handlers/storage-errors.js';
import { TxnError } from '../txn/errors.js';
import type { Marker, MarkerWriter } from '../txn/markers.js';
import type { PendingOffset, TxnPartition } from '../txn/transaction.js';
import type { ClusterView } from './cluster-node.js';
import type { PeerPool } from './peer-pool.js';

const RETRY_MS = 200;
/** A peer request's timeout: what is left until `deadline`, at least one retry interval. */
const remaining = (deadline: number) => Math.max(RETRY_MS, Math.ceil(deadline - performance.now()));
/** How long one delivery retries by default: within a client's request timeout (kafkajs: 30 s) for EndTxn. */
const DELIVERY_TIMEOUT_MS = 15_000;

export interface TxnDeliveryOptions {
  cluster(): ClusterView | undefined;
  peers: PeerPool;
  /** Whether this broker still coordinates transactions (leads `__transaction_state`). */
  isCoordinator(): boolean;
  /** Writes a marker into a partition this broker leads (cluster/replicated-marker.ts). */
  writeLocalMarker(topic: string, partition: number, marker: Marker): Promise<PartitionError | null>;
  /** Commits offsets with this broker's group coordinator (it throws when that is not serving here). */
  commitLocalOffsets(groupId: string, offsets: PendingOffset[]): Promise<void>;
  /** How long one delivery keeps retrying. Default 15 s. */
  timeoutMs?: number;
  logger: Logger;
}

export class TxnDelivery implements MarkerWriter {
  readonly #options: TxnDeliveryOptions;

  constructor(options: TxnDeliveryOptions) {
    this.#options = options;
  }

  /** Resolves once the marker is in every partition's in-sync replicas (a partition no longer placed is skipped). */
  async write(partitions: readonly TxnPartition[], marker: Marker): Promise<void> {
    let pending = [...partitions];
    await this.#retrying(
      `${marker.commit ? 'COMMIT' : 'ABORT'} markers of producer ${marker.producerId}`,
      async (deadline) => {
        const cluster = this.#cluster();
        const byLeader = new Map<number, TxnPartition[]>();
        const problems: string[] = [];
        for (const p of pending) {
          const state = cluster.partition(p.topic, p.partition);
          if (!state) continue; // deleted since: nothing to mark
          byLeader.set(state.leader, [...(byLeader.get(state.leader) ?? []), p]);
        }
        const failed: TxnPartition[] = [];
        await Promise.all(
          [...byLeader].map(async ([leader, group]) => {
            const refused = await this.#markAt(cluster, leader, group, marker, deadline);
            for (const [p, why] of refused) {
              failed.push(p);
              problems.push(why);
            }
          }),
        );
        pending = failed;
        return pending.length === 0 ? null : problems.join('; ');
      },
    );
  }

  /** Marks `partitions` (all led by `leader` as last known); the ones that failed, with why. */
  async #markAt(
    cluster: ClusterView,
    leader: number,
    partitions: TxnPartition[],
    marker: Marker,
    deadline: number,
  ): Promise<Array<[TxnPartition, string]>> {
    if (leader < 0) return partitions.map((p) => [p, `${p.topic}-${p.partition} has no leader now`]);
    if (leader === cluster.brokerId) {
      const outcomes = await Promise.all(
        partitions.map((p) => this.#options.writeLocalMarker(p.topic, p.partition, marker)),
      );
      return partitions.flatMap((p, i): Array<[TxnPartition, string]> => {
        const refusal = outcomes[i];
        return refusal ? [[p, refusal.errorMessage]] : [];
      });
    }
    const peer = cluster.brokers().find((b) => b.id === leader);
    if (!peer) return partitions.map((p) => [p, `broker ${leader}, leader of ${p.topic}-${p.partition}, is not live`]);
    const topics = new Map<string, number[]>();
    for (const p of partitions) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
    try {
      const answer = await this.#options.peers.request(
        peer,
        WriteTxnMarkersApi,
        { ...marker, topics: [...topics].map(([name, ps]) => ({ name, partitions: ps })) },
        remaining(deadline),
      );
      const refused: Array<[TxnPartition, string]> = [];
      for (const p of partitions) {
        const result = answer.results
          .find((t) => t.name === p.topic)
          ?.partitions.find((r) => r.partition === p.partition);
        if (!result) refused.push([p, `broker ${leader} did not answer for ${p.topic}-${p.partition}`]);
        else if (result.errorCode !== ErrorCode.NONE)
          refused.push([p, result.errorMessage ?? `broker ${leader} answered error ${result.errorCode}`]);
      }
      return refused;
    } catch (error) {
      return partitions.map((p) => [p, `${p.topic}-${p.partition} at broker ${leader}: ${(error as Error).message}`]);
    }
  }

  /** Resolves once the group coordinator stored the offsets (replicated). */
  async commitOffsets(groupId: string, offsets: PendingOffset[]): Promise<void> {
    await this.#retrying(`offsets of group ${groupId}`, async (deadline) => {
      const cluster = this.#cluster();
      const leader = cluster.partition(OFFSETS_TOPIC, 0)?.leader ?? -1;
      if (leader < 0) return `${OFFSETS_TOPIC} has no leader now`;
      if (leader === cluster.brokerId) {
        try {
          await this.#options.commitLocalOffsets(groupId, offsets);
          return null;
        } catch (error) {
          return (error as Error).message;
        }
      }
      const peer = cluster.brokers().find((b) => b.id === leader);
      if (!peer) return `broker ${leader}, the group coordinator, is not live`;
      const topics = new Map<string, PendingOffset[]>();
      for (const o of offsets) topics.set(o.topic, [...(topics.get(o.topic) ?? []), o]);
      try {
        const answer = await this.#options.peers.request(
          peer,
          WriteTxnOffsetsApi,
          {
            groupId,
            topics: [...topics].map(([name, os]) => ({
              name,
              partitions: os.map((o) => ({ partition: o.partition, offset: o.offset, metadata: o.metadata })),
            })),
          },
          remaining(deadline),
        );
        return answer.errorCode === ErrorCode.NONE
          ? null
          : (answer.errorMessage ?? `broker ${leader} answered error ${answer.errorCode}`);
      } catch (error) {
        return `broker ${leader}: ${(error as Error).message}`;
      }
    });
  }

  /**
   * Runs `attempt` (null: done; else why not) until it is done, this broker stops coordinating, or timeoutMs;
   * an attempt gets the deadline (performance.now()) its requests must end by.
   */
  async #retrying(what: string, attempt: (deadline: number) => Promise<string | null>): Promise<void> {
    const timeoutMs = this.#options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
    const deadline = performance.now() + timeoutMs;
    for (let round = 0; ; round++) {
      if (!this.#options.isCoordinator())
        throw new TxnError(
          'NOT_COORDINATOR',
          `stopped writing the ${what}: this broker no longer coordinates transactions`,
        );
      const problem = await attempt(deadline);
      if (problem === null) return;
      if (performance.now() >= deadline)
        throw new TxnError(
          'COORDINATOR_NOT_AVAILABLE',
          `the ${what} are not all written after ${timeoutMs} ms (retried later): ${problem}`,
        );
      if (round === 0) this.#options.logger.info({ problem }, `retrying the ${what}`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  #cluster(): ClusterView {
    const cluster = this.#options.cluster();
    if (!cluster) throw new TxnError('COORDINATOR_NOT_AVAILABLE', 'this broker has not joined the cluster yet');
    return cluster;
  }
}
