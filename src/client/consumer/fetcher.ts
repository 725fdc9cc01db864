// Prefetching fetch loops: one per leader broker, each keeping exactly one Fetch in flight for the
// partitions that broker leads. As soon as a response arrives its batches are decoded into the
// partitions' buffers and the next Fetch goes out (from the offset after the last batch received), so
// the application works on one response while the next is on the wire. Prefetch is bounded by bytes:
// a partition whose buffer holds more than `maxPrefetchBytes` is left out of fetches until the runner
// drains it (the runner calls wake()).
import { FetchApi, type FetchPartitionResult } from '../../protocol/apis/fetch.js';
import { ErrorCode } from '../../protocol/errors.js';
import { needsMetadataRefresh, STALE_METADATA_CODES, type Cluster } from '../cluster.js';
import { SluiceProtocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import { backoff, type ResolvedRetryOptions } from '../retry.js';
import { scanFetchedRecords } from './decode.js';
import type { PartitionState } from './partition-state.js';
import { Signal } from './signal.js';

export interface FetcherOptions {
  cluster: Cluster;
  logger: Logger;
  maxWaitTimeInMs: number;
  minBytes: number;
  maxBytes: number;
  maxBytesPerPartition: number;
  maxPrefetchBytes: number;
  requestTimeout: number;
  retry: ResolvedRetryOptions;
  /** New data is buffered: wake the runner. */
  onData: () => void;
  /** The position is outside the log: reset it per the partition's policy. */
  onOutOfRange: (state: PartitionState) => Promise<void>;
}

export class Fetcher {
  private states: PartitionState[] = [];
  private readonly loops = new Map<number, { signal: Signal; done: Promise<void> }>();
  private running = false;
  private refreshFailures = 0;

  constructor(private readonly options: FetcherOptions) {}

  start(states: PartitionState[]): void {
    this.states = states;
    this.running = true;
    this.ensureLoops();
  }

  /**
   * Stops fetching. A long poll in flight is not waited for: its answer finds `running` false and is
   * dropped (or the connection closes under it on disconnect).
   */
  async stop(): Promise<void> {
    this.running = false;
    for (const loop of this.loops.values()) loop.signal.notify();
  }

  /** Something changed (buffer drained, resume, seek): let idle loops look again. */
  wake(): void {
    for (const loop of this.loops.values()) loop.signal.notify();
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
    await sleep(backoff(this.options.retry, Math.min(this.refreshFailures++, 10)));
    try {
      await this.options.cluster.refreshMetadata();
    } catch (err) {
      this.options.logger.warn('metadata refresh failed', { error: (err as Error).message });
    }
    this.ensureLoops();
  }

  private startLoop(node: number): void {
    const signal = new Signal();
    const done = this.loop(node, signal).finally(() => {
      this.loops.delete(node);
      this.ensureLoops();
    });
    this.loops.set(node, { signal, done });
  }

  private eligible(node: number, now: number): PartitionState[] {
    const out: PartitionState[] = [];
    for (const s of this.states) {
      if (
        s.paused ||
        !s.hasPosition ||
        s.fetching ||
        s.bufferedBytes >= this.options.maxPrefetchBytes ||
        now < s.notBefore
      )
        continue;
      if (this.leaderOf(s) === node) out.push(s);
    }
    return out;
  }

  private async loop(node: number, signal: Signal): Promise<void> {
    let failures = 0;
    while (this.running) {
      if (!this.states.some((s) => this.leaderOf(s) === node)) return; // leadership moved: ensureLoops restarts
      const targets = this.eligible(node, Date.now());
      if (targets.length === 0) {
        await signal.wait(this.options.maxWaitTimeInMs);
        continue;
      }
      try {
        await this.fetchOnce(node, targets);
        failures = 0;
      } catch (err) {
        if (!this.running) return; // the connection was closed under a long poll by stop/disconnect
        const wait = backoff(this.options.retry, Math.min(failures++, 10));
        this.options.logger.warn('fetch failed, retrying', {
          broker: node,
          error: (err as Error).message,
          retryInMs: wait,
        });
        if (needsMetadataRefresh(err)) {
          this.options.cluster.markStale();
          await this.options.cluster.refreshMetadata().catch(() => {});
        }
        await signal.wait(wait);
      }
    }
  }

  private async fetchOnce(node: number, targets: PartitionState[]): Promise<void> {
    const { cluster, maxWaitTimeInMs, minBytes, maxBytes, maxBytesPerPartition, requestTimeout } = this.options;
    const epochs = targets.map((s) => s.epoch);
    const offsets = targets.map((s) => s.fetchOffset);
    const byTopic = new Map<string, Array<{ partition: number; fetchOffset: number; partitionMaxBytes: number }>>();
    for (const s of targets) {
      s.fetching = true;
      const list = byTopic.get(s.topic) ?? [];
      list.push({ partition: s.partition, fetchOffset: s.fetchOffset, partitionMaxBytes: maxBytesPerPartition });
      byTopic.set(s.topic, list);
    }
    try {
      const connection = await cluster.nodeConnection(node);
      const response = await connection.send(
        FetchApi,
        {
          maxWaitMs: maxWaitTimeInMs,
          minBytes,
          maxBytes,
          isolationLevel: 0,
          topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
        },
        { timeoutMs: requestTimeout + maxWaitTimeInMs },
      );
      if (response.errorCode !== 0) throw new SluiceProtocolError(response.errorCode);
      const results = new Map<string, FetchPartitionResult>();
      for (const t of response.topics) for (const p of t.partitions) results.set(`${t.name}\u0000${p.partition}`, p);
      for (let i = 0; i < targets.length; i++) {
        const state = targets[i]!;
        const result = results.get(`${state.topic}\u0000${state.partition}`);
        if (result && this.running && state.epoch === epochs[i])
          await this.absorb(state, result, offsets[i]!, epochs[i]!);
      }
    } finally {
      for (const s of targets) s.fetching = false;
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
    state.buffered.push({ epoch, bytes, pos: 0, end, fromOffset: fetchOffset, highWatermark: result.highWatermark });
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
    state.notBefore = Date.now() + backoff(this.options.retry, 0);
    logger.warn('fetch error', {
      topic: state.topic,
      partition: state.partition,
      errorCode: result.errorCode,
      error: result.errorMessage,
    });
    if (STALE_METADATA_CODES.has(result.errorCode)) await cluster.refreshMetadata().catch(() => {});
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
