// Delivers buffered batches to eachMessage / eachBatch. `partitionsConsumedConcurrently` workers each
// take the next partition that has data and is not paused or busy (round-robin), so one partition is
// only ever handled by one worker at a time and its messages arrive in offset order.
//
// Positions: a message counts as consumed once its handler resolves (eachMessage) or its offset is
// resolved (eachBatch; all of the batch with eachBatchAutoResolve). Whatever was not consumed when a
// handler throws, the partition is paused mid-batch, or eachBatch returns with unresolved messages, is
// fetched again from the first unconsumed offset (a seek), so nothing is skipped.
import type { Logger } from '../logger.js';
import { backoff, type ResolvedRetryOptions } from '../retry.js';
import type { PartitionAssignmentSource } from './assignment.js';
import { FetchedBatch } from './batch.js';
import { SluiceCorruptBatchError } from '../errors.js';
import { decodeFetchedChunk, UndecodableBatchError } from './decode.js';
import type { PartitionState } from './partition-state.js';
import { Signal } from './signal.js';
import type { ConsumerRunConfig, EachBatchPayload, OffsetsByTopicPartition } from './types.js';

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Record bytes decoded per delivered batch: keeps messages young (cheap to collect) and batches large. */
const DELIVERY_SLICE_BYTES = 256 * 1024;

export interface RunnerDeps {
  logger: Logger;
  retry: ResolvedRetryOptions & { restartOnFailure?: (e: Error) => Promise<boolean> };
  source: PartitionAssignmentSource;
  /** A buffer was drained or a position moved: the fetcher may fetch more. */
  wakeFetcher: () => void;
  /** Pause via a payload's pause(); returns the resume function. */
  pausePartition: (state: PartitionState) => () => void;
  commitIfNecessary: (offsets?: OffsetsByTopicPartition) => Promise<void>;
  uncommittedOffsets: () => OffsetsByTopicPartition;
  onCrash: (error: Error, restart: boolean) => void;
  /** Verify each fetched batch's CRC-32C before decoding it (ConsumerConfig.checkCrcs). */
  checkCrcs: boolean;
}

export class Runner {
  readonly signal = new Signal();
  private running = false;
  private workers: Promise<void>[] = [];
  private cursor = 0;
  private states: PartitionState[] = [];

  constructor(
    private readonly config: ConsumerRunConfig,
    private readonly deps: RunnerDeps,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts the workers, or swaps the partition set of running ones (new assignment). */
  start(states: PartitionState[]): void {
    this.states = states;
    this.cursor = 0;
    if (this.running) return;
    this.running = true;
    const n = Math.max(1, this.config.partitionsConsumedConcurrently ?? 1);
    for (let i = 0; i < n; i++) this.workers.push(this.work());
  }

  /** Stops taking batches and waits for handlers in progress to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.signal.notify();
    await Promise.all(this.workers);
    this.workers = [];
  }

  private next(now: number): PartitionState | null {
    const n = this.states.length;
    for (let i = 0; i < n; i++) {
      const s = this.states[(this.cursor + i) % n]!;
      if (s.busy || s.paused || s.buffered.length === 0 || now < s.notBefore) continue;
      this.cursor = (this.cursor + i + 1) % n;
      return s;
    }
    return null;
  }

  private async work(): Promise<void> {
    while (this.running) {
      const state = this.next(Date.now());
      if (!state) {
        await this.signal.wait(100);
        continue;
      }
      state.busy = true;
      try {
        const batch = await this.takeBatch(state);
        if (!batch) continue;
        if (this.config.eachBatch) await this.deliverBatch(state, batch, state.epoch);
        else await this.deliverMessages(state, batch, state.epoch);
        if (this.config.autoCommit !== false) await this.deps.commitIfNecessary();
      } finally {
        state.busy = false;
        this.signal.notify(); // another worker may be waiting for this partition
      }
      // Let socket reads run between slices. Handlers that return at once make this loop a chain of
      // microtasks that never reaches the event loop's poll phase: the next fetch response would sit in
      // the kernel until every buffered record was delivered, and the next fetch would go out only then,
      // so receiving and delivering alternated instead of overlapping.
      await yieldToEventLoop();
    }
  }

  /** Decodes the next slice of the partition's oldest buffered fetch (null: nothing to deliver). */
  private async takeBatch(state: PartitionState): Promise<FetchedBatch | null> {
    const entry = state.buffered[0]!;
    if (entry.epoch !== state.epoch) {
      state.buffered.shift();
      return null;
    }
    const epoch = state.epoch;
    let chunk;
    try {
      chunk = await decodeFetchedChunk(
        entry.bytes,
        entry.pos,
        entry.end,
        entry.fromOffset,
        DELIVERY_SLICE_BYTES,
        this.deps.checkCrcs,
      );
    } catch (err) {
      this.onUndecodable(state, epoch, err);
      return null;
    }
    if (state.epoch !== epoch) return null;
    state.bufferedBytes -= chunk.pos - entry.pos;
    entry.pos = chunk.pos;
    if (entry.pos >= entry.end) state.buffered.shift();
    this.deps.wakeFetcher();
    if (chunk.messages.length === 0) return null;
    return new FetchedBatch(
      state.topic,
      state.partition,
      String(entry.highWatermark),
      chunk.messages,
      entry.fromOffset,
    );
  }

  private async deliverMessages(state: PartitionState, batch: FetchedBatch, epoch: number): Promise<void> {
    const eachMessage = this.config.eachMessage!;
    const { topic, partition } = state;
    const heartbeat = () => this.deps.source.heartbeat();
    const pause = () => this.deps.pausePartition(state);
    for (const message of batch.messages) {
      if (!this.running || state.epoch !== epoch) return this.rewind(state, epoch, Number(message.offset));
      if (state.paused) return this.rewind(state, epoch, Number(message.offset));
      try {
        await eachMessage({ topic, partition, message, heartbeat, pause });
      } catch (err) {
        return this.onHandlerError(state, epoch, Number(message.offset), err as Error);
      }
      if (state.epoch === epoch) state.nextOffset = Number(message.offset) + 1;
    }
    state.failures = 0;
  }

  private async deliverBatch(state: PartitionState, batch: FetchedBatch, epoch: number): Promise<void> {
    const payload: EachBatchPayload = {
      batch,
      resolveOffset: (offset) => {
        if (state.epoch === epoch) state.nextOffset = Math.max(state.nextOffset, Number(offset) + 1);
      },
      heartbeat: () => this.deps.source.heartbeat(),
      pause: () => this.deps.pausePartition(state),
      commitOffsetsIfNecessary: (offsets) => this.deps.commitIfNecessary(offsets),
      uncommittedOffsets: () => this.deps.uncommittedOffsets(),
      isRunning: () => this.running,
      isStale: () => state.epoch !== epoch || this.deps.source.isStale(),
    };
    const first = Number(batch.firstOffset());
    try {
      await this.config.eachBatch!(payload);
    } catch (err) {
      return this.onHandlerError(state, epoch, Math.max(state.nextOffset, first), err as Error);
    }
    if (state.epoch !== epoch) return;
    const last = Number(batch.lastOffset());
    if (this.config.eachBatchAutoResolve !== false) state.nextOffset = last + 1;
    if (state.nextOffset <= last) this.rewind(state, epoch, state.nextOffset);
    state.failures = 0;
  }

  /**
   * A fetched batch cannot be decoded. It is fetched again after a backoff (bytes damaged on the way heal;
   * with checkCrcs such a batch is never delivered); once the retries are spent the consumer crashes
   * naming topic, partition and offset, rather than wait on the partition for ever with its lag frozen.
   */
  private onUndecodable(state: PartitionState, epoch: number, err: unknown): void {
    const { retry, logger } = this.deps;
    const offset = String(err instanceof UndecodableBatchError ? err.baseOffset : state.nextOffset);
    const cause = (err instanceof UndecodableBatchError ? err.cause : err) as Error;
    const wait = backoff(retry, Math.min(state.failures, 10));
    state.failures++;
    const crashing = state.failures > retry.retries;
    logger.error('cannot decode fetched records', {
      topic: state.topic,
      partition: state.partition,
      offset,
      attempt: state.failures,
      error: cause.message,
      ...(crashing ? { crash: true } : { retryInMs: wait }),
    });
    this.rewind(state, epoch, state.nextOffset);
    state.notBefore = Date.now() + wait;
    if (!crashing) return;
    this.running = false;
    this.deps.onCrash(new SluiceCorruptBatchError(state.topic, state.partition, offset, cause), false);
  }

  /** Refetches from `offset` (unless a seek already moved the partition elsewhere). */
  private rewind(state: PartitionState, epoch: number, offset: number): void {
    if (state.epoch !== epoch) return;
    state.seek(offset);
    this.deps.wakeFetcher();
  }

  private async onHandlerError(state: PartitionState, epoch: number, offset: number, error: Error): Promise<void> {
    const { retry, logger } = this.deps;
    this.rewind(state, epoch, offset);
    const wait = backoff(retry, Math.min(state.failures, 10));
    state.failures++;
    state.notBefore = Date.now() + wait;
    logger.error(`Error when calling ${this.config.eachBatch ? 'eachBatch' : 'eachMessage'}`, {
      topic: state.topic,
      partition: state.partition,
      offset: String(offset),
      error: error.message,
      retryInMs: wait,
    });
    if (state.failures > retry.retries) {
      const restart = retry.restartOnFailure ? await retry.restartOnFailure(error).catch(() => false) : true;
      this.deps.onCrash(error, restart);
      if (!restart) this.running = false;
      else state.failures = 0;
    }
  }
}
