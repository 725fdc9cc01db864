// Turns accumulated batches into produce requests. One drain pass groups every partition that is ready
// by leader broker and acks, and sends one request per (broker, acks) — at most `maxInFlightRequests`
// per broker. A partition whose requests are in flight keeps accumulating into its open batch, so the
// next request carries everything that arrived meanwhile: batches grow with load without any timer.
//
// Per partition: batches with a sequence (idempotent producer, see accumulator.ts) are pipelined, up to
// `maxInFlightPerPartition` requests; the broker stores them in sequence order and refuses a gap
// (OUT_OF_ORDER_SEQUENCE_NUMBER) or answers a retry of a stored batch with its original offsets. Batches
// without a sequence keep one request per partition in flight.
//
// Failures of sequenced batches: a retriable error (or a lost connection) marks the batches of that request for
// resending (Retry) and puts the partition in retry mode: no new batch is sent, the later requests in flight come
// back (usually OUT_OF_ORDER_SEQUENCE_NUMBER: marked Retry too, not counted as attempts), then the Retry batches
// are resent one request at a time, in sequence order, with their ORIGINAL sequences; pipelining resumes once none
// is left. Acknowledged batches are handed to their sends in queue order only (completeHead, queue-outcomes.ts), so every send learns
// its true offset. A batch that fails for good (non-retriable error, or `retries` exhausted) fails with every
// batch of the partition already sent and not acknowledged (their outcome is unknown to the broker's sequence);
// the partition then starts a new epoch at sequence 0 and restamps the batches never sent. UNKNOWN_PRODUCER_ID for
// the oldest unacknowledged batch: the broker forgot this producer (its state expired), nothing since the last
// acknowledgement is stored; all of it is resent at a new epoch (Kafka's KIP-360).
//
// The retry budget (`retries`) is per batch, so per send as in kafkajs: a failed request spends one attempt of
// each batch it carried, and pipelined requests failing together (a broker outage) do not spend it k times.
//
// Metadata is marked stale on leader/topic/connection errors so the next attempt finds the current leader.
import { ProduceApi, type ProduceResponse } from '../../protocol/apis/produce.js';
import { ErrorCode } from '../../protocol/errors.js';
import { needsMetadataRefresh, type Cluster } from '../cluster.js';
import { SluiceNumberOfRetriesExceeded, SluiceProtocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import { backoff, isRetriable, type ResolvedRetryOptions } from '../retry.js';
import {
  BatchState,
  MAX_EPOCH,
  type Accumulator,
  type PartitionQueue,
  type ProducerBatchEntry,
  type ProducerIdentity,
} from './accumulator.js';
import { completeHead, failUnsentBatch, removeSentBatch, requeueForNewEpoch } from './queue-outcomes.js';
import { encodeProduce, timeoutOf, type Slot } from './produce-request.js';

export interface SenderOptions {
  lingerMs: number;
  /** Produce requests in flight per broker connection. */
  maxInFlightRequests: number;
  /** Requests in flight per partition for batches with sequences (batches without: always 1). */
  maxInFlightPerPartition: number;
  maxRequestSize: number;
  retry: ResolvedRetryOptions;
  logger: Logger;
  /** A new producer id, for a partition whose epochs are used up. */
  freshIdentity?: () => Promise<ProducerIdentity>;
  now?: () => number;
}

type PartitionResult = ProduceResponse['topics'][number]['partitions'][number];
const NONE: Slot[] = [];
/** Smallest share of a partition's ready bytes worth a request of its own when pipelining (one default batch). */
const MIN_CHUNK_BYTES = 256 * 1024;

export class Sender {
  private immediate: NodeJS.Immediate | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private readonly nodeInFlight = new Map<number, number>();
  private refreshing = false;
  private idleWaiters: Array<() => void> = [];
  private readonly now: () => number;

  constructor(
    private readonly cluster: Cluster,
    private readonly accumulator: Accumulator,
    private readonly options: SenderOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Runs a drain on the next event-loop turn (or after `delayMs`). Cheap to call repeatedly. */
  schedule(delayMs = 0): void {
    if (delayMs <= 0) {
      this.immediate ??= setImmediate(() => {
        this.immediate = null;
        this.drain();
      });
      return;
    }
    const at = this.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.drain();
    }, delayMs);
  }

  /** Resolves once every accumulated record is acknowledged or failed. */
  flush(): Promise<void> {
    if (!this.accumulator.hasPending) return Promise.resolve();
    this.schedule();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The broker cannot deduplicate: back to one request per partition. */
  limitPartitionsToOneRequest(): void {
    this.options.maxInFlightPerPartition = 1;
  }

  /** Stops timers (after flush, on disconnect). */
  close(): void {
    if (this.immediate) clearImmediate(this.immediate);
    if (this.timer) clearTimeout(this.timer);
    this.immediate = null;
    this.timer = null;
    this.timerAt = Infinity;
  }

  drain(): void {
    const now = this.now();
    // Per leader and acks, the requests to send: request j carries the j-th chunk of every ready partition.
    const requests = new Map<number, Map<number, Slot[][]>>();
    for (const q of this.accumulator.queues.values()) {
      if (q.isEmpty) continue;
      if (now < q.notBefore) {
        this.schedule(q.notBefore - now);
        continue;
      }
      const chunks = this.takeReady(q, now);
      if (chunks.length === 0) continue;
      let leader: number;
      try {
        leader = this.cluster.leaderOf(q.topic, q.partition);
      } catch (err) {
        this.refreshMetadata();
        this.commit(chunks[0]!);
        this.onFailure(chunks[0]!, err as Error);
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
          if ((this.nodeInFlight.get(node) ?? 0) >= this.options.maxInFlightRequests) break;
          for (const slot of slots) this.commit(slot);
          void this.sendRequest(node, acks, slots);
        }
      }
    }
    this.checkIdle();
  }

  /**
   * The batches of `q` that may be sent now, in order, as chunks for successive requests (nothing is
   * marked until commit). Sequenced batches are spread over the requests the partition may still have
   * in flight, so acknowledgements come back progressively while the broker works on the rest: the
   * application's next sends overlap with the broker's appends instead of taking turns with them.
   */
  private takeReady(q: PartitionQueue, now: number): Slot[] {
    if (q.resetting || q.plainInFlight) return NONE;
    if (q.retrying) {
      if (q.requests > 0) return NONE; // the later requests come back first (refused for the gap)
      const slot = this.retrySlot(q);
      if (slot) return [slot];
      q.retrying = false;
    }
    const available = this.options.maxInFlightPerPartition - q.requests;
    if (available <= 0) return NONE;
    const { lingerMs, maxRequestSize } = this.options;
    if (q.open) {
      const waited = now - q.open.createdAt;
      if (lingerMs <= 0 || waited >= lingerMs) this.accumulator.seal(q);
      else this.schedule(lingerMs - waited);
    }
    const first = q.sent;
    const head = q.batches[first];
    if (!head || head === q.open) return NONE;
    if (head.buildError) {
      failUnsentBatch(this.accumulator, q, head, head.buildError);
      return this.takeReady(q, now);
    }
    if (!head.encoded) return NONE; // still compressing; onBuilt schedules another drain
    const sequenced = head.baseSequence >= 0;
    if (!sequenced && q.requests > 0) return NONE;
    let end = first + 1;
    while (end < q.batches.length) {
      const next = q.batches[end]!;
      if (next === q.open || !next.encoded || next.acks !== head.acks || next.baseSequence >= 0 !== sequenced) break;
      end++;
    }
    let readyBytes = 0;
    for (let i = first; i < end; i++) readyBytes += q.batches[i]!.encoded!.length;
    // Spread over the free slots, but a chunk below MIN_CHUNK_BYTES only adds per-request work on both sides.
    const chunks = sequenced
      ? Math.max(1, Math.min(available, end - first, Math.floor(readyBytes / MIN_CHUNK_BYTES)))
      : 1;
    const perChunk = Math.ceil((end - first) / chunks);
    const slots: Slot[] = [];
    for (let i = first; i < end && slots.length < chunks; ) {
      let bytes = q.batches[i]!.encoded!.length;
      let j = i + 1;
      while (j < end && j - i < perChunk && bytes + q.batches[j]!.encoded!.length <= maxRequestSize)
        bytes += q.batches[j++]!.encoded!.length;
      const batches = q.batches.slice(i, j);
      let timeoutMs = 0;
      for (const batch of batches) timeoutMs = Math.max(timeoutMs, timeoutOf(batch));
      slots.push({ q, batches, timeoutMs, sequenced });
      i = j;
    }
    return slots;
  }

  /** Retry mode: the first batch to resend, alone in its request, so the broker sees sequences in order. */
  private retrySlot(q: PartitionQueue): Slot | null {
    for (let i = 0; i < q.sent; i++) {
      const batch = q.batches[i]!;
      if (batch.state === BatchState.Retry)
        return { q, batches: [batch], timeoutMs: timeoutOf(batch), sequenced: true };
    }
    return null;
  }

  private commit(slot: Slot): void {
    const { q } = slot;
    q.requests++;
    if (!slot.sequenced) q.plainInFlight = true;
    for (const batch of slot.batches) {
      if (batch.state === BatchState.Queued) q.sent++;
      batch.state = BatchState.InFlight;
    }
  }

  private async sendRequest(node: number, acks: number, slots: Slot[]): Promise<void> {
    this.nodeInFlight.set(node, (this.nodeInFlight.get(node) ?? 0) + 1);
    try {
      const connection = await this.cluster.nodeConnection(node);
      if (acks === 0) await connection.drained(); // no responses to pace us: respect socket backpressure
      const timeoutMs = slots.reduce((max, s) => Math.max(max, s.timeoutMs), 0);
      const response = await connection.sendEncoded(ProduceApi, encodeProduce(acks, timeoutMs, slots), {
        expectResponse: acks !== 0,
      });
      this.onResponse(slots, response);
    } catch (err) {
      if (needsMetadataRefresh(err)) this.refreshMetadata();
      for (const slot of slots) this.onFailure(slot, err as Error);
    } finally {
      this.nodeInFlight.set(node, this.nodeInFlight.get(node)! - 1);
      this.schedule();
    }
  }

  private onResponse(slots: Slot[], response: ProduceResponse | undefined): void {
    if (!response) {
      for (const slot of slots) this.onSuccess(slot, -1, -1, -1); // acks=0: written is all we know
      return;
    }
    const byPartition = new Map<string, PartitionResult>();
    for (const t of response.topics) for (const p of t.partitions) byPartition.set(`${t.name}\u0000${p.partition}`, p);
    for (const slot of slots) {
      const { q } = slot;
      const result = byPartition.get(`${q.topic}\u0000${q.partition}`);
      if (!result) {
        this.onFailure(
          slot,
          new SluiceProtocolError(
            'UNKNOWN_SERVER_ERROR',
            `produce response has no result for ${q.topic}-${q.partition}`,
          ),
        );
      } else if (result.errorCode === ErrorCode.NONE) {
        this.onSuccess(slot, result.baseOffset, result.logAppendTime, result.logStartOffset);
      } else if (result.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER && slot.sequenced) {
        this.onSuccess(slot, -1, -1, result.logStartOffset); // stored long ago; its offset is no longer known
      } else {
        this.onFailure(slot, new SluiceProtocolError(result.errorCode, result.errorMessage ?? undefined));
      }
    }
  }

  private onSuccess(slot: Slot, baseOffset: number, logAppendTime: number, logStartOffset: number): void {
    const { q } = slot;
    this.requestDone(slot);
    let offset = baseOffset;
    for (const batch of slot.batches) {
      if (batch.state === BatchState.InFlight) {
        batch.state = BatchState.Acked;
        batch.baseOffset = offset;
        batch.logAppendTime = logAppendTime;
        batch.logStartOffset = logStartOffset;
      }
      if (offset >= 0) offset += batch.recordCount;
    }
    completeHead(this.accumulator, q);
    this.maybeRestart(q);
  }

  private requestDone(slot: Slot): void {
    slot.q.requests--;
    if (!slot.sequenced) slot.q.plainInFlight = false;
  }

  /**
   * Retries are counted per batch: each batch may fail `retries` + 1 times, whatever else of its partition
   * was in flight with it (k pipelined requests failing together spend one attempt of each of their
   * batches, not k attempts of the partition).
   */
  private onFailure(slot: Slot, error: Error): void {
    const { q } = slot;
    this.requestDone(slot);
    if (needsMetadataRefresh(error)) this.cluster.markStale();
    const live = slot.batches.filter((b) => b.state === BatchState.InFlight);
    if (live.length === 0) {
      // already failed with an earlier batch
      this.maybeRestart(q);
      return;
    }
    const errorCode = (error as { code?: unknown }).code;
    const { retries } = this.options.retry;
    const atHead = !q.retrying && live[0] === q.batches[0]; // the partition's oldest unacknowledged batch
    if (
      slot.sequenced &&
      atHead &&
      errorCode === ErrorCode.UNKNOWN_PRODUCER_ID &&
      live[0]!.attempts < retries &&
      requeueForNewEpoch(q)
    ) {
      this.options.logger.info('the broker forgot this producer (its state expired): resending at a new epoch', {
        topic: q.topic,
        partition: q.partition,
      });
      this.maybeRestart(q);
      return;
    }
    const gap = errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || errorCode === ErrorCode.UNKNOWN_PRODUCER_ID;
    if (slot.sequenced && gap && !atHead) {
      // An earlier batch of this partition is not stored (yet): this one is resent after it. (Behind a
      // producer's very first batch the broker has no state at all: UNKNOWN_PRODUCER_ID, same cause.)
      for (const batch of live) batch.state = BatchState.Retry;
      q.retrying = true;
      return;
    }
    if (!isRetriable(error)) {
      this.failForGood(slot, live, error, error);
      return;
    }
    const spent = live.filter((b) => b.attempts >= retries);
    if (spent.length > 0) {
      const exceeded = new SluiceNumberOfRetriesExceeded(error, spent[0]!.attempts, 0);
      if (slot.sequenced || spent.length === live.length) {
        this.failForGood(slot, live, exceeded, error);
        return;
      }
      // One request per partition carries its head batches and those appended since: the ones whose budget
      // is spent fail (the oldest: attempts never grow along a queue), the others are retried.
      this.failForGood(slot, spent, exceeded, error);
      live.splice(0, spent.length);
    }
    const wait = backoff(this.options.retry, live[0]!.attempts);
    q.notBefore = Math.max(q.notBefore, this.now() + wait);
    for (const batch of live) batch.attempts++;
    if (slot.sequenced) {
      for (const batch of live) batch.state = BatchState.Retry;
      q.retrying = true;
    } else {
      for (const batch of live) batch.state = BatchState.Queued; // back at the head: the only request was this one
      q.sent -= live.length;
    }
    this.options.logger.debug('produce failed, will retry', {
      topic: q.topic,
      partition: q.partition,
      attempt: live[0]!.attempts,
      retryInMs: wait,
      error: error.message,
    });
    this.schedule(wait);
  }

  /** `batches` of the slot fail with `final` (sequenced: with every other sent, unacknowledged batch). */
  private failForGood(slot: Slot, batches: ProducerBatchEntry[], final: Error, cause: Error): void {
    const { q } = slot;
    this.options.logger.error('produce failed', {
      topic: q.topic,
      partition: q.partition,
      error: cause.message,
      retries: batches[0]!.attempts,
    });
    if (slot.sequenced) {
      this.breakSequence(q, final);
      return;
    }
    for (const batch of batches) removeSentBatch(q, batch, final);
    completeHead(this.accumulator, q);
  }

  /**
   * A sequenced batch failed for good: the broker will refuse everything after its sequence. Every batch
   * already sent and not acknowledged fails with it; the batches never sent get a new epoch's sequence
   * once the requests still in flight have come back.
   */
  private breakSequence(q: PartitionQueue, error: Error): void {
    for (let i = q.sent - 1; i >= 0; i--) {
      const batch = q.batches[i]!;
      if (batch.state === BatchState.InFlight || batch.state === BatchState.Retry) removeSentBatch(q, batch, error);
    }
    q.retrying = false;
    q.resetting = true;
    completeHead(this.accumulator, q);
    this.maybeRestart(q);
  }

  /** After a broken sequence: once nothing of the partition is in flight, restart it at a new epoch. */
  private maybeRestart(q: PartitionQueue): void {
    if (!q.resetting || q.requests > 0) return;
    if (q.epoch < MAX_EPOCH || !this.options.freshIdentity) {
      this.accumulator.restartSequence(q, null);
      q.resetting = false;
      this.schedule();
      return;
    }
    this.options.freshIdentity().then(
      (identity) => {
        this.accumulator.restartSequence(q, identity);
        q.resetting = false;
        this.schedule();
      },
      (err: Error) => {
        this.options.logger.error('cannot get a new producer id', {
          topic: q.topic,
          partition: q.partition,
          error: err.message,
        });
        setTimeout(() => this.maybeRestart(q), this.options.retry.maxRetryTime).unref();
      },
    );
  }

  private refreshMetadata(): void {
    if (this.refreshing) return;
    this.refreshing = true;
    this.cluster.refreshMetadata().then(
      () => {
        this.refreshing = false;
        this.schedule();
      },
      (err: Error) => {
        this.refreshing = false;
        this.options.logger.debug('metadata refresh failed', { error: err.message });
      },
    );
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || this.accumulator.hasPending) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
