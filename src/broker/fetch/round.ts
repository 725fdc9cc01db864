// One read of every partition a fetch names (readAll), and the wake-up machinery around it, shared by
// Fetch (handler.ts: one answer per request) and FetchPush (push.ts: a stream of answers).
//
// Wake-ups: a read that found too little is followed by arm() on every partition (PartitionWaiters),
// never by a timer polling storage. To not miss an append that lands between "read found too little" and
// "start waiting", each partition's high watermark (and log) is noted before the read (visibleEnds);
// after the waiter is armed the marks are compared (movedSince): if any moved, the caller reads again at
// once, else every later append wakes it.
//
// Limits: partitionMaxBytes per partition and maxBytes for the whole response, except that storage
// always returns the first batch whole, so the first non-empty partition may exceed both (Kafka's rule:
// a consumer can always make progress). A later partition whose batches would overshoot the response
// budget is answered empty (with its watermarks) rather than truncated. Both limits are first clamped
// to the broker's maxFetchBytes (Kafka's fetch.max.bytes), then to what the broker's memory budget has
// room for (memory-budget.ts; reserved before reading, then held until the response is written), so
// fetches read less, never more, when memory is short. What is held is the memory the answer keeps alive:
// a read answered as a view of a pool buffer keeps that whole buffer (its size class, sized for the read's
// limit), not only the bytes answered. A read answered from the tail cache pins the slabs it views instead
// (ReadResult.pins, released with the pool buffers): the caches' budget counts them until then.
//
// Isolation (Kafka's isolation_level): read_uncommitted (0) reads up to the high watermark; read_committed
// (1) only up to the last stable offset (the first offset of a transaction still open, else the high
// watermark) and gets the aborted transactions overlapping what it read, whose batches the client drops.
// Read-ahead (read-ahead.ts) serves read_uncommitted reads only (its chunks were read up to the high
// watermark).
//
// The broker's internal topics (`__consumer_offsets`, `__activity`) are served from their own logs,
// read-only; with authorization on, reading one needs Read on it like any topic.
import { notLeaderError } from '../cluster/leadership.js';
import { type PartitionLog, type ReadResult, releaseRead, type SlabPins } from '../../../storage/index.js';
import { ErrorCode, type FetchPartitionResult, type FetchRequest, type FetchResponse } from '../../protocol/index.js';
import { fetchChannel, type FetchEvent } from '../diagnostics.js';
import { partitionError, toPartitionError } from '../handlers/storage-errors.js';
import type { Answer, BrokerContext, RequestContext } from '../handlers/types.js';
import { partitionKey, partitionName } from '../partition-key.js';
import { onAbort } from './abort-hooks.js';
import { highWatermark, lastStableOffset } from '../high-watermark.js';
import type { FetchReadAhead } from './read-ahead.js';
import { allowed, denied } from '../security/acl/authorize.js';

/** What one read needs of a request: its limits, isolation and partitions with their positions. */
export type ReadRequest = Pick<FetchRequest, 'maxBytes' | 'isolationLevel' | 'topics'>;

export interface ReadRound {
  response: Answer<FetchResponse>;
  /** Record bytes answered. */
  bytes: number;
  /** Memory the answer keeps alive: `bytes`, with each pool buffer its records are views of counted whole. */
  held: number;
  /** Some partition answered an error: respond at once (Kafka does the same). */
  failed: boolean;
  /** Pool buffers the response's records are views of: back to the pool once the response is written. */
  leases: Buffer[];
  /** Tail cache slabs the response's records are views of, pinned: released once the response is written. */
  pins: SlabPins[];
  /**
   * Partitions answered from a file with more readable: their next chunk, to read ahead if answered.
   * `partitionMaxBytes`: the partition's own limit (the request's, within the broker's maxFetchBytes), which
   * `maxBytes` (this round's) may be below.
   */
  next: Array<{
    key: string;
    log: PartitionLog;
    offset: number;
    maxBytes: number;
    partitionMaxBytes: number;
    maxOffset: number;
  }>;
  /** Each requested partition's next offset to read, in request order: after what was answered, else its fetchOffset. */
  positions: number[];
}

/** The round's answer keeps pool buffers or pinned slabs: releaseAll() once its response is done with. */
export function holdsAny(round: ReadRound): boolean {
  return round.leases.length > 0 || round.pins.length > 0;
}

/**
 * Gives back what the round's answer keeps, once: its slab pins, and its pool buffers unless `reusable` is
 * false (a write that failed may still reference them: the GC frees them instead).
 */
export function releaseAll(broker: BrokerContext, round: ReadRound, reusable = true): void {
  if (reusable) for (const lease of round.leases) broker.readBuffers.release(lease);
  for (const pins of round.pins) pins.release();
}

function emptyResult(partition: number, highWatermark: number, logStartOffset: number): FetchPartitionResult {
  return {
    partition,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    highWatermark,
    lastStableOffset: highWatermark,
    logStartOffset,
    abortedTransactions: null,
    records: [],
  };
}

/** readAll's state across the partitions of one round (kept while a partition's read waits for a file). */
interface Round {
  readonly request: ReadRequest;
  readonly broker: BrokerContext;
  readonly ctx: RequestContext;
  readonly readAhead: FetchReadAhead;
  readonly stream: boolean;
  readonly memoryShort: boolean;
  budget: number;
  bytes: number;
  held: number;
  failed: boolean;
  readonly leases: Buffer[];
  readonly pins: SlabPins[];
  readonly next: ReadRound['next'];
  readonly positions: number[];
  readonly topics: FetchResponse['topics'][number][];
  /** The current topic's refusal (null: allowed), checked (and audited) once per topic. */
  refused: ReturnType<typeof denied> | null;
  /** The next partition's index in request order (positions). */
  position: number;
}

/**
 * One read of every partition of the request. Not an async function: when every partition is served from
 * memory (the tail cache, or nothing to read: a caught-up consumer's every read), the round is returned in
 * this call; only a read that needs a file (or a read-ahead) makes it a promise, from that partition on.
 *
 * `stream`: a FetchPush stream's read: a read-ahead made with a smaller byte limit than a partition's now answers
 * it, and each read takes its limit (the credit left) exactly instead of one lowered to a read size.
 */
export function readAll(
  request: ReadRequest,
  broker: BrokerContext,
  ctx: RequestContext,
  readAhead: FetchReadAhead,
  stream = false,
): ReadRound | Promise<ReadRound> {
  const cap = broker.config.maxFetchBytes;
  // What the broker's memory budget has room for now: reserved before reading, so concurrent fetches
  // cannot all read a full response; at least 1 byte (the first batch still comes whole). When memory is
  // what limits the round (less reserved than asked), each read spends what it keeps alive; otherwise the
  // request's own limit counts record bytes.
  const limit = Math.min(request.maxBytes, cap);
  const budget = Math.max(1, ctx.responseMemory.reserve(limit));
  // The result's arrays made at their size (a caught-up consumer reads once per burst: arrays of one, not
  // grown ones).
  let partitionCount = 0;
  for (let i = 0; i < request.topics.length; i++) partitionCount += request.topics[i]!.partitions.length;
  const round: Round = {
    request,
    broker,
    ctx,
    readAhead,
    stream,
    memoryShort: budget < limit,
    budget,
    bytes: 0,
    held: 0,
    failed: false,
    leases: [],
    pins: [],
    next: [],
    positions: new Array<number>(partitionCount),
    topics: new Array<FetchResponse['topics'][number]>(request.topics.length),
    refused: null,
    position: 0,
  };
  return readFrom(round, 0, 0);
}

/** Reads the round's partitions from the `partitionIndex`th of its `topicIndex`th topic on. */
function readFrom(round: Round, topicIndex: number, partitionIndex: number): ReadRound | Promise<ReadRound> {
  const { request, broker, ctx } = round;
  for (let ti = topicIndex; ti < request.topics.length; ti++) {
    const t = request.topics[ti]!;
    if (partitionIndex === 0) {
      round.topics[ti] = { name: t.name, partitions: new Array<FetchPartitionResult>(t.partitions.length) };
      // A refused topic fails the round, so the request is answered at once.
      round.refused = allowed(broker, ctx, 'Read', 'topic', t.name) ? null : denied('Read', 'topic', t.name, ctx);
    }
    for (let pi = partitionIndex; pi < t.partitions.length; pi++) {
      const reading = readPartition(round, ti, pi);
      if (reading) return reading.then(() => readFrom(round, ti, pi + 1));
    }
    partitionIndex = 0;
  }
  ctx.responseMemory.hold(round.held);
  const { bytes, held, failed, leases, pins, next, positions } = round;
  return {
    response: { errorCode: ErrorCode.NONE, topics: round.topics },
    bytes,
    held,
    failed,
    leases,
    pins,
    next,
    positions,
  };
}

/** Answers one partition into the round: in this call (undefined), or once its read from a file is done. */
function readPartition(round: Round, topicIndex: number, partitionIndex: number): Promise<void> | undefined {
  const { request, broker } = round;
  const t = request.topics[topicIndex]!;
  const p = t.partitions[partitionIndex]!;
  const partitions = round.topics[topicIndex]!.partitions;
  const position = round.position++;
  round.positions[position] = p.fetchOffset;
  if (round.refused) {
    round.failed = true;
    partitions[partitionIndex] = { ...emptyResult(p.partition, -1, -1), ...round.refused, lastStableOffset: -1 };
    return undefined;
  }
  const log = broker.topics.log(t.name, p.partition) ?? broker.internalLog(t.name, p.partition);
  const notLeader = log && notLeaderError(broker, t.name, p.partition);
  if (!log || notLeader) {
    round.failed = true;
    const error =
      notLeader || partitionError('UNKNOWN_TOPIC_OR_PARTITION', `${partitionName(t.name, p.partition)} does not exist`);
    partitions[partitionIndex] = {
      partition: p.partition,
      ...error,
      highWatermark: -1,
      lastStableOffset: -1,
      logStartOffset: -1,
      abortedTransactions: null,
      records: [],
    };
    return undefined;
  }
  if (round.budget <= 0) {
    partitions[partitionIndex] = emptyResult(p.partition, highWatermark(log), log.logStartOffset);
    return undefined;
  }
  try {
    // Only offsets below the high watermark are served (under flush=always: fsynced ones).
    const hw = highWatermark(log);
    const lso = lastStableOffset(log, hw);
    const committed = request.isolationLevel === 1;
    // No transaction open below the high watermark: read_committed reads what read_uncommitted reads
    // (read-ahead included); only the aborted transactions of the range are added.
    const stable = !committed || lso >= hw;
    const maxBytes = Math.min(p.partitionMaxBytes, broker.config.maxFetchBytes, round.budget);
    const options = {
      maxBytes,
      maxOffset: committed ? lso : hw,
      pool: broker.readBuffers,
      oversizedFirstBatch: round.bytes === 0, // a later partition's batch over what is left would not be answered
      exactLimit: round.stream,
      // The answer may wait long for a client that does not read: its views of cached slabs keep them counted.
      pin: true,
    };
    // A consumer at the end has no read-ahead: no key, no promise for it.
    const fromReadAhead = stable && round.readAhead.size > 0;
    const now = fromReadAhead ? null : log.readNow(p.fetchOffset, options);
    if (now) {
      answerRead(round, topicIndex, partitionIndex, position, log, hw, lso, maxBytes, now);
      return undefined;
    }
    // A read from a file or a read-ahead.
    const read = fromReadAhead
      ? round.readAhead
          .take(partitionKey(t.name, p.partition), log, p.fetchOffset, maxBytes, round.stream)
          .then((ahead) => ahead ?? log.read(p.fetchOffset, options))
      : log.read(p.fetchOffset, options);
    return read.then(
      (done) => {
        try {
          answerRead(round, topicIndex, partitionIndex, position, log, hw, lso, maxBytes, done);
        } catch (error) {
          answerFailure(round, topicIndex, partitionIndex, log, error);
        }
      },
      (error: unknown) => answerFailure(round, topicIndex, partitionIndex, log, error),
    );
  } catch (error) {
    answerFailure(round, topicIndex, partitionIndex, log, error);
    return undefined;
  }
}

/** A partition's read into its result (`hw` and `lso` as they were before the read). */
function answerRead(
  round: Round,
  topicIndex: number,
  partitionIndex: number,
  position: number,
  log: PartitionLog,
  hw: number,
  lso: number,
  maxBytes: number,
  read: ReadResult,
): void {
  const t = round.request.topics[topicIndex]!;
  const p = t.partitions[partitionIndex]!;
  const committed = round.request.isolationLevel === 1;
  const stable = !committed || lso >= hw;
  const fits = round.bytes === 0 || read.bytes <= round.budget;
  const result = emptyResult(p.partition, Math.min(hw, read.logEndOffset), read.logStartOffset);
  result.lastStableOffset = Math.min(lso, result.highWatermark);
  if (committed) result.abortedTransactions = [];
  if (fits && read.bytes > 0) {
    result.records = read.chunks;
    round.positions[position] = read.nextOffset;
    if (committed) {
      result.abortedTransactions = log
        .abortedTransactions(p.fetchOffset, read.nextOffset)
        .map(({ producerId, firstOffset }) => ({ producerId, firstOffset }));
    }
    round.bytes += read.bytes;
    if (read.pins) round.pins.push(read.pins);
    const holds = read.lease ? read.lease.length : read.bytes;
    round.held += holds;
    round.budget -= round.memoryShort ? holds : read.bytes;
    if (read.lease) {
      round.leases.push(read.lease);
      const nowVisible = highWatermark(log);
      if (stable && read.nextOffset < nowVisible)
        round.next.push({
          key: partitionKey(t.name, p.partition),
          log,
          offset: read.nextOffset,
          maxBytes,
          partitionMaxBytes: Math.min(p.partitionMaxBytes, round.broker.config.maxFetchBytes),
          maxOffset: nowVisible,
        });
    }
  } else releaseRead(read, round.broker.readBuffers); // not answered: nothing references it
  round.topics[topicIndex]!.partitions[partitionIndex] = result;
}

/** A partition whose read failed: its error, the round answered at once. */
function answerFailure(
  round: Round,
  topicIndex: number,
  partitionIndex: number,
  log: PartitionLog,
  error: unknown,
): void {
  const t = round.request.topics[topicIndex]!;
  const p = t.partitions[partitionIndex]!;
  round.failed = true;
  const wire = toPartitionError(error, partitionName(t.name, p.partition), round.ctx.logger);
  const hw = highWatermark(log);
  round.topics[topicIndex]!.partitions[partitionIndex] = {
    partition: p.partition,
    ...wire,
    highWatermark: hw,
    lastStableOffset: hw,
    logStartOffset: log.logStartOffset,
    abortedTransactions: null,
    records: [],
  };
}

/**
 * What each partition of the request shows consumers right now: its log and high watermark, flat
 * ([log, end, log, end, …]). Taken before a read; if, after the wake-ups were armed, any of it differs, an
 * append (or a deletion) landed between the read and the arming and the request reads again instead of waiting.
 */
export function visibleEnds(request: ReadRequest, broker: BrokerContext): unknown[] {
  let partitions = 0;
  for (let i = 0; i < request.topics.length; i++) partitions += request.topics[i]!.partitions.length;
  const ends = new Array<unknown>(2 * partitions);
  let i = 0;
  for (const t of request.topics) {
    for (const p of t.partitions) {
      const log = broker.topics.log(t.name, p.partition) ?? broker.internalLog(t.name, p.partition);
      ends[i++] = log;
      ends[i++] = log ? highWatermark(log) : -1;
    }
  }
  return ends;
}

export function movedSince(ends: unknown[], request: ReadRequest, broker: BrokerContext): boolean {
  let i = 0;
  for (const t of request.topics) {
    for (const p of t.partitions) {
      const log = broker.topics.log(t.name, p.partition) ?? broker.internalLog(t.name, p.partition);
      if (log !== ends[i] || (log ? highWatermark(log) : -1) !== ends[i + 1]) return true;
      i += 2;
    }
  }
  return false;
}

export interface Armed {
  /** Resolves true when woken by an append, false when the time ran out. */
  wait(timeoutMs: number): Promise<boolean>;
  cancel(): void;
}

/**
 * Registers a wake-up on every partition of the request (after a read found too little; see the file
 * comment). `signal` (the connection closing) ends the wait like a timeout: nobody is left to answer.
 * `keys`: the request's partition keys, computed once per request however often it waits.
 */
export function arm(keys: readonly string[], broker: BrokerContext, signal: AbortSignal): Armed {
  return armWake(
    (wake) => broker.waiters.registerKeys(keys, wake),
    () => broker.stopping,
    signal,
  );
}

/**
 * A wait that what `register` registers can wake (register returns its own undoing); `settled` true at the
 * start of a wait answers at once, as woken. `signal` ends the wait like a timeout.
 */
export function armWake(
  register: (wake: () => void) => () => void,
  settled: () => boolean,
  signal: AbortSignal,
): Armed {
  let woken = false;
  let resolveWait: ((woke: boolean) => void) | undefined;
  const unregister = register(() => {
    woken = true;
    resolveWait?.(true);
  });
  let timer: NodeJS.Timeout | undefined;
  let unhook: (() => void) | undefined;
  return {
    wait(timeoutMs) {
      if (woken || settled()) return Promise.resolve(true);
      if (signal.aborted) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        resolveWait = resolve;
        timer = setTimeout(() => resolve(false), timeoutMs);
        unhook = onAbort(signal, () => resolve(false));
      });
    },
    cancel() {
      unregister();
      if (timer) clearTimeout(timer);
      unhook?.();
    },
  };
}

/** Keys of the partitions a request asks for (read-aheads of other partitions are dropped; wake-ups). */
export function partitionKeys(request: ReadRequest): string[] {
  const keys: string[] = [];
  for (const t of request.topics) for (const p of t.partitions) keys.push(partitionKey(t.name, p.partition));
  return keys;
}

/** Each answered partition's bytes (and record chunks, for counting records) to the fetch channel. */
export function publishFetched(response: Answer<FetchResponse>): void {
  for (const t of response.topics) {
    for (const p of t.partitions) {
      let bytes = 0;
      for (const chunk of p.records) bytes += chunk.length;
      if (bytes === 0 && p.errorCode === ErrorCode.NONE) continue;
      const event: FetchEvent = {
        topic: t.name,
        partition: p.partition,
        bytes,
        chunks: p.records,
        errorCode: p.errorCode,
      };
      fetchChannel.publish(event);
    }
  }
}
