// Prefetching fetch loops: one per leader broker, each keeping a Fetch in flight for the partitions that
// broker leads. As soon as a response arrives its batches are decoded into the partitions' buffers and
// the next Fetch goes out (from the offset after the last batch received), so the application works on
// one response while the next is on the wire. Prefetch is bounded by bytes: a partition whose buffer
// holds more than `maxPrefetchBytes` is left out of fetches until the runner drains it (the runner calls
// wake()); up to two responses already asked for (three small ones once caught up) may still land above it.
//
// Chaining (brokers speaking Fetch v1): a loop keeps a second, chained Fetch waiting at the broker behind
// the one in flight. The broker starts it the moment it answers the first and reads each partition from
// where that answer left it (src/broker/fetch/chain.ts), so a caught-up consumer always has a long poll
// parked when a record lands, even while it is still reading the previous answer or waiting for a core;
// a consumer catching up gets its next response without a round trip. A cycle fetches one fixed set of
// partitions: one explicit fetch, then chained fetches sent before each answer is awaited (one behind the
// fetch being answered while catching up, two once caught up: FETCHES_CATCHING_UP/CAUGHT_UP), for as long
// as every partition of the set is still assigned, wanted, at the same epoch and out of backoff, and no
// other partition of that broker is waiting. Otherwise the cycle stops chaining, takes the answers
// already asked for (each one dropped per partition whose epoch moved, as before) and the loop starts
// a new cycle. Each answer is absorbed from the partition's fetchOffset, which the previous answer of the
// cycle just moved exactly as the broker did. A failure with a chained fetch still out closes the fetch
// connection, so no stale long poll sits ahead of the next cycle's first fetch.
//
// Sizing: with maxBytesPerPartition left at its default, a fetch shares its response budget (maxBytes)
// among the partitions it asks for, each asking for at least the default per-partition cap, and a
// partition may prefetch up to its share of maxBytes among the assigned partitions (at least twice the
// cap). One partition of large records is then fetched 10 MiB at a time with one response buffered while
// the next is on the wire, instead of 1 MiB (a single 1 MiB record) per round trip; with many partitions
// the shares fall back to the fixed cap, so memory stays within about twice maxBytes per broker above
// what the fixed cap allows. A maxBytesPerPartition set by the user is a fixed cap, as in kafkajs.
//
// Waking: fetches go on a connection of their own (Cluster.fetchConnection). When a partition becomes
// ready to fetch (resumed, sought, drained, its backoff over) while the loop's fetch in flight does not
// cover it (or covers an older position), and that fetch has been out for IDLE_FETCH_MS — a long poll
// waiting for data, not one carrying it — the fetch is cancelled by closing its connection and sent again
// with the partition, instead of the partition waiting up to maxWaitTimeInMs for the long poll to end.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiSpec } from '../../protocol/api-keys.js';
import {
  FetchApi,
  type FetchPartitionResult,
  type FetchRequest,
  type FetchResponse,
} from '../../protocol/apis/fetch.js';
import { AbortedTransactionFilter } from './aborted-transactions.js';
import { ErrorCode } from '../../protocol/errors.js';
import { needsMetadataRefresh, STALE_METADATA_CODES, type Cluster } from '../cluster.js';
import type { Connection } from '../connection.js';
import { SluiceProtocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import { jitter, RetrySchedule, type ResolvedRetryOptions } from '../retry.js';
import { scanFetchedRecords } from './decode.js';
import { ConsumerEvents, type ConsumerEventSink } from './events.js';
import type { PartitionState } from './partition-state.js';
import { Signal } from './signal.js';
import { topicPartitionKey } from '../topic-partition.js';

export interface FetcherOptions {
  cluster: Cluster;
  logger: Logger;
  maxWaitTimeInMs: number;
  minBytes: number;
  maxBytes: number;
  maxBytesPerPartition: number;
  /** maxBytesPerPartition was left at its default: partitions share maxBytes (see Sizing above). */
  shareMaxBytes: boolean;
  /** Set by the user (maxPrefetchBytesPerPartition); else derived (see Sizing above). */
  maxPrefetchBytes: number | undefined;
  /** 0 read_uncommitted, 1 read_committed (ConsumerConfig.readUncommitted false, the default). */
  isolationLevel: 0 | 1;
  requestTimeout: number;
  retry: ResolvedRetryOptions;
  /** FETCH_START / FETCH go here. */
  events: ConsumerEventSink;
  /** New data is buffered: wake the runner. */
  onData: () => void;
  /** The position is outside the log: reset it per the partition's policy. */
  onOutOfRange: (state: PartitionState) => Promise<void>;
}

/**
 * Fetches a loop keeps out at once on a broker that chains (see Chaining above): while catching up, the
 * one being answered and one behind it (each may carry a full response); once every partition of the
 * cycle is at its high watermark, one more, so that two records landing before the consumer gets a core
 * still each find a fetch parked (the answers are small then).
 */
const FETCHES_CATCHING_UP = 2;
const FETCHES_CAUGHT_UP = 3;

/** A fetch out this long is waiting for data (a long poll), not carrying it: it may be cancelled. */
const IDLE_FETCH_MS = 100;

/** One fetch in flight: the positions it asked for, and how to cancel it. */
interface InFlightFetch {
  connection: Connection;
  /** The epoch of each partition when the fetch went out. */
  epochs: Map<PartitionState, number>;
  sentAt: number;
  cancelled: boolean;
  /** Looks again (at recheckAt) when a partition the fetch does not cover may become ready. */
  recheck: NodeJS.Timeout | null;
  recheckAt: number;
}

interface FetchLoop {
  signal: Signal;
  done: Promise<void>;
  inFlight: InFlightFetch | null;
}

/** Partitions answered with record bytes (the FETCH event's numberOfBatches, as before). */
function countBatches(response: FetchResponse): number {
  let n = 0;
  for (const t of response.topics) for (const p of t.partitions) if (p.records[0]?.length) n++;
  return n;
}

function fetchesInFlight(targets: PartitionState[]): number {
  for (const s of targets) if (s.highWatermark < 0 || s.fetchOffset < s.highWatermark) return FETCHES_CATCHING_UP;
  return FETCHES_CAUGHT_UP;
}

export class Fetcher {
  private states: PartitionState[] = [];
  /** `states` as a set: a chained fetch goes on only for partitions still assigned. */
  private assigned = new Set<PartitionState>();
  private readonly loops = new Map<number, FetchLoop>();
  private running = false;
  private readonly refreshRetries: RetrySchedule;

  constructor(private readonly options: FetcherOptions) {
    this.refreshRetries = new RetrySchedule({ ...options.retry, retries: Number.POSITIVE_INFINITY });
  }

  start(states: PartitionState[]): void {
    this.states = states;
    this.assigned = new Set(states);
    this.running = true;
    this.ensureLoops();
  }

  /**
   * Stops fetching. A long poll in flight is not waited for: its answer finds `running` false and is
   * dropped (or the connection closes under it on disconnect).
   */
  async stop(): Promise<void> {
    this.running = false;
    for (const loop of this.loops.values()) {
      loop.signal.notify();
      if (loop.inFlight?.recheck) clearTimeout(loop.inFlight.recheck);
    }
  }

  /** Something changed (buffer drained, resume, seek): let idle loops look again, cancel idle long polls. */
  wake(): void {
    for (const [node, loop] of this.loops) {
      loop.signal.notify();
      if (loop.inFlight) this.cancelIfIdle(node, loop.inFlight);
    }
  }

  /** Whether `state` wants fetching, backoff aside: not paused, positioned, its prefetch not full. */
  private wantsData(state: PartitionState): boolean {
    return !state.paused && state.hasPosition && state.bufferedBytes < this.maxPrefetchBytes();
  }

  /** Fetched-but-undelivered bytes per partition above which it is left out of fetches. */
  private maxPrefetchBytes(): number {
    const { maxPrefetchBytes, maxBytesPerPartition, shareMaxBytes, maxBytes } = this.options;
    if (maxPrefetchBytes !== undefined) return maxPrefetchBytes;
    const floor = 2 * maxBytesPerPartition;
    if (!shareMaxBytes) return floor;
    return Math.max(floor, Math.floor(maxBytes / Math.max(1, this.states.length)));
  }

  /** What each partition of a fetch of `partitions` partitions asks for (partitionMaxBytes). */
  private partitionMaxBytes(partitions: number): number {
    const { maxBytesPerPartition, shareMaxBytes, maxBytes } = this.options;
    if (!shareMaxBytes) return maxBytesPerPartition;
    return Math.max(maxBytesPerPartition, Math.floor(maxBytes / partitions));
  }

  /**
   * Cancels `fetch` when a partition of its node that it does not cover is ready and the fetch has been
   * out for IDLE_FETCH_MS; when one will be ready later, looks again then.
   */
  private cancelIfIdle(node: number, fetch: InFlightFetch): void {
    if (fetch.cancelled) return;
    let when = Number.POSITIVE_INFINITY;
    for (const s of this.states) {
      if (!this.wantsData(s) || fetch.epochs.get(s) === s.epoch || this.leaderOf(s) !== node) continue;
      when = Math.min(when, Math.max(s.notBefore, fetch.sentAt + IDLE_FETCH_MS));
    }
    if (when === Number.POSITIVE_INFINITY || (fetch.recheck && when >= fetch.recheckAt)) return;
    if (fetch.recheck) clearTimeout(fetch.recheck);
    fetch.recheck = null;
    const wait = when - Date.now();
    if (wait > 0) {
      fetch.recheckAt = when;
      fetch.recheck = setTimeout(() => {
        fetch.recheck = null;
        this.cancelIfIdle(node, fetch);
      }, wait);
      return;
    }
    fetch.cancelled = true;
    fetch.connection.close();
  }

  private leaderOf(state: PartitionState): number {
    try {
      return this.options.cluster.leaderOf(state.topic, state.partition);
    } catch {
      return -1;
    }
  }

  /** Starts a loop for every leader of an assigned partition; refreshes metadata for leaderless ones. */
  private ensureLoops(): void {
    if (!this.running) return;
    let leaderless = false;
    for (const state of this.states) {
      const leader = this.leaderOf(state);
      if (leader < 0) leaderless = true;
      else if (!this.loops.has(leader)) this.startLoop(leader);
    }
    if (leaderless) void this.refreshThenEnsure();
  }

  private async refreshThenEnsure(): Promise<void> {
    await sleep(this.refreshRetries.next());
    try {
      await this.options.cluster.refreshMetadata();
      this.refreshRetries.reset();
    } catch (err) {
      this.options.logger.warn('metadata refresh failed', { error: (err as Error).message });
    }
    this.ensureLoops();
  }

  private startLoop(node: number): void {
    const loop: FetchLoop = { signal: new Signal(), done: Promise.resolve(), inFlight: null };
    loop.done = this.loop(node, loop).finally(() => {
      this.loops.delete(node);
      this.ensureLoops();
    });
    this.loops.set(node, loop);
  }

  /** The partitions of `node` to fetch now, or the time (ms) when one in backoff will be ready. */
  private eligible(node: number, now: number): PartitionState[] | number {
    const out: PartitionState[] = [];
    let readyAt = now + this.options.maxWaitTimeInMs;
    for (const s of this.states) {
      if (s.fetching || !this.wantsData(s) || this.leaderOf(s) !== node) continue;
      if (now >= s.notBefore) out.push(s);
      else readyAt = Math.min(readyAt, s.notBefore);
    }
    return out.length > 0 ? out : readyAt;
  }

  private async loop(node: number, loop: FetchLoop): Promise<void> {
    const retries = new RetrySchedule({ ...this.options.retry, retries: Number.POSITIVE_INFINITY });
    while (this.running) {
      if (!this.states.some((s) => this.leaderOf(s) === node)) return; // leadership moved: ensureLoops restarts
      const now = Date.now();
      const targets = this.eligible(node, now);
      if (typeof targets === 'number') {
        await loop.signal.wait(targets - now);
        continue;
      }
      try {
        await this.fetchCycle(node, loop, targets);
        retries.reset();
      } catch (err) {
        if (!this.running) return; // the connection was closed under a long poll by stop/disconnect
        if (loop.inFlight?.cancelled) continue; // cancelled by cancelIfIdle: fetch again at once
        const wait = retries.next();
        this.options.logger.warn('fetch failed, retrying', {
          broker: node,
          error: (err as Error).message,
          retryInMs: wait,
        });
        if (needsMetadataRefresh(err)) {
          this.options.cluster.markStale();
          await this.options.cluster.refreshMetadata().catch(() => {});
        }
        await loop.signal.wait(wait);
      } finally {
        if (loop.inFlight?.recheck) clearTimeout(loop.inFlight.recheck);
        loop.inFlight = null;
      }
    }
  }

  /**
   * Fetches `targets` from `node` until the cycle ends (see Chaining above): one explicit fetch, then,
   * when the broker chains, chained fetches kept waiting behind the one in flight for as long as
   * `targets` stay exactly what the loop would fetch.
   */
  private async fetchCycle(node: number, loop: FetchLoop, targets: PartitionState[]): Promise<void> {
    for (const s of targets) s.fetching = true;
    /** Fetches out, oldest first: the explicit one, then chained ones. */
    const out: Array<Promise<FetchResponse>> = [];
    let failed = true;
    try {
      const connection = await this.options.cluster.fetchConnection(node);
      const chains = connection.versionOf(FetchApi as ApiSpec<unknown, unknown>) >= 1;
      const epochs = targets.map((s) => s.epoch);
      const inFlight: InFlightFetch = {
        connection,
        epochs: new Map(targets.map((s, i) => [s, epochs[i]!])),
        sentAt: Date.now(),
        cancelled: false,
        recheck: null,
        recheckAt: 0,
      };
      loop.inFlight = inFlight;
      out.push(this.send(node, connection, targets, 0));
      for (;;) {
        while (chains && out.length < fetchesInFlight(targets) && this.continues(node, targets, epochs)) {
          const chained = this.send(node, connection, targets, out.length);
          chained.catch(() => {}); // awaited in turn; a failure before that is an earlier fetch's (see finally)
          out.push(chained);
        }
        const sentAt = inFlight.sentAt;
        const response = await out[0]!;
        out.shift();
        await this.absorbAll(targets, epochs, response);
        const { events } = this.options;
        if (events.listening(ConsumerEvents.FETCH))
          events.emit(ConsumerEvents.FETCH, {
            numberOfBatches: countBatches(response),
            duration: Date.now() - sentAt,
            nodeId: node,
          });
        if (out.length === 0) break;
        inFlight.sentAt = Date.now(); // the next chained fetch started waiting at the broker about now
      }
      failed = false;
    } finally {
      for (const s of targets) s.fetching = false;
      // Failed with chained fetches still out: close the connection rather than leave a long poll parked
      // ahead of the next fetch, and rather than read answers that continue a dropped one.
      if (failed && out.length > 1) loop.inFlight?.connection.close();
    }
  }

  /** Whether a chained fetch of `targets` may go out: they are still exactly what the loop would fetch. */
  private continues(node: number, targets: PartitionState[], epochs: number[]): boolean {
    if (!this.running) return false;
    const now = Date.now();
    for (let i = 0; i < targets.length; i++) {
      const s = targets[i]!;
      if (!this.assigned.has(s) || s.epoch !== epochs[i] || !this.wantsData(s) || now < s.notBefore) return false;
      if (this.leaderOf(s) !== node) return false;
    }
    // Another partition of this node became ready: end the cycle so the next fetch includes it.
    const eligible = this.eligible(node, now);
    return typeof eligible === 'number';
  }

  /** Sends a fetch of `targets` behind `ahead` fetches still out on the connection (chained when any). */
  private send(node: number, connection: Connection, targets: PartitionState[], ahead: number): Promise<FetchResponse> {
    const { events, maxWaitTimeInMs, minBytes, maxBytes, requestTimeout } = this.options;
    const partitionMaxBytes = this.partitionMaxBytes(targets.length);
    const byTopic = new Map<string, Array<{ partition: number; fetchOffset: number; partitionMaxBytes: number }>>();
    for (const s of targets) {
      const list = byTopic.get(s.topic) ?? [];
      list.push({ partition: s.partition, fetchOffset: s.fetchOffset, partitionMaxBytes });
      byTopic.set(s.topic, list);
    }
    if (events.listening(ConsumerEvents.FETCH_START)) events.emit(ConsumerEvents.FETCH_START, { nodeId: node });
    const request: FetchRequest = {
      maxWaitMs: maxWaitTimeInMs,
      minBytes,
      maxBytes,
      isolationLevel: this.options.isolationLevel,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    };
    if (ahead > 0) request.chained = true;
    // A chained fetch waits at the broker for the long polls ahead of it, then long-polls itself.
    const timeoutMs = requestTimeout + (ahead + 1) * maxWaitTimeInMs;
    return connection.send(FetchApi, request, { timeoutMs }).then((response) => {
      if (response.errorCode !== 0) throw new SluiceProtocolError(response.errorCode);
      return response;
    });
  }

  /**
   * Applies a response to the partitions still at the epoch they were fetched at. Each continues from
   * its own fetchOffset: an explicit fetch asked for it, and a chained one started where the previous
   * answer, absorbed just before, left it.
   */
  private async absorbAll(targets: PartitionState[], epochs: number[], response: FetchResponse): Promise<void> {
    const results = new Map<string, FetchPartitionResult>();
    for (const t of response.topics)
      for (const p of t.partitions) results.set(topicPartitionKey(t.name, p.partition), p);
    for (let i = 0; i < targets.length; i++) {
      const state = targets[i]!;
      const result = results.get(topicPartitionKey(state.topic, state.partition));
      if (!result || !this.running || state.epoch !== epochs[i]) continue;
      await this.absorb(state, result, state.fetchOffset, epochs[i]!);
    }
  }

  /** Applies one partition's fetch result to its state. */
  private async absorb(
    state: PartitionState,
    result: FetchPartitionResult,
    fetchOffset: number,
    epoch: number,
  ): Promise<void> {
    if (result.errorCode !== 0) return this.onPartitionError(state, result);
    state.highWatermark = result.highWatermark;
    const bytes = result.records[0];
    if (!bytes || bytes.length === 0) return;
    const { end, nextOffset } = scanFetchedRecords(bytes, fetchOffset);
    state.fetchOffset = nextOffset;
    if (end === 0) return;
    const aborted = result.abortedTransactions?.length
      ? new AbortedTransactionFilter(result.abortedTransactions)
      : null;
    state.buffered.push({
      epoch,
      bytes,
      pos: 0,
      end,
      fromOffset: fetchOffset,
      highWatermark: result.highWatermark,
      aborted,
    });
    state.bufferedBytes += end;
    this.options.onData();
  }

  private async onPartitionError(state: PartitionState, result: FetchPartitionResult): Promise<void> {
    const { logger, cluster } = this.options;
    if (result.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      logger.warn('fetch offset out of range, resetting', {
        topic: state.topic,
        partition: state.partition,
        offset: state.fetchOffset,
        resetTo: state.fromBeginning ? 'earliest' : 'latest',
        error: result.errorMessage,
      });
      await this.options.onOutOfRange(state);
      return;
    }
    if (STALE_METADATA_CODES.has(result.errorCode)) cluster.markStale();
    const { initialRetryTime, factor } = this.options.retry;
    state.notBefore = Date.now() + jitter(initialRetryTime, factor);
    logger.warn('fetch error', {
      topic: state.topic,
      partition: state.partition,
      errorCode: result.errorCode,
      error: result.errorMessage,
    });
    if (STALE_METADATA_CODES.has(result.errorCode)) await cluster.refreshMetadata().catch(() => {});
  }
}
