// Turns accumulated batches into produce requests. One drain pass groups every partition that is ready
// (not in flight, not backing off, head batch encoded) by leader broker and acks, and sends one request
// per (broker, acks) — at most `maxInFlightRequests` per broker. Per partition at most one request is
// ever in flight (see accumulator.ts for why that is the ordering guarantee). A partition whose request
// is in flight keeps accumulating into its open batch, so the next request carries everything that
// arrived meanwhile: batches grow with load without any timer.
//
// Failures: a retriable error (per partition or the whole request: connection lost, timeout) leaves the
// batches at the head of their queue and delays that partition by the retry backoff; metadata is marked
// stale on leader/topic/connection errors so the next attempt finds the current leader. After `retries`
// attempts, or on a non-retriable error, the batches are dropped and the sends owning them reject.
import { ProduceApi, type ProduceResponse } from '../../protocol/apis/produce.js';
import { needsMetadataRefresh, type Cluster } from '../cluster.js';
import { SluiceNumberOfRetriesExceeded, SluiceProtocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import { backoff, isRetriable, type ResolvedRetryOptions } from '../retry.js';
import type { Accumulator, PartitionQueue, ProducerBatchEntry } from './accumulator.js';

export interface SenderOptions {
  lingerMs: number;
  maxInFlightRequests: number;
  maxRequestSize: number;
  retry: ResolvedRetryOptions;
  logger: Logger;
  now?: () => number;
}

interface Slot {
  q: PartitionQueue;
  /** Head batches of q carried by this request. */
  n: number;
  timeoutMs: number;
}

type PartitionResult = ProduceResponse['topics'][number]['partitions'][number];

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
    const requests = new Map<number, Map<number, Slot[]>>();
    for (const q of this.accumulator.queues.values()) {
      if (q.isEmpty || q.inFlight > 0) continue;
      if (now < q.notBefore) {
        this.schedule(q.notBefore - now);
        continue;
      }
      const slot = this.takeReady(q, now);
      if (!slot) continue;
      let leader: number;
      try {
        leader = this.cluster.leaderOf(q.topic, q.partition);
      } catch (err) {
        this.refreshMetadata();
        this.onFailure(slot, err as Error);
        continue;
      }
      let byAcks = requests.get(leader);
      if (!byAcks) requests.set(leader, (byAcks = new Map()));
      const acks = q.batches[0]!.acks;
      let slots = byAcks.get(acks);
      if (!slots) byAcks.set(acks, (slots = []));
      slots.push(slot);
    }
    for (const [node, byAcks] of requests) {
      for (const [acks, slots] of byAcks) {
        if ((this.nodeInFlight.get(node) ?? 0) >= this.options.maxInFlightRequests) break; // drained again on completion
        for (const slot of slots) slot.q.inFlight = slot.n;
        void this.sendRequest(node, acks, slots);
      }
    }
    this.checkIdle();
  }

  /** Seals the open batch when its linger is over and picks the encoded head batches for one request. */
  private takeReady(q: PartitionQueue, now: number): Slot | null {
    const { lingerMs, maxRequestSize } = this.options;
    if (q.open) {
      const waited = now - q.open.createdAt;
      if (lingerMs <= 0 || waited >= lingerMs) this.accumulator.seal(q);
      else this.schedule(lingerMs - waited);
    }
    const head = q.batches[0];
    if (!head || head === q.open) return null;
    if (head.buildError) {
      this.failBatches(q, 1, head.buildError);
      return this.takeReady(q, now);
    }
    if (!head.encoded) return null; // still compressing; onBuilt schedules another drain
    let n = 1;
    let bytes = head.encoded.length;
    let timeoutMs = 0;
    for (const part of head.parts) timeoutMs = Math.max(timeoutMs, part.send.timeoutMs);
    while (n < q.batches.length) {
      const next = q.batches[n]!;
      if (next === q.open || !next.encoded || next.acks !== head.acks || bytes + next.encoded.length > maxRequestSize) break;
      bytes += next.encoded.length;
      n++;
    }
    return { q, n, timeoutMs };
  }

  private async sendRequest(node: number, acks: number, slots: Slot[]): Promise<void> {
    this.nodeInFlight.set(node, (this.nodeInFlight.get(node) ?? 0) + 1);
    try {
      const connection = await this.cluster.nodeConnection(node);
      if (acks === 0) await connection.drained(); // no responses to pace us: respect socket backpressure
      const timeoutMs = slots.reduce((max, s) => Math.max(max, s.timeoutMs), 0);
      const response = await connection.sendEncoded(ProduceApi, encodeProduce(acks, timeoutMs, slots), { expectResponse: acks !== 0 });
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
    const byPartition = new Map<string, PartitionResult>();
    for (const t of response?.topics ?? []) for (const p of t.partitions) byPartition.set(`${t.name}\u0000${p.partition}`, p);
    for (const slot of slots) {
      const { q } = slot;
      if (!response) {
        this.onSuccess(slot, -1, -1, -1); // acks=0: written is all we know
        continue;
      }
      const result = byPartition.get(`${q.topic}\u0000${q.partition}`);
      if (!result) {
        this.onFailure(slot, new SluiceProtocolError('UNKNOWN_SERVER_ERROR', `produce response has no result for ${q.topic}-${q.partition}`));
      } else if (result.errorCode !== 0) {
        this.onFailure(slot, new SluiceProtocolError(result.errorCode, result.errorMessage ?? undefined));
      } else {
        this.onSuccess(slot, result.baseOffset, result.logAppendTime, result.logStartOffset);
      }
    }
  }

  private onSuccess(slot: Slot, baseOffset: number, logAppendTime: number, logStartOffset: number): void {
    const { q } = slot;
    q.inFlight = 0;
    q.attempts = 0;
    let offset = baseOffset;
    for (const batch of this.accumulator.shift(q, slot.n)) {
      for (const part of batch.parts) {
        part.send.partDone(q.topic, q.partition, offset < 0 ? -1 : offset + part.firstIndex, logAppendTime, logStartOffset);
      }
      if (offset >= 0) offset += batch.recordCount;
    }
  }

  private onFailure(slot: Slot, error: Error): void {
    const { q } = slot;
    q.inFlight = 0;
    if (needsMetadataRefresh(error)) this.cluster.markStale();
    const { retries } = this.options.retry;
    if (isRetriable(error) && q.attempts < retries) {
      const wait = backoff(this.options.retry, q.attempts);
      q.attempts++;
      q.notBefore = this.now() + wait;
      this.options.logger.debug('produce failed, will retry', { topic: q.topic, partition: q.partition, attempt: q.attempts, retryInMs: wait, error: error.message });
      this.schedule(wait);
      return;
    }
    const final = isRetriable(error) ? new SluiceNumberOfRetriesExceeded(error, q.attempts, 0) : error;
    this.options.logger.error('produce failed', { topic: q.topic, partition: q.partition, error: error.message, retries: q.attempts });
    q.attempts = 0;
    this.failBatches(q, slot.n, final);
  }

  private failBatches(q: PartitionQueue, n: number, error: Error): void {
    const failed: ProducerBatchEntry[] = this.accumulator.shift(q, n);
    for (const batch of failed) for (const part of batch.parts) part.send.fail(error);
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

/**
 * Produce request body + tail, byte-identical to ProduceApi.encodeRequest but with several batches
 * per partition: each partition's batches are written back to back as separate tail chunks (no copy),
 * and its `recordsBytes` is their total.
 */
export function encodeProduce(acks: number, timeoutMs: number, slots: Slot[]): { body: unknown; tail: Buffer[] } {
  // The tail must follow the body's order: topics in first-seen order, partitions within each topic.
  const byTopic = new Map<string, Slot[]>();
  for (const slot of slots) {
    const list = byTopic.get(slot.q.topic);
    if (list) list.push(slot);
    else byTopic.set(slot.q.topic, [slot]);
  }
  const tail: Buffer[] = [];
  const topics: Array<{ name: string; partitions: Array<{ partition: number; recordsBytes: number }> }> = [];
  for (const [name, list] of byTopic) {
    const partitions = list.map(({ q, n }) => {
      let recordsBytes = 0;
      for (let i = 0; i < n; i++) {
        const encoded = q.batches[i]!.encoded!;
        tail.push(encoded);
        recordsBytes += encoded.length;
      }
      return { partition: q.partition, recordsBytes };
    });
    topics.push({ name, partitions });
  }
  return { body: { acks, timeoutMs, topics }, tail };
}
