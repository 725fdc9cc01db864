// Delivers buffered batches to eachMessage / eachBatch. `partitionsConsumedConcurrently` workers each
// take the next partition that has data and is not paused or busy (round-robin), so one partition is
// only ever handled by one worker at a time and its messages arrive in offset order.
//
// Positions: a message counts as consumed once its handler resolves (eachMessage) or its offset is
// resolved (eachBatch; all of the batch with eachBatchAutoResolve). Whatever was not consumed when a
// handler throws, the partition is paused mid-batch, or eachBatch returns with unresolved messages, is
// kept (PartitionState.undelivered) and delivered again first, so nothing is skipped and nothing is
// fetched twice; a fetch already in flight for the partition stays valid.
//
// Handler errors follow the `retry` options as kafkajs's runner does: a retriable error is retried after
// initialRetryTime ± factor, each next time after the previous wait × multiplier (up to maxRetryTime);
// once `retries` retries failed the consumer crashes with KafkaJSNumberOfRetriesExceeded and restarts
// (delivers again after the last wait, with a fresh retry budget) unless `restartOnFailure` says not to.
// A non-retriable error (`retriable: false`, TypeError, …) crashes it at once, without restart.
import type { Logger } from '../logger.js';
import { isRetriable, restartsAfterCrash, RetrySchedule, type ResolvedRetryOptions } from '../retry.js';
import { FetchedBatch } from './batch.js';
import { SluiceCorruptBatchError, SluiceNonRetriableError, SluiceNumberOfRetriesExceeded } from '../errors.js';
import { decodeFetchedChunk, UndecodableBatchError } from './decode.js';
import { RecordCopies } from './record-copies.js';
import { ConsumerEvents, type ConsumerEventSink } from './events.js';
import type { PartitionState } from './partition-state.js';
import { Signal } from './signal.js';
import { OffsetStrings } from '../decimal-strings.js';
import type {
  ConsumerRunConfig,
  EachBatchPayload,
  OffsetsByTopicPartition,
  PartitionAssignmentSource,
} from './types.js';

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * How long an idle worker waits before it looks again on its own. Everything that makes a partition
 * deliverable notifies the signal (data buffered, resume, a worker done) and a retry's backoff is waited
 * for exactly, so this is only a safety net.
 */
const IDLE_POLL_MS = 100;

/** Record bytes decoded per delivered batch: keeps messages young (cheap to collect) and batches large. */
const DELIVERY_SLICE_BYTES = 256 * 1024;

/** Each delivered batch's high watermark as a string, not by `String()`: why, in decimal-strings.ts. */
const highWatermarks = new OffsetStrings();

export interface RunnerDeps {
  logger: Logger;
  retry: ResolvedRetryOptions & { restartOnFailure?: (e: Error) => Promise<boolean> };
  source: PartitionAssignmentSource;
  /** A buffer was drained or a position moved: the fetcher may fetch more. */
  wakeFetcher: () => void;
  /** Pause via a payload's pause(); returns the resume function. */
  pausePartition: (state: PartitionState) => () => void;
  commitIfNecessary: (offsets?: OffsetsByTopicPartition) => Promise<void>;
  /**
   * The automatic commit once a fetch response's records were all delivered (autoCommit). Not awaited:
   * delivery goes on while the commit is on its way.
   */
  commitAfterFetch: () => void;
  uncommittedOffsets: () => OffsetsByTopicPartition;
  /** The consumer crashed; with `restart` false it must stop (the runner already has). */
  onCrash: (error: Error, restart: boolean) => void;
  /** Verify each fetched batch's CRC-32C before decoding it (ConsumerConfig.checkCrcs). */
  checkCrcs: boolean;
  /**
   * ConsumerConfig.reuseFetchBuffers: messages view the response, whose frame is let go once delivered.
   * Without it records are copied out as they are decoded and the frame is let go then.
   */
  reuseFetchBuffers: boolean;
  /** START_BATCH_PROCESS / END_BATCH_PROCESS go here. */
  events: ConsumerEventSink;
}

/** A slice taken for delivery. */
interface TakenBatch {
  batch: FetchedBatch | null;
  /** Nothing of the fetch is left to decode after this slice. */
  endsFetch: boolean;
  /** The partition's epoch when the slice was taken (a seek since makes it stale). */
  epoch: number;
  /** Offset after the slice's last batch, skipped ones included (for messages kept from before, their slice's). */
  nextOffset: number | null;
  /** reuseFetchBuffers: lets go of the fetch's frame once this, its last slice, was delivered. */
  release?: (() => void) | null;
}

export class Runner {
  readonly signal = new Signal();
  private running = false;
  private workers: Promise<void>[] = [];
  private cursor = 0;
  private states: PartitionState[] = [];
  /** Where records are copied out of responses (null with reuseFetchBuffers). */
  private readonly copies: RecordCopies | null;

  constructor(
    private readonly config: ConsumerRunConfig,
    private readonly deps: RunnerDeps,
  ) {
    this.copies = deps.reuseFetchBuffers ? null : new RecordCopies();
  }

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

  /** The next deliverable partition, round-robin, or the time (ms) when a backing-off one will be. */
  private next(now: number): PartitionState | number {
    const n = this.states.length;
    let wakeAt = now + IDLE_POLL_MS;
    for (let i = 0; i < n; i++) {
      const s = this.states[(this.cursor + i) % n]!;
      if (s.busy || s.paused || !s.hasData) continue;
      if (now < s.notBefore) {
        wakeAt = Math.min(wakeAt, s.notBefore);
        continue;
      }
      this.cursor = (this.cursor + i + 1) % n;
      return s;
    }
    return wakeAt;
  }

  /** Whether some partition has buffered records a worker could take now (backoff aside). */
  private anyDeliverable(): boolean {
    for (const s of this.states) if (!s.busy && !s.paused && s.hasData) return true;
    return false;
  }

  private async work(): Promise<void> {
    while (this.running) {
      const now = Date.now();
      const state = this.next(now);
      if (typeof state === 'number') {
        await this.signal.wait(state - now);
        continue;
      }
      if (!(await this.deliverNextSlice(state))) continue;
      // Let socket reads run between slices. Handlers that return at once make this loop a chain of
      // microtasks that never reaches the event loop's poll phase: the next fetch response would sit in
      // the kernel until every buffered record was delivered, and the next fetch would go out only then,
      // so receiving and delivering alternated instead of overlapping. With nothing left to deliver the
      // worker waits on the signal instead, which reaches the poll phase without a turn of its own.
      if (this.anyDeliverable()) await yieldToEventLoop();
    }
  }

  /**
   * Takes the partition's next slice and delivers it; false when there was none to take. A method of its
   * own so that nothing of the slice (its messages) stays referenced from work()'s suspended frame while
   * it yields to the event loop or waits for records: a scavenge there would copy the whole slice as
   * survivors (a dead local of an async function's loop body is kept across its next await).
   */
  private async deliverNextSlice(state: PartitionState): Promise<boolean> {
    state.busy = true;
    try {
      const taken = await this.takeBatch(state);
      if (!taken) return false;
      if (taken.batch) await this.deliver(state, taken.batch);
      // What is kept for later still ends where its slice ended: its trailing markers are skipped then.
      if (state.undelivered && state.epoch === taken.epoch) state.undeliveredNextOffset = taken.nextOffset;
      this.skipPast(state, taken);
      // reuseFetchBuffers: every slice of that fetch was handed out and its handlers resolved; messages kept
      // for delivery again still reference its bytes, and then it is simply not reused.
      if (taken.release && !state.undelivered) taken.release();
      // As kafkajs commits after each batch of a fetch response: once its last slice was delivered,
      // not after every slice (a commit is a round trip, and a response holds up to maxBytesPerPartition).
      // A last slice with nothing to deliver (a transaction marker, say) still commits what came before.
      // Unlike kafkajs the runner does not wait for the commit's answer before it delivers more: it commits
      // only positions whose handlers have resolved, so what it delivers meanwhile changes nothing of it.
      if (taken.endsFetch && this.config.autoCommit !== false) this.deps.commitAfterFetch();
      return true;
    } finally {
      state.busy = false;
      this.signal.notify(); // another worker may be waiting for this partition
    }
  }

  /**
   * The messages to deliver next: those kept from an earlier delivery, else the next decoded slice of the
   * partition's oldest buffered fetch (null, or a null batch: nothing to deliver). `endsFetch`: nothing of
   * that fetch is left to decode after this slice (always true for kept messages).
   */
  private async takeBatch(state: PartitionState): Promise<TakenBatch | null> {
    if (state.undelivered) {
      const kept = state.undelivered;
      const nextOffset = state.undeliveredNextOffset;
      state.undelivered = null;
      state.undeliveredNextOffset = null;
      return { batch: kept, endsFetch: true, epoch: state.epoch, nextOffset };
    }
    const entry = state.buffered[0]!;
    if (entry.epoch !== state.epoch) {
      state.buffered.shift();
      if (!entry.aliased) entry.release?.();
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
        entry.aborted,
        this.copies,
      );
    } catch (err) {
      this.onUndecodable(state, epoch, err);
      return null;
    }
    if (state.epoch !== epoch) {
      // A seek while this fetch was decoded dropped it (PartitionState.seek leaves the frame of a busy
      // partition's head fetch to this worker): the slice is dropped too, and unless a message views the
      // frame nothing references it any more.
      if (!entry.aliased && !chunk.aliases) entry.release?.();
      return null;
    }
    state.bufferedBytes -= chunk.pos - entry.pos;
    entry.pos = chunk.pos;
    const endsFetch = entry.pos >= entry.end;
    if (endsFetch) state.buffered.shift();
    let release = endsFetch ? entry.release : null;
    if (chunk.aliases) entry.aliased = true;
    if (release && this.copies) {
      // Every byte of the fetch was decoded: unless a message views it, nothing references the frame any more.
      if (!entry.aliased) release();
      release = null;
    }
    this.deps.wakeFetcher();
    // Only markers or aborted batches: nothing to deliver, but the position (what a commit stores) moves
    // past them (skipPast), as kafkajs resolves such batches, so a group's lag reaches 0 at a log ending in
    // a marker.
    if (chunk.messages.length === 0) return { batch: null, endsFetch, epoch, nextOffset: chunk.nextOffset, release };
    const batch = new FetchedBatch(
      state.topic,
      state.partition,
      highWatermarks.of(entry.highWatermark),
      chunk.messages,
      entry.fromOffset,
      chunk.offsets,
    );
    return { batch, endsFetch, epoch, nextOffset: chunk.nextOffset, release };
  }

  /**
   * Once every message of a slice was consumed (no seek since, nothing kept for redelivery), the position
   * moves on past the slice's trailing markers and aborted batches, which the application never sees.
   */
  private skipPast(state: PartitionState, taken: TakenBatch): void {
    if (taken.nextOffset === null || state.epoch !== taken.epoch || state.undelivered) return;
    const last = taken.batch ? Number(taken.batch.lastOffset()) : state.nextOffset - 1;
    if (state.nextOffset > last && taken.nextOffset > state.nextOffset) state.nextOffset = taken.nextOffset;
  }

  /** Hands `batch` to the handler, between START_BATCH_PROCESS and END_BATCH_PROCESS (built only if listened to). */
  private async deliver(state: PartitionState, batch: FetchedBatch): Promise<void> {
    const { events } = this.deps;
    const timed =
      events.listening(ConsumerEvents.START_BATCH_PROCESS) || events.listening(ConsumerEvents.END_BATCH_PROCESS);
    if (!timed) {
      if (this.config.eachBatch) await this.deliverBatch(state, batch, state.epoch);
      else await this.deliverMessages(state, batch, state.epoch);
      return;
    }
    const started = Date.now();
    const payload = {
      topic: batch.topic,
      partition: batch.partition,
      highWatermark: batch.highWatermark,
      offsetLag: batch.offsetLag(),
      offsetLagLow: batch.offsetLagLow(),
      batchSize: batch.messages.length,
      firstOffset: batch.firstOffset(),
      lastOffset: batch.lastOffset(),
    };
    events.emit(ConsumerEvents.START_BATCH_PROCESS, payload);
    const completed = this.config.eachBatch
      ? await this.deliverBatch(state, batch, state.epoch)
      : await this.deliverMessages(state, batch, state.epoch);
    if (completed) events.emit(ConsumerEvents.END_BATCH_PROCESS, { ...payload, duration: Date.now() - started });
  }

  /**
   * Returns false when the handler threw. Written with callbacks rather than a loop of `await`s: an
   * async handler's promise is followed with `then(resumed, failed)`, both made once per slice, where an
   * `await` allocates its own resume closures and context for every message (measured in bench/RESULTS.md).
   * The order is the same: the next message is handed over one microtask after the handler's promise
   * resolves, as after an `await`.
   */
  private deliverMessages(state: PartitionState, batch: FetchedBatch, epoch: number): Promise<boolean> {
    const eachMessage = this.config.eachMessage!;
    const { topic, partition } = state;
    const heartbeat = () => this.deps.source.heartbeat();
    const pause = () => this.deps.pausePartition(state);
    const { messages, offsets } = batch;
    return new Promise<boolean>((resolve, reject) => {
      // The message being handed over (or whose handler runs); everything before it was consumed.
      let i = 0;
      /** Message i's handler resolved: its position moves on, unless a seek moved the partition meanwhile. */
      const consumed = (): boolean => {
        if (state.epoch !== epoch) return false;
        state.nextOffset = offsets.at(i) + 1;
        state.retries?.reset();
        i++;
        return true;
      };
      const failed = (err: unknown): void => {
        this.onHandlerError(state, epoch, batch.from(offsets.at(i)), err).then(() => resolve(false), reject);
      };
      const next = (): void => {
        while (i < messages.length) {
          if (!this.running || state.epoch !== epoch) break; // stopping, or a seek moved the partition
          if (state.paused) {
            this.keep(state, batch.from(offsets.at(i)));
            break;
          }
          let result: unknown;
          try {
            result = eachMessage({ topic, partition, message: messages[i]!, heartbeat, pause });
          } catch (err) {
            failed(err);
            return;
          }
          // A handler that returns at once costs no microtask (and no suspension) per message.
          if (isThenable(result)) {
            // A promise settles once; another thenable might call back twice, so it is made a promise first.
            // (Promise.resolve alone would do both, but its constructor lookup costs every message more.)
            (result instanceof Promise ? result : Promise.resolve(result)).then(resumed, failed);
            return;
          }
          if (!consumed()) break;
        }
        resolve(true);
      };
      const resumed = (): void => {
        try {
          if (consumed()) next();
          else resolve(true);
        } catch (err) {
          reject(err);
        }
      };
      next();
    });
  }

  /** Returns false when the handler threw. */
  private async deliverBatch(state: PartitionState, batch: FetchedBatch, epoch: number): Promise<boolean> {
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
    try {
      await this.config.eachBatch!(payload);
    } catch (err) {
      await this.onHandlerError(state, epoch, batch.from(state.nextOffset), err);
      return false;
    }
    if (state.epoch !== epoch) return true;
    const last = Number(batch.lastOffset());
    if (this.config.eachBatchAutoResolve !== false) state.nextOffset = last + 1;
    state.retries?.reset();
    if (state.nextOffset <= last) this.keep(state, batch.from(state.nextOffset));
    return true;
  }

  /** Keeps what was not consumed, to deliver it again before anything else of the partition. */
  private keep(state: PartitionState, rest: FetchedBatch): void {
    if (rest.messages.length > 0) state.undelivered = rest;
  }

  /** The partition's retry chain (created on its first failure). */
  private retriesOf(state: PartitionState): RetrySchedule {
    state.retries ??= new RetrySchedule(this.deps.retry);
    return state.retries;
  }

  /**
   * A fetched batch cannot be decoded. It is fetched again after a backoff (bytes damaged on the way heal;
   * with checkCrcs such a batch is never delivered); once the retries are spent the consumer crashes
   * naming topic, partition and offset, rather than wait on the partition for ever with its lag frozen.
   */
  private onUndecodable(state: PartitionState, epoch: number, err: unknown): void {
    const { logger } = this.deps;
    const offset = String(err instanceof UndecodableBatchError ? err.baseOffset : state.nextOffset);
    const cause = (err instanceof UndecodableBatchError ? err.cause : err) as Error;
    const retries = this.retriesOf(state);
    const crashing = retries.exhausted;
    const wait = crashing ? 0 : retries.next();
    logger.error('cannot decode fetched records', {
      topic: state.topic,
      partition: state.partition,
      offset,
      attempt: retries.count + (crashing ? 1 : 0),
      error: cause.message,
      ...(crashing ? { crash: true } : { retryInMs: wait }),
    });
    if (state.epoch === epoch) {
      state.seek(state.nextOffset);
      this.deps.wakeFetcher();
    }
    state.notBefore = Date.now() + wait;
    if (!crashing) return;
    this.running = false;
    this.deps.onCrash(new SluiceCorruptBatchError(state.topic, state.partition, offset, cause), false);
  }

  /** eachMessage / eachBatch threw: `rest` (what it did not consume) is delivered again per `retry`. */
  private async onHandlerError(state: PartitionState, epoch: number, rest: FetchedBatch, err: unknown): Promise<void> {
    const { logger } = this.deps;
    const error = err instanceof Error ? err : new Error(String(err));
    if (state.epoch !== epoch) return; // a seek moved the partition: nothing to deliver again
    this.keep(state, rest);
    const handler = this.config.eachBatch ? 'eachBatch' : 'eachMessage';
    const where = { topic: state.topic, partition: state.partition, offset: rest.firstOffset() ?? undefined };
    if (!isRetriable(error)) {
      logger.error(`Error when calling ${handler}`, { ...where, error: error.message, crash: true });
      return this.crash(new SluiceNonRetriableError(error, { cause: error }), false);
    }
    const retries = this.retriesOf(state);
    if (!retries.exhausted) {
      const wait = retries.next();
      state.notBefore = Date.now() + wait;
      logger.error(`Error when calling ${handler}`, { ...where, error: error.message, retryInMs: wait });
      return;
    }
    const exceeded = new SluiceNumberOfRetriesExceeded(error, retries.count, retries.lastWait);
    const restart = await restartsAfterCrash(exceeded, this.deps.retry.restartOnFailure);
    logger.error(`Error when calling ${handler}`, {
      ...where,
      error: error.message,
      crash: true,
      ...(restart ? { restartInMs: exceeded.retryTime } : {}),
    });
    if (!restart) return this.crash(exceeded, false);
    // kafkajs restarts the consumer after the last wait; here the partition starts over after it.
    state.notBefore = Date.now() + exceeded.retryTime;
    retries.reset();
    this.deps.onCrash(exceeded, true);
  }

  private crash(error: Error, restart: boolean): void {
    this.running = false;
    this.signal.notify();
    this.deps.onCrash(error, restart);
  }
}
