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
// limit), not only the bytes answered.
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
import type { PartitionLog } from '../../../storage/index.js';
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

export function releaseAll(broker: BrokerContext, leases: Buffer[]): void {
  for (const lease of leases) broker.readBuffers.release(lease);
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

/**
 * `stream`: a FetchPush stream's read: a read-ahead made with a smaller byte limit than a partition's now answers
 * it, and each read takes its limit (the credit left) exactly instead of one lowered to a read size.
 */
export async function readAll(
  request: ReadRequest,
  broker: BrokerContext,
  ctx: RequestContext,
  readAhead: FetchReadAhead,
  stream = false,
): Promise<ReadRound> {
  const cap = broker.config.maxFetchBytes;
  // What the broker's memory budget has room for now: reserved before reading, so concurrent fetches
  // cannot all read a full response; at least 1 byte (the first batch still comes whole). When memory is
  // what limits the round (less reserved than asked), each read spends what it keeps alive; otherwise the
  // request's own limit counts record bytes.
  const limit = Math.min(request.maxBytes, cap);
  let budget = Math.max(1, ctx.responseMemory.reserve(limit));
  const memoryShort = budget < limit;
  let bytes = 0;
  let held = 0;
  let failed = false;
  const leases: Buffer[] = [];
  const next: ReadRound['next'] = [];
  // The result's arrays made at their size (a caught-up consumer reads once per burst: arrays of one, not
  // grown ones).
  let partitionCount = 0;
  for (let i = 0; i < request.topics.length; i++) partitionCount += request.topics[i]!.partitions.length;
  const positions = new Array<number>(partitionCount);
  const topics = new Array<FetchResponse['topics'][number]>(request.topics.length);
  let topicIndex = 0;
  let positionIndex = 0;
  for (const t of request.topics) {
    const partitions = new Array<FetchPartitionResult>(t.partitions.length);
    let partitionIndex = 0;
    topics[topicIndex++] = { name: t.name, partitions };
    // A refused topic fails the round, so the request is answered at once: checked (and audited) once.
    const refused = allowed(broker, ctx, 'Read', 'topic', t.name) ? null : denied('Read', 'topic', t.name, ctx);
    for (const p of t.partitions) {
      const position = positionIndex++;
      positions[position] = p.fetchOffset;
      if (refused) {
        failed = true;
        partitions[partitionIndex++] = { ...emptyResult(p.partition, -1, -1), ...refused, lastStableOffset: -1 };
        continue;
      }
      const log = broker.topics.log(t.name, p.partition) ?? broker.internalLog(t.name, p.partition);
      const notLeader = log && notLeaderError(broker, t.name, p.partition);
      if (!log || notLeader) {
        failed = true;
        const error =
          notLeader ||
          partitionError('UNKNOWN_TOPIC_OR_PARTITION', `${partitionName(t.name, p.partition)} does not exist`);
        partitions[partitionIndex++] = {
          partition: p.partition,
          ...error,
          highWatermark: -1,
          lastStableOffset: -1,
          logStartOffset: -1,
          abortedTransactions: null,
          records: [],
        };
        continue;
      }
      if (budget <= 0) {
        partitions[partitionIndex++] = emptyResult(p.partition, highWatermark(log), log.logStartOffset);
        continue;
      }
      try {
        // Only offsets below the high watermark are served (under flush=always: fsynced ones).
        const hw = highWatermark(log);
        const lso = lastStableOffset(log, hw);
        const committed = request.isolationLevel === 1;
        // No transaction open below the high watermark: read_committed reads what read_uncommitted reads
        // (read-ahead included); only the aborted transactions of the range are added.
        const stable = !committed || lso >= hw;
        const maxBytes = Math.min(p.partitionMaxBytes, cap, budget);
        // A consumer at the end has no read-ahead: no key, no promise for it.
        const ahead =
          stable && readAhead.size > 0
            ? await readAhead.take(partitionKey(t.name, p.partition), log, p.fetchOffset, maxBytes, stream)
            : null;
        const read =
          ahead ??
          (await log.read(p.fetchOffset, {
            maxBytes,
            maxOffset: committed ? lso : hw,
            pool: broker.readBuffers,
            oversizedFirstBatch: bytes === 0, // a later partition's batch over what is left would not be answered
            exactLimit: stream,
          }));
        const fits = bytes === 0 || read.bytes <= budget;
        const result = emptyResult(p.partition, Math.min(hw, read.logEndOffset), read.logStartOffset);
        result.lastStableOffset = Math.min(lso, result.highWatermark);
        if (committed) result.abortedTransactions = [];
        if (fits && read.bytes > 0) {
          result.records = read.chunks;
          positions[position] = read.nextOffset;
          if (committed) {
            result.abortedTransactions = log
              .abortedTransactions(p.fetchOffset, read.nextOffset)
              .map(({ producerId, firstOffset }) => ({ producerId, firstOffset }));
          }
          bytes += read.bytes;
          const holds = read.lease ? read.lease.length : read.bytes;
          held += holds;
          budget -= memoryShort ? holds : read.bytes;
          if (read.lease) {
            leases.push(read.lease);
            const nowVisible = highWatermark(log);
            if (stable && read.nextOffset < nowVisible)
              next.push({
                key: partitionKey(t.name, p.partition),
                log,
                offset: read.nextOffset,
                maxBytes,
                partitionMaxBytes: Math.min(p.partitionMaxBytes, cap),
                maxOffset: nowVisible,
              });
          }
        } else if (read.lease) {
          broker.readBuffers.release(read.lease); // not answered: nothing references it
        }
        partitions[partitionIndex++] = result;
      } catch (error) {
        failed = true;
        const wire = toPartitionError(error, partitionName(t.name, p.partition), ctx.logger);
        const hw = highWatermark(log);
        partitions[partitionIndex++] = {
          partition: p.partition,
          ...wire,
          highWatermark: hw,
          lastStableOffset: hw,
          logStartOffset: log.logStartOffset,
          abortedTransactions: null,
          records: [],
        };
      }
    }
  }
  ctx.responseMemory.hold(held);
  return { response: { errorCode: ErrorCode.NONE, topics }, bytes, held, failed, leases, next, positions };
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
