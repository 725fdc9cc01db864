// A fetch that finds no room in the broker's memory budget for its first read (memory-budget.ts) waits for
// it, as it waits for data, instead of reading one batch over the budget: with many consumers replaying,
// those batches were most of what the budget did not bound (each fetch answered while the budget was spent
// held a whole batch until the socket took it).
//
// The room asked for is what the request's first partition may read, at most a batch of the topics' default
// max.message.bytes (firstReadBytes) and a quarter of the budget (MemoryBudget.fetchRoom): a fetch that could
// read a useful answer within what is free does not wait for more. It is taken in the budget when granted
// and kept by the request's next reserve() (ResponseMemory.whenRoom), so fetches woken by one release do not
// all read into the same room. The wait is bounded like the fetch's own (its maxWait;
// a stream's idle time): when it runs out, the fetch reads as before, one batch at least. A fetch that holds
// a read-ahead does not wait (its chunk is in the budget already).
//
// No deadlock: a waiting fetch holds only its request frame; the room comes from responses the sockets take
// (memory-budget.ts), and the wait ends at its deadline whatever happens.
import type { BrokerConfig } from '../config.js';
import type { BrokerContext, RequestContext, ResponseMemory } from '../handlers/types.js';
import { onAbort } from './abort-hooks.js';
import type { FetchReadAhead } from './read-ahead.js';
import type { ReadRequest } from './round.js';

/**
 * The room this fetch must wait for before its read (0: none, read now): none when it holds a read-ahead or
 * the budget has room for its first read (firstReadBytes).
 */
export function roomToWaitFor(
  request: ReadRequest,
  ctx: RequestContext,
  readAhead: FetchReadAhead,
  config: BrokerConfig,
): number {
  if (readAhead.size > 0) return 0;
  const room = firstReadBytes(request, config);
  return ctx.responseMemory.hasRoom(room) ? 0 : room;
}

/**
 * The room a fetch waits for: what its first read may take (its limit within the broker's maxFetchBytes and
 * a partition's), at most one batch of the topics' default max.message.bytes.
 */
function firstReadBytes(request: ReadRequest, config: BrokerConfig): number {
  let partitionMax = 0;
  for (const t of request.topics)
    for (const p of t.partitions) partitionMax = Math.max(partitionMax, p.partitionMaxBytes);
  const limit = Math.min(request.maxBytes, config.maxFetchBytes, partitionMax, config.topicDefaults.maxMessageBytes);
  return Math.max(1, limit);
}

/**
 * Resolves true once room for `bytes` is taken for this request's response, false when `timeoutMs` ran out,
 * the connection closed or the broker is stopping (nothing taken then).
 */
export function waitForRoom(
  memory: ResponseMemory,
  bytes: number,
  timeoutMs: number,
  broker: BrokerContext,
  signal: AbortSignal,
): Promise<boolean> {
  if (signal.aborted || broker.stopping) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const settle = (granted: boolean) => {
      clearTimeout(timer);
      cancelRoom();
      unhook();
      broker.waiters.removeStop(stopped);
      resolve(granted);
    };
    const stopped = () => settle(false);
    const cancelRoom = memory.whenRoom(bytes, () => settle(true));
    const timer = setTimeout(stopped, timeoutMs);
    const unhook = onAbort(signal, stopped);
    broker.waiters.addStop(stopped);
  });
}
