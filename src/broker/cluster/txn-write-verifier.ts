// KIP-890 part 1 in cluster mode, on a partition's leader: a producer's transactional batch is appended only
// if the transaction coordinator (the leader of `__transaction_state`, maybe another broker) says the
// producer's open transaction added this partition (VerifyTxnWrite; Kafka 3.6 asks with AddPartitionsToTxn
// verifyOnly). The answer is remembered per producer and partition until the transaction's marker is
// written into the partition, so only the first batch of each transaction in each partition asks.
//
// Concurrency: a marker may be written while a verification is under way, or between the verification and
// the append. markerWritten() forgets the producer's entry synchronously before the marker is queued, and
// the produce path calls stillVerified() synchronously right before it queues its append: a batch queued
// after the marker finds no entry and is refused (CONCURRENT_TRANSACTIONS, the producer retries and is
// verified again), so no batch of an ended transaction lands after its marker.
import { ErrorCode, VerifyTxnWriteApi } from '../../protocol/index.js';
import { type PartitionError, partitionError } from '../handlers/storage-errors.js';
import { TRANSACTION_STATE_TOPIC } from '../txn/coordinator.js';
import type { TxnError } from '../txn/errors.js';
import type { ClusterView } from './cluster-node.js';
import type { PeerPool } from './peer-pool.js';

/**
 * How long the transaction coordinator may take to answer a verification (a lookup in its memory): past it the
 * produce is refused as retriable and the connection to the coordinator opened again.
 */
const VERIFY_TIMEOUT_MS = 5000;

export interface TxnWriteVerifierOptions {
  cluster(): ClusterView | undefined;
  peers: PeerPool;
  /** This broker's transaction coordinator's answer (when it leads `__transaction_state`); null: verified. */
  verifyLocally(producerId: number, producerEpoch: number, topic: string, partition: number): TxnError | null;
  /** Whether this broker's transaction coordinator is loaded and serving. */
  coordinatorReady(): boolean;
}

interface Verified {
  producerEpoch: number;
  /** The partition's leader epoch when verified: a later leadership of this broker verifies again. */
  leaderEpoch: number;
}

export class TxnWriteVerifier {
  readonly #options: TxnWriteVerifierOptions;
  readonly #verified = new Map<string, Verified>();

  constructor(options: TxnWriteVerifierOptions) {
    this.#options = options;
  }

  /** Null when the write may go on (known, or just verified); else the produce's error for the partition. */
  check(
    producerId: number,
    producerEpoch: number,
    topic: string,
    partition: number,
  ): PartitionError | null | Promise<PartitionError | null> {
    if (this.stillVerified(producerId, producerEpoch, topic, partition)) return null;
    return this.#verify(producerId, producerEpoch, topic, partition);
  }

  /** Whether the write is verified now (called synchronously right before the append is queued). */
  stillVerified(producerId: number, producerEpoch: number, topic: string, partition: number): boolean {
    const entry = this.#verified.get(entryKey(producerId, topic, partition));
    const leaderEpoch = this.#options.cluster()?.partition(topic, partition)?.leaderEpoch;
    return entry !== undefined && entry.producerEpoch === producerEpoch && entry.leaderEpoch === leaderEpoch;
  }

  /** A marker for the producer is about to be written into the partition: its transaction there ends. */
  markerWritten(producerId: number, topic: string, partition: number): void {
    this.#verified.delete(entryKey(producerId, topic, partition));
  }

  async #verify(
    producerId: number,
    producerEpoch: number,
    topic: string,
    partition: number,
  ): Promise<PartitionError | null> {
    const where = `${topic}-${partition}`;
    const cluster = this.#options.cluster();
    const leaderEpoch = cluster?.partition(topic, partition)?.leaderEpoch;
    if (!cluster || leaderEpoch === undefined) return unavailable(where, 'this broker has not joined the cluster yet');
    const coordinator = cluster.partition(TRANSACTION_STATE_TOPIC, 0)?.leader ?? -1;
    let refusal: PartitionError | null;
    if (coordinator < 0) return unavailable(where, `${TRANSACTION_STATE_TOPIC} has no leader now`);
    if (coordinator === cluster.brokerId) {
      if (!this.#options.coordinatorReady()) return unavailable(where, 'the transaction coordinator is loading');
      const error = this.#options.verifyLocally(producerId, producerEpoch, topic, partition);
      refusal = error ? { errorCode: ErrorCode[error.code], errorMessage: error.message } : null;
    } else {
      const peer = cluster.brokers().find((b) => b.id === coordinator);
      if (!peer) return unavailable(where, `broker ${coordinator}, the transaction coordinator, is not live`);
      try {
        const answer = await this.#options.peers.request(
          peer,
          VerifyTxnWriteApi,
          { producerId, producerEpoch, topics: [{ name: topic, partitions: [partition] }] },
          VERIFY_TIMEOUT_MS,
        );
        const result = answer.results[0]?.partitions[0];
        if (!result) return unavailable(where, `broker ${coordinator} did not answer`);
        refusal =
          result.errorCode === ErrorCode.NONE
            ? null
            : { errorCode: result.errorCode, errorMessage: result.errorMessage ?? `error ${result.errorCode}` };
      } catch (error) {
        return unavailable(where, `broker ${coordinator}: ${(error as Error).message}`);
      }
    }
    if (refusal) {
      // The coordinator moved or is loading: the producer retries (Kafka answers these as NOT_ENOUGH_REPLICAS).
      if (
        refusal.errorCode === ErrorCode.NOT_COORDINATOR ||
        refusal.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
      )
        return unavailable(where, refusal.errorMessage);
      return refusal;
    }
    this.#verified.set(entryKey(producerId, topic, partition), { producerEpoch, leaderEpoch });
    return null;
  }
}

function entryKey(producerId: number, topic: string, partition: number): string {
  return `${producerId}\u0000${topic}\u0000${partition}`;
}

/** The coordinator cannot be asked now: a retriable refusal (Kafka's code for it on produce). */
function unavailable(where: string, why: string): PartitionError {
  return partitionError(
    'NOT_ENOUGH_REPLICAS',
    `${where}: cannot verify the transactional write with the transaction coordinator now (${why}); retry`,
  );
}
