// Turns accumulated batches into produce requests. One drain pass groups every partition that is ready
// by leader broker and acks, and sends one request per (broker, acks) — at most `maxInFlightRequests`
// per broker. A partition whose requests are in flight keeps accumulating into its open batch, so the
// next request carries everything that arrived meanwhile: batches grow with load without any timer.
//
// The sender only schedules: what may be sent, in which order, and what an outcome does to a partition's
// batches are the partition queue's (partition-queue.ts), which the sender drives through its transitions.
//
// Per partition: batches with a sequence (idempotent producer, see partition-queue.ts) are pipelined, up to
// `maxInFlightPerPartition` requests; the broker stores them in sequence order and refuses a gap
// (OUT_OF_ORDER_SEQUENCE_NUMBER) or answers a retry of a stored batch with its original offsets. Batches
// without a sequence keep one request per partition in flight.
//
// Failures of sequenced batches: a retriable error (or a lost connection) marks the batches of that request for
// resending (Retry) and puts the partition in retry mode: no new batch is sent, the later requests in flight come
// back (usually OUT_OF_ORDER_SEQUENCE_NUMBER: marked Retry too, not counted as attempts), then the Retry batches
// are resent one request at a time, in sequence order, with their ORIGINAL sequences; pipelining resumes once none
// is left. Acknowledged batches are handed to their sends in queue order only, so every send learns its true
// offset. A batch that fails for good (non-retriable error, or `retries` exhausted) fails with every
// batch of the partition already sent and not acknowledged (their outcome is unknown to the broker's sequence);
// the partition then starts a new epoch at sequence 0 and restamps the batches never sent. UNKNOWN_PRODUCER_ID for
// the oldest unacknowledged batch: the broker forgot this producer (its state expired), nothing since the last
// acknowledgement is stored; all of it is resent at a new epoch (Kafka's KIP-360).
//
// The retry budget (`retries`) is per batch, so per send as in kafkajs: a failed request spends one attempt of
// each batch it carried, and pipelined requests failing together (a broker outage) do not spend it k times.
//
// Metadata is marked stale on leader/topic/connection errors so the next attempt finds the current leader.
import { type Acks, encodeProduceRequest, ProduceApi, type ProduceResponse } from '../../protocol/apis/produce.js';
import { ErrorCode } from '../../protocol/errors.js';
import { needsMetadataRefresh, type Cluster } from '../cluster.js';
import { SluiceNumberOfRetriesExceeded, SluiceProtocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import { backoff, isRetriable, type ResolvedRetryOptions } from '../retry.js';
import type { Accumulator } from './accumulator.js';
import type { ProducerBatchEntry } from './batch.js';
import { MAX_EPOCH, type PartitionQueue, type ProducerIdentity } from './partition-queue.js';
import { produceRequest, timeoutOf, type Slot } from './produce-request.js';
import { topicPartitionKey } from '../topic-partition.js';

export interface SenderOptions {
  lingerMs: number;
  /** Produce requests in flight per broker connection. */
  maxInFlightRequests: number;
  /** Requests in flight per partition for batches with sequences (batches without: always 1). */
  maxInFlightPerPartition: number;
  maxRequestSize: number;
  retry: ResolvedRetryOptions;
  logger: Logger;
  /**
   * Transactional producers: a partition whose sequence broke does not move to a new epoch by itself (the
   * transaction coordinator owns the epoch); its batches fail with this error and the transaction must abort.
   */
  brokenSequenceError?: () => Error;
  /** A new producer id, for a partition whose epochs are used up. */
  freshIdentity?: () => Promise<ProducerIdentity>;
  now?: () => number;
}

type PartitionResult = ProduceResponse['topics'][number]['partitions'][number];
const NONE: Slot[] = [];
/**
 * Smallest share of a partition's ready bytes worth a request of its own when pipelining (two default
 * batches). Every request costs each side a fixed share of CPU beyond its records (framing, the handler
 * chain, an append, an answer, wake-ups); ready bytes split into more, smaller requests overlap no better.
 */
const MIN_CHUNK_BYTES = 512 * 1024;

export class Sender {
  #immediate: NodeJS.Immediate | null = null;
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Infinity;
  readonly #nodeInFlight = new Map<number, number>();
  #refreshing = false;
  #idleWaiters: Array<() => void> = [];
  readonly #now: () => number;

  readonly #cluster: Cluster;
  readonly #accumulator: Accumulator;
  readonly #options: SenderOptions;

  constructor(cluster: Cluster, accumulator: Accumulator, options: SenderOptions) {
    this.#cluster = cluster;
    this.#accumulator = accumulator;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Runs a drain on the next event-loop turn (or after `delayMs`). Cheap to call repeatedly. */
  schedule(delayMs = 0): void {
    if (delayMs <= 0) {
      this.#immediate ??= setImmediate(() => {
        this.#immediate = null;
        this.drain();
      });
      return;
    }
    const at = this.#now() + delayMs;
    if (this.#timer && this.#timerAt <= at) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Infinity;
      this.drain();
    }, delayMs);
  }

  /** Resolves once every accumulated record is acknowledged or failed. */
  flush(): Promise<void> {
    if (!this.#accumulator.hasPending) return Promise.resolve();
    this.schedule();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** The broker cannot deduplicate: back to one request per partition. */
  limitPartitionsToOneRequest(): void {
    this.#options.maxInFlightPerPartition = 1;
  }

  /** Stops timers (after flush, on disconnect). */
  close(): void {
    if (this.#immediate) clearImmediate(this.#immediate);
    if (this.#timer) clearTimeout(this.#timer);
    this.#immediate = null;
    this.#timer = null;
    this.#timerAt = Infinity;
  }

  drain(): void {
    const now = this.#now();
    // Per leader and acks, the requests to send: request j carries the j-th chunk of every ready partition.
    const requests = new Map<number, Map<number, Slot[][]>>();
    for (const q of this.#accumulator.queues.values()) {
      if (q.isEmpty) continue;
      if (now < q.notBefore) {
        this.schedule(q.notBefore - now);
        continue;
      }
      const chunks = this.#takeReady(q, now);
      if (chunks.length === 0) continue;
      let leader: number;
      try {
        leader = this.#cluster.leaderOf(q.topic, q.partition);
      } catch (err) {
        this.#refreshMetadata();
        chunks[0]!.q.commit(chunks[0]!.batches);
        this.#onFailure(chunks[0]!, err as Error);
        continue;
      }
      let byAcks = requests.get(leader);
      if (!byAcks) requests.set(leader, (byAcks = new Map()));
      const acks = chunks[0]!.batches[0]!.acks;
      let list = byAcks.get(acks);
      if (!list) byAcks.set(acks, (list = []));
      for (let j = 0; j < chunks.length; j++) (list[j] ??= []).push(chunks[j]!);
    }
    for (const [node, byAcks] of requests) {
      for (const [acks, list] of byAcks) {
        for (const slots of list) {
          // Chunks not sent now stay queued, uncommitted: the next drain (on completion) takes them.
          if ((this.#nodeInFlight.get(node) ?? 0) >= this.#options.maxInFlightRequests) break;
          for (const slot of slots) slot.q.commit(slot.batches);
          void this.#sendRequest(node, acks, slots);
        }
      }
    }
    this.#checkIdle();
  }

  /**
   * The batches of `q` that may be sent now, in order, as chunks for successive requests (nothing is
   * marked until commit). Sequenced batches are spread over the requests the partition may still have
   * in flight, so acknowledgements come back progressively while the broker works on the rest: the
   * application's next sends overlap with the broker's appends instead of taking turns with them.
   */
  #takeReady(q: PartitionQueue, now: number): Slot[] {
    const retry = q.nextRetry();
    if (retry) return [{ q, batches: [retry], timeoutMs: timeoutOf(retry), sequenced: true }];
    const available = q.freeRequests(this.#options.maxInFlightPerPartition);
    if (available <= 0) return NONE;
    const { lingerMs, maxRequestSize } = this.#options;
    const open = q.open;
    if (open) {
      const waited = now - open.createdAt;
      if (lingerMs <= 0 || waited >= lingerMs) this.#accumulator.seal(q);
      else this.schedule(lingerMs - waited);
    }
    const ready = q.sendable();
    if (ready.length === 0) return NONE;
    const sequenced = ready[0]!.sequenced;
    let readyBytes = 0;
    for (const batch of ready) readyBytes += batch.encoded!.length;
    // Spread over the free slots, but a chunk below MIN_CHUNK_BYTES only adds per-request work on both sides.
    const chunks = sequenced
      ? Math.max(1, Math.min(available, ready.length, Math.floor(readyBytes / MIN_CHUNK_BYTES)))
      : 1;
    const perChunk = Math.ceil(ready.length / chunks);
    const slots: Slot[] = [];
    for (let i = 0; i < ready.length && slots.length < chunks; ) {
      let bytes = ready[i]!.encoded!.length;
      let j = i + 1;
      while (j < ready.length && j - i < perChunk && bytes + ready[j]!.encoded!.length <= maxRequestSize)
        bytes += ready[j++]!.encoded!.length;
      const batches = ready.slice(i, j);
      let timeoutMs = 0;
      for (const batch of batches) timeoutMs = Math.max(timeoutMs, timeoutOf(batch));
      slots.push({ q, batches, timeoutMs, sequenced });
      i = j;
    }
    return slots;
  }

  async #sendRequest(node: number, acks: number, slots: Slot[]): Promise<void> {
    this.#nodeInFlight.set(node, (this.#nodeInFlight.get(node) ?? 0) + 1);
    try {
      const connection = await this.#cluster.nodeConnection(node);
      if (acks === 0) await connection.drained(); // no responses to pace us: respect socket backpressure
      const timeoutMs = slots.reduce((max, s) => Math.max(max, s.timeoutMs), 0);
      const request = encodeProduceRequest(produceRequest(acks as Acks, timeoutMs, slots));
      const response = await connection.sendEncoded(ProduceApi, request, { expectResponse: acks !== 0 });
      this.#onResponse(slots, response);
    } catch (err) {
      if (needsMetadataRefresh(err)) this.#refreshMetadata();
      for (const slot of slots) this.#onFailure(slot, err as Error);
    } finally {
      this.#nodeInFlight.set(node, this.#nodeInFlight.get(node)! - 1);
      this.schedule();
    }
  }

  #onResponse(slots: Slot[], response: ProduceResponse | undefined): void {
    if (!response) {
      for (const slot of slots) this.#onSuccess(slot, -1, -1, -1); // acks=0: written is all we know
      return;
    }
    const byPartition = new Map<string, PartitionResult>();
    for (const t of response.topics)
      for (const p of t.partitions) byPartition.set(topicPartitionKey(t.name, p.partition), p);
    for (const slot of slots) {
      const { q } = slot;
      const result = byPartition.get(topicPartitionKey(q.topic, q.partition));
      if (!result) {
        this.#onFailure(
          slot,
          new SluiceProtocolError(
            'UNKNOWN_SERVER_ERROR',
            `produce response has no result for ${q.topic}-${q.partition}`,
          ),
        );
      } else if (result.errorCode === ErrorCode.NONE) {
        this.#onSuccess(slot, result.baseOffset, result.logAppendTime, result.logStartOffset);
      } else if (result.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER && slot.sequenced) {
        this.#onSuccess(slot, -1, -1, result.logStartOffset); // stored long ago; its offset is no longer known
      } else {
        this.#onFailure(slot, new SluiceProtocolError(result.errorCode, result.errorMessage ?? undefined));
      }
    }
  }

  #onSuccess(slot: Slot, baseOffset: number, logAppendTime: number, logStartOffset: number): void {
    slot.q.acknowledge(slot.batches, baseOffset, logAppendTime, logStartOffset);
    this.#maybeRestart(slot.q);
  }

  /**
   * Retries are counted per batch: each batch may fail `retries` + 1 times, whatever else of its partition
   * was in flight with it (k pipelined requests failing together spend one attempt of each of their
   * batches, not k attempts of the partition).
   */
  #onFailure(slot: Slot, error: Error): void {
    const { q } = slot;
    const live = q.requestFailed(slot.batches);
    if (needsMetadataRefresh(error)) this.#cluster.markStale();
    if (live.length === 0) {
      // already failed with an earlier batch
      this.#maybeRestart(q);
      return;
    }
    const errorCode = (error as { code?: unknown }).code;
    const { retries } = this.#options.retry;
    const atHead = q.isOldestUnacknowledged(live[0]!);
    if (
      slot.sequenced &&
      atHead &&
      errorCode === ErrorCode.UNKNOWN_PRODUCER_ID &&
      live[0]!.attempts < retries &&
      q.requeueForNewEpoch()
    ) {
      this.#options.logger.info('the broker forgot this producer (its state expired): resending at a new epoch', {
        topic: q.topic,
        partition: q.partition,
      });
      this.#maybeRestart(q);
      return;
    }
    const gap = errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || errorCode === ErrorCode.UNKNOWN_PRODUCER_ID;
    if (slot.sequenced && gap && !atHead) {
      // An earlier batch of this partition is not stored (yet): this one is resent after it. (Behind a
      // producer's very first batch the broker has no state at all: UNKNOWN_PRODUCER_ID, same cause.)
      q.resendAfterGap(live);
      return;
    }
    if (!isRetriable(error)) {
      this.#failForGood(q, live, error, error);
      return;
    }
    const spent = live.filter((b) => b.attempts >= retries);
    if (spent.length > 0) {
      const exceeded = new SluiceNumberOfRetriesExceeded(error, spent[0]!.attempts, 0);
      if (slot.sequenced || spent.length === live.length) {
        this.#failForGood(q, live, exceeded, error);
        return;
      }
      // One request per partition carries its head batches and those appended since: the ones whose budget
      // is spent fail (the oldest: attempts never grow along a queue), the others are retried.
      this.#failForGood(q, spent, exceeded, error);
      live.splice(0, spent.length);
    }
    const wait = backoff(this.#options.retry, live[0]!.attempts);
    q.retry(live, this.#now() + wait);
    this.#options.logger.debug('produce failed, will retry', {
      topic: q.topic,
      partition: q.partition,
      attempt: live[0]!.attempts,
      retryInMs: wait,
      error: error.message,
    });
    this.schedule(wait);
  }

  /** `batches` fail with `final` (sequenced: with every other sent, unacknowledged batch of the partition). */
  #failForGood(q: PartitionQueue, batches: ProducerBatchEntry[], final: Error, cause: Error): void {
    this.#options.logger.error('produce failed', {
      topic: q.topic,
      partition: q.partition,
      error: cause.message,
      retries: batches[0]!.attempts,
    });
    q.fail(batches, final);
    this.#maybeRestart(q);
  }

  /** After a broken sequence: once nothing of the partition is in flight, restart it at a new epoch. */
  #maybeRestart(q: PartitionQueue): void {
    if (!q.needsRestart) return;
    if (this.#options.brokenSequenceError) {
      q.abandon(this.#options.brokenSequenceError());
      this.schedule();
      return;
    }
    if (q.epoch < MAX_EPOCH || !this.#options.freshIdentity) {
      q.restartSequence(null);
      this.schedule();
      return;
    }
    this.#options.freshIdentity().then(
      (identity) => {
        if (q.needsRestart) q.restartSequence(identity);
        this.schedule();
      },
      (err: Error) => {
        this.#options.logger.error('cannot get a new producer id', {
          topic: q.topic,
          partition: q.partition,
          error: err.message,
        });
        setTimeout(() => this.#maybeRestart(q), this.#options.retry.maxRetryTime).unref();
      },
    );
  }

  #refreshMetadata(): void {
    if (this.#refreshing) return;
    this.#refreshing = true;
    this.#cluster.refreshMetadata().then(
      () => {
        this.#refreshing = false;
        this.schedule();
      },
      (err: Error) => {
        this.#refreshing = false;
        this.#options.logger.debug('metadata refresh failed', { error: err.message });
      },
    );
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || this.#accumulator.hasPending) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
