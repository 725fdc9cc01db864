// Prefetching fetch loops: one per leader broker, each keeping exactly one Fetch in flight for the
// partitions that broker leads. As soon as a response arrives its batches are decoded into the
// partitions' buffers and the next Fetch goes out (from the offset after the last batch received), so
// the application works on one response while the next is on the wire. Prefetch is bounded by bytes:
// a partition whose buffer holds more than `maxPrefetchBytes` is left out of fetches until the runner
// drains it (the runner calls wake()).
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
//
// Push (FetchPush, src/protocol/apis/fetch-push.ts): once a fetch found every partition it asked for at
// its end (fetchOffset at the high watermark, or the last stable offset under read_committed), the loop
// opens a stream in place of the next fetch: the broker pushes records as they are appended, with no
// request per burst, until the stream ends (idle for maxWaitTimeInMs: opened again at once; an error in
// its last frame: handled as a fetch's, then plain fetches). Credit bounds it: what the broker may still
// push plus what the stream's partitions hold buffered stays within maxBytes (plus one batch; a replay's
// stream, below: twice maxBytes); each frame and each runner wake-up tops the credit up (FetchPushCredit)
// once that sum falls to half of it. A
// stream's partitions count as fetching; a seek, pause, revocation, new partition or one ready again
// while the stream does not cover it (wake()) ends the stream (FetchPushCredit end) and the loop fetches
// again, dropping what arrives for a partition whose epoch moved, as for a fetch. A broker without
// FetchPush, minBytes above 1, or pushWhenCaughtUp false: plain fetches only.
//
// Streamed replay: a fetch whose records averaged STREAMED_RECORD_BYTES or more has the loop open a
// stream too, while the partitions are still behind: the broker then reads and pushes the next frame while
// the client reads the current one, so the wire does not wait for a fetch per response. Its frames carry up
// to maxBytes and its window (what its partitions hold buffered plus credit left) is twice maxBytes, what a
// fetch in flight plus a full prefetch held (streamSizes); credit is topped up once a frame's worth is
// free, so the broker reads whole frames. (Frames of a quarter of maxBytes in a 12 MiB window cost the
// broker a quarter more CPU per MiB, its work per frame and per credit grant, and the consumer gained
// nothing: bench/RESULTS.md, "a replay stream's frames of maxBytes".) The records are copied out
// (record-copies.ts), so each frame goes back to the frame pool once decoded and is read into again: a
// replay's frames are a fixed set of old buffers rather than garbage for the collector. The first such
// stream in a process primes the allocator (src/allocator-primer.ts). A stream ended for a seek, pause or
// new assignment is followed by a fetch, which decides again. Not with reuseFetchBuffers, whose plain
// fetches of maxBytes are read into pooled frames already.
//
// First fetch: a partition's first fetch after its position was set (assignment, seek) asks for at most
// FIRST_FETCH_BYTES, the later ones for the full size: the first records then arrive after a small
// response instead of a full one (up to maxBytes for one partition), and the runner delivers them while
// the next, full-sized fetch is on the wire.
import { setTimeout as sleep } from 'node:timers/promises';
import { FetchApi, type FetchPartitionResult } from '../../protocol/apis/fetch.js';
import { FetchPushApi, type FetchPushResponse } from '../../protocol/apis/fetch-push.js';
import { FetchPushCreditApi } from '../../protocol/apis/fetch-push-credit.js';
import { AbortedTransactionFilter } from './aborted-transactions.js';
import { ErrorCode } from '../../protocol/errors.js';
import { needsMetadataRefresh, STALE_METADATA_CODES, type Cluster } from '../cluster.js';
import type { Connection, ResponseStream } from '../connection.js';
import { SluiceProtocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import { jitter, RetrySchedule, type ResolvedRetryOptions } from '../retry.js';
import { framePool } from '../frame-pool.js';
import { primeAllocator } from '../../allocator-primer.js';
import { watchCollector } from './collector-watch.js';
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
  /**
   * ConsumerConfig.reuseFetchBuffers: a response's frame goes back to the frame pool once every partition's
   * records from it were delivered and their handlers resolved (see src/client/frame-pool.ts). Without it,
   * once every partition's records were decoded and copied out (runner.ts, record-copies.ts).
   */
  reuseFetchBuffers: boolean;
  /** 0 read_uncommitted, 1 read_committed (ConsumerConfig.readUncommitted false, the default). */
  isolationLevel: 0 | 1;
  /** ConsumerConfig.pushWhenCaughtUp: a caught-up loop opens a FetchPush stream (see Push above). */
  push: boolean;
  requestTimeout: number;
  retry: ResolvedRetryOptions;
  /** FETCH_START / FETCH go here. */
  events: ConsumerEventSink;
  /** New data is buffered: wake the runner. */
  onData: () => void;
  /** The position is outside the log: reset it per the partition's policy. */
  onOutOfRange: (state: PartitionState) => Promise<void>;
}

/** A fetch out this long is waiting for data (a long poll), not carrying it: it may be cancelled. */
const IDLE_FETCH_MS = 100;

/** Records of this size or more on average: a replay is streamed. */
const STREAMED_RECORD_BYTES = 16 * 1024;

/** What a partition's first fetch after its position was set asks for at most (see First fetch above). */
const FIRST_FETCH_BYTES = 1024 * 1024;

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
  /** A FetchPush stream in place of a fetch: its credit. */
  push: PushCredit | null;
}

interface FetchLoop {
  signal: Signal;
  done: Promise<void>;
  inFlight: InFlightFetch | null;
  /** The last fetch (or stream) left every partition it covered at its end: open a stream next. */
  caughtUp: boolean;
  /** The last fetch carried large records (see Streamed replay above): stream the replay. */
  largeRecords: boolean;
}

/** What a fetch response (or a stream's final frame) left: see absorbResponse. */
interface Absorbed {
  atEnd: boolean;
  largeRecords: boolean;
}

/** A stream's credit, as the client counts it (see Push above). */
interface PushCredit {
  /** The stream's id: its request's correlationId, set when the request is made (Connection.send). */
  stream: ResponseStream;
  states: PartitionState[];
  /** Buffered bytes of its partitions plus credit left at the broker stay within this (streamSizes). */
  window: number;
  /** The request's maxBytes: what one frame carries at most. */
  frameBytes: number;
  /** Record bytes granted in all, and received in all. */
  granted: number;
  received: number;
}

/**
 * The partitions of one response whose records were buffered hold its frame; when the last of them let
 * go (or none was buffered) the frame goes back to the pool. A partition that never lets go (its records
 * are viewed in place by messages, or a worker was delivering them when a seek dropped them) leaves the
 * frame to the collector.
 */
class FrameLease {
  private held = 0;
  private settled = false;
  private frame: Uint8Array | null = null;

  /** A partition's records in the frame, buffered or not (a frame nobody holds is released when settled). */
  saw(records: Uint8Array | undefined): void {
    if (records && records.length > 0) this.frame ??= records;
  }

  /** A partition's records from the frame were buffered: returns the call that lets go of them. */
  hold(records: Uint8Array): () => void {
    this.saw(records);
    this.held++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.held--;
      this.releaseIfFree();
    };
  }

  /** Every partition of the response was looked at. */
  settle(): void {
    this.settled = true;
    this.releaseIfFree();
  }

  private releaseIfFree(): void {
    if (!this.settled || this.held > 0 || !this.frame) return;
    framePool.release(this.frame);
    this.frame = null;
  }
}

interface RequestedPartition {
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
}

/**
 * The partitions of a fetch or a stream, marked as fetching, grouped by topic as the request lists them;
 * `firstFetches`: a partition's first fetch asks for FIRST_FETCH_BYTES at most (a fetch's, not a stream's).
 */
function requestedTopics(
  targets: readonly PartitionState[],
  partitionMaxBytes: number,
  firstFetches: boolean,
): Array<{ name: string; partitions: RequestedPartition[] }> {
  const byTopic = new Map<string, RequestedPartition[]>();
  for (const s of targets) {
    s.fetching = true;
    const list = byTopic.get(s.topic) ?? [];
    const maxBytes = firstFetches && s.firstFetch ? Math.min(FIRST_FETCH_BYTES, partitionMaxBytes) : partitionMaxBytes;
    list.push({ partition: s.partition, fetchOffset: s.fetchOffset, partitionMaxBytes: maxBytes });
    byTopic.set(s.topic, list);
  }
  return [...byTopic].map(([name, partitions]) => ({ name, partitions }));
}

export class Fetcher {
  private states: PartitionState[] = [];
  private readonly loops = new Map<number, FetchLoop>();
  private running = false;
  /** A runner wake-up is scheduled (wakeAfterThisTurn). */
  private wakePending = false;
  private readonly refreshRetries: RetrySchedule;

  constructor(private readonly options: FetcherOptions) {
    this.refreshRetries = new RetrySchedule({ ...options.retry, retries: Number.POSITIVE_INFINITY });
  }

  start(states: PartitionState[]): void {
    this.states = states;
    if (!this.running) framePool.use(true);
    this.running = true;
    // A new assignment: streams of the old one end (the loop fetches the new set).
    for (const loop of this.loops.values()) if (loop.inFlight?.push) this.endStream(loop.inFlight);
    this.ensureLoops();
  }

  /**
   * Stops fetching. A long poll in flight is not waited for: its answer finds `running` false and is
   * dropped (or the connection closes under it on disconnect).
   */
  async stop(): Promise<void> {
    if (this.running) framePool.use(false);
    this.running = false;
    for (const loop of this.loops.values()) {
      loop.signal.notify();
      if (loop.inFlight?.recheck) clearTimeout(loop.inFlight.recheck);
      if (loop.inFlight?.push) this.endStream(loop.inFlight);
    }
  }

  /** Something changed (buffer drained, resume, seek): let idle loops look again, cancel idle long polls. */
  wake(): void {
    for (const [node, loop] of this.loops) {
      loop.signal.notify();
      if (loop.inFlight?.push) this.reviewStream(node, loop.inFlight, loop.inFlight.push);
      else if (loop.inFlight) this.cancelIfIdle(node, loop.inFlight);
    }
  }

  /**
   * A stream still covers what its loop should fetch: else it ends. Its partitions not paused, not sought
   * (epoch), still assigned; no other partition of its node ready for fetching. If it goes on, its credit
   * is topped up when the runner has drained enough.
   */
  private reviewStream(node: number, fetch: InFlightFetch, push: PushCredit): void {
    if (fetch.cancelled) return;
    const now = Date.now();
    for (const s of this.states) {
      const epoch = fetch.epochs.get(s);
      const stale =
        epoch === undefined
          ? this.wantsData(s) && !s.fetching && now >= s.notBefore && this.leaderOf(s) === node
          : epoch !== s.epoch || s.paused;
      if (stale) {
        this.endStream(fetch);
        return;
      }
    }
    this.topUp(fetch.connection, push);
  }

  /**
   * Grants the stream what keeps its buffered bytes plus its credit left at its window, once a frame's
   * worth below it, or half, whichever comes first: the broker then has credit for whole frames.
   */
  private topUp(connection: Connection, push: PushCredit): void {
    const { window, frameBytes } = push;
    let held = push.granted - push.received;
    for (const s of push.states) held += s.bufferedBytes;
    if (held > Math.max(window / 2, window - frameBytes)) return;
    const creditBytes = window - held;
    push.granted += creditBytes;
    connection
      .send(FetchPushCreditApi, { streamId: push.stream.id, creditBytes, end: false }, { expectResponse: false })
      .catch(() => {}); // the connection failed: the stream's request fails with it
  }

  /**
   * Asks the broker to end the stream; its final frame then ends the loop's round. Asked before the stream's
   * request is made (from a FETCH_START listener), the end follows that request (pushOnce).
   */
  private endStream(fetch: InFlightFetch): void {
    if (fetch.cancelled || !fetch.push) return;
    fetch.cancelled = true;
    if (fetch.push.stream.id !== 0) this.sendStreamEnd(fetch.connection, fetch.push);
  }

  private sendStreamEnd(connection: Connection, push: PushCredit): void {
    connection
      .send(FetchPushCreditApi, { streamId: push.stream.id, creditBytes: 0, end: true }, { expectResponse: false })
      .catch(() => {});
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
   * A stream's window (buffered bytes of its partitions plus credit left at the broker) and what one frame
   * may carry (its request's maxBytes): maxBytes both for a caught-up stream; twice maxBytes in frames of
   * maxBytes for a replay of large records (see Streamed replay above).
   */
  private streamSizes(replay: boolean): { window: number; frameBytes: number } {
    const { maxBytes } = this.options;
    return { window: replay ? 2 * maxBytes : maxBytes, frameBytes: maxBytes };
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
    const loop: FetchLoop = {
      signal: new Signal(),
      done: Promise.resolve(),
      inFlight: null,
      caughtUp: false,
      largeRecords: false,
    };
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
        const stream = (loop.caughtUp || loop.largeRecords) && this.options.push && this.options.minBytes <= 1;
        if (stream) await this.pushOnce(node, loop, targets);
        else await this.fetchOnce(node, loop, targets);
        retries.reset();
      } catch (err) {
        loop.caughtUp = false;
        loop.largeRecords = false;
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

  private async fetchOnce(node: number, loop: FetchLoop, targets: PartitionState[]): Promise<void> {
    const { cluster, events, maxWaitTimeInMs, minBytes, maxBytes, requestTimeout } = this.options;
    const partitionMaxBytes = this.partitionMaxBytes(targets.length);
    const epochs = targets.map((s) => s.epoch);
    const offsets = targets.map((s) => s.fetchOffset);
    const topics = requestedTopics(targets, partitionMaxBytes, true);
    try {
      const connection = await cluster.fetchConnection(node);
      const sentAt = Date.now();
      loop.inFlight = {
        connection,
        epochs: new Map(targets.map((s, i) => [s, epochs[i]!])),
        sentAt,
        cancelled: false,
        recheck: null,
        recheckAt: 0,
        push: null,
      };
      if (events.listening(ConsumerEvents.FETCH_START)) events.emit(ConsumerEvents.FETCH_START, { nodeId: node });
      const response = await connection.send(
        FetchApi,
        {
          maxWaitMs: maxWaitTimeInMs,
          minBytes,
          maxBytes,
          isolationLevel: this.options.isolationLevel,
          topics,
        },
        { timeoutMs: requestTimeout + maxWaitTimeInMs },
      );
      const absorbed = await this.absorbResponse(node, response, targets, epochs, offsets, sentAt);
      loop.caughtUp = absorbed.atEnd;
      loop.largeRecords = absorbed.largeRecords;
    } finally {
      for (const s of targets) s.fetching = false;
    }
  }

  /**
   * Applies a fetch response (or a stream's final frame) to the partitions it answers, whose epoch has not
   * moved since it was asked for; FETCH is emitted. `atEnd`: every partition asked for was answered
   * without error and is now at its end (the loop may open a stream); `largeRecords`: the records buffered
   * averaged STREAMED_RECORD_BYTES or more (see Streamed replay above).
   */
  private async absorbResponse(
    node: number,
    response: Pick<FetchPushResponse, 'errorCode' | 'topics'>,
    targets: readonly PartitionState[],
    epochs: readonly number[],
    offsets: readonly number[],
    sentAt: number,
  ): Promise<Absorbed> {
    const { events, isolationLevel } = this.options;
    if (response.errorCode !== 0) throw new SluiceProtocolError(response.errorCode);
    const results = new Map<string, FetchPartitionResult>();
    for (const t of response.topics)
      for (const p of t.partitions) results.set(topicPartitionKey(t.name, p.partition), p);
    let numberOfBatches = 0;
    let atEnd = results.size > 0;
    let bytes = 0;
    let offsetSpan = 0;
    const lease = new FrameLease();
    for (let i = 0; i < targets.length; i++) {
      const state = targets[i]!;
      const result = results.get(topicPartitionKey(state.topic, state.partition));
      if (!result) continue;
      lease.saw(result.records[0]);
      if (result.records[0]?.length) numberOfBatches++;
      if (this.running && state.epoch === epochs[i]) {
        const before = state.bufferedBytes;
        await this.absorb(state, result, offsets[i]!, epochs[i]!, lease);
        if (state.epoch === epochs[i] && state.fetchOffset > offsets[i]!) {
          bytes += state.bufferedBytes - before;
          offsetSpan += state.fetchOffset - offsets[i]!;
        }
      }
      const end = isolationLevel === 1 ? result.lastStableOffset : result.highWatermark;
      if (result.errorCode !== 0 || state.fetchOffset < end) atEnd = false;
    }
    lease.settle();
    if (events.listening(ConsumerEvents.FETCH))
      events.emit(ConsumerEvents.FETCH, { numberOfBatches, duration: Date.now() - sentAt, nodeId: node });
    return {
      atEnd: atEnd && results.size === targets.length,
      largeRecords: !this.options.reuseFetchBuffers && offsetSpan > 0 && bytes >= offsetSpan * STREAMED_RECORD_BYTES,
    };
  }

  /**
   * A FetchPush stream in place of a fetch, for partitions at their end (see Push above); resolves when it
   * has ended. Falls back to a fetch on a broker without FetchPush.
   */
  private async pushOnce(node: number, loop: FetchLoop, targets: PartitionState[]): Promise<void> {
    const { cluster, events, maxWaitTimeInMs, requestTimeout } = this.options;
    const connection = await cluster.fetchConnection(node);
    if (!connection.supports(FetchPushApi)) return this.fetchOnce(node, loop, targets);
    const partitionMaxBytes = this.partitionMaxBytes(targets.length);
    const epochs = targets.map((s) => s.epoch);
    const topics = requestedTopics(targets, partitionMaxBytes, false);
    let held = 0;
    for (const s of targets) held += s.bufferedBytes;
    let frameAt = Date.now();
    // Frames are applied as they arrive, in order, synchronously: the next may be decoded in the same turn.
    const stream: ResponseStream = {
      id: 0,
      frame: (response) => {
        const sentAt = frameAt;
        frameAt = Date.now();
        this.absorbPushed(node, fetch, response as FetchPushResponse, targets, epochs, sentAt);
      },
    };
    // A replay of large records: their copies and frames are the memory the primer keeps recycled, and the
    // collector is watched for the full collections such a replay can fall into (collector-watch.ts).
    let unwatch: (() => void) | null = null;
    if (loop.largeRecords) {
      primeAllocator();
      unwatch = watchCollector(this.options.logger);
    }
    const { window, frameBytes } = this.streamSizes(loop.largeRecords);
    const push: PushCredit = {
      stream,
      states: targets,
      window,
      frameBytes,
      granted: Math.max(0, window - held),
      received: 0,
    };
    const fetch: InFlightFetch = {
      connection,
      epochs: new Map(targets.map((s, i) => [s, epochs[i]!])),
      sentAt: frameAt,
      cancelled: false,
      recheck: null,
      recheckAt: 0,
      push,
    };
    loop.inFlight = fetch;
    try {
      if (events.listening(ConsumerEvents.FETCH_START)) events.emit(ConsumerEvents.FETCH_START, { nodeId: node });
      const streamed = connection.send(
        FetchPushApi,
        {
          maxIdleMs: maxWaitTimeInMs,
          maxBytes: frameBytes,
          creditBytes: push.granted,
          isolationLevel: this.options.isolationLevel,
          topics,
        },
        { timeoutMs: requestTimeout + maxWaitTimeInMs, stream },
      );
      if (fetch.cancelled) this.sendStreamEnd(connection, push);
      const final = await streamed;
      const offsets = targets.map((s) => s.fetchOffset);
      const { atEnd } = await this.absorbResponse(node, final, targets, epochs, offsets, frameAt);
      // Ended for being idle (at the end, or out of credit in a replay): open it again at once; ended on
      // request (seek, pause, new assignment, stop), or on an error: fetch first.
      loop.caughtUp = atEnd && !fetch.cancelled;
      loop.largeRecords &&= !fetch.cancelled;
    } finally {
      for (const s of targets) s.fetching = false;
      unwatch?.();
    }
  }

  /**
   * A frame the stream pushed: its records buffered at once (pushed frames carry no partition errors: the
   * broker ends the stream with them, in its final frame). Each partition's records start at its
   * fetchOffset, where the broker's position for it stands; then the stream is reviewed and its credit topped up.
   */
  private absorbPushed(
    node: number,
    fetch: InFlightFetch,
    frame: FetchPushResponse,
    targets: readonly PartitionState[],
    epochs: readonly number[],
    sentAt: number,
  ): void {
    const push = fetch.push!;
    let numberOfBatches = 0;
    const lease = new FrameLease();
    for (const t of frame.topics) {
      for (const p of t.partitions) {
        const records = p.records[0];
        lease.saw(records);
        if (records?.length) {
          push.received += records.length;
          numberOfBatches++;
        }
        const i =
          targets.length === 1 ? 0 : targets.findIndex((s) => s.partition === p.partition && s.topic === t.name);
        const state = targets[i];
        if (state && (state.partition !== p.partition || state.topic !== t.name)) continue;
        if (!state || p.errorCode !== 0 || !this.running || state.epoch !== epochs[i]) continue;
        this.buffer(state, p, state.fetchOffset, epochs[i]!, lease, true);
      }
    }
    lease.settle();
    const { events } = this.options;
    if (events.listening(ConsumerEvents.FETCH))
      events.emit(ConsumerEvents.FETCH, { numberOfBatches, duration: Date.now() - sentAt, nodeId: node });
    this.reviewStream(node, fetch, push);
  }

  /** Applies one partition's fetch result to its state. */
  private async absorb(
    state: PartitionState,
    result: FetchPartitionResult,
    fetchOffset: number,
    epoch: number,
    lease: FrameLease,
  ): Promise<void> {
    if (result.errorCode !== 0) return this.onPartitionError(state, result);
    this.buffer(state, result, fetchOffset, epoch, lease, false);
  }

  /**
   * A partition's records (from fetchOffset, its position when they were asked for) into its buffer, waking
   * the runner at once, except after a fetch that was the partition's first (see First fetch above): then
   * after this event-loop turn (setImmediate), so that the loop's next, full-sized fetch goes out before the
   * runner starts decoding (both continue from the same response: woken at once, the runner's first slice,
   * decoded by code not yet compiled, would run before the loop's continuation and the fetch would wait).
   */
  private buffer(
    state: PartitionState,
    result: FetchPartitionResult,
    fetchOffset: number,
    epoch: number,
    lease: FrameLease,
    wakeNow: boolean,
  ): void {
    state.highWatermark = result.highWatermark;
    const bytes = result.records[0];
    if (!bytes || bytes.length === 0) return;
    const { end, nextOffset } = scanFetchedRecords(bytes, fetchOffset);
    state.fetchOffset = nextOffset;
    if (end === 0) return;
    const first = state.firstFetch && !wakeNow;
    state.firstFetch = false;
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
      release: lease.hold(bytes),
      aliased: false,
    });
    state.bufferedBytes += end;
    if (first) this.wakeAfterThisTurn();
    else this.options.onData();
  }

  private wakeAfterThisTurn(): void {
    if (this.wakePending) return;
    this.wakePending = true;
    setImmediate(() => {
      this.wakePending = false;
      this.options.onData();
    });
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
