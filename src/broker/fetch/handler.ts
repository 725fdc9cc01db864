// Fetch: whole record batches from each partition, as storage chunks written to the socket untouched.
// The read itself, its limits and isolation are round.ts's.
//
// Long poll: when fewer than minBytes are available, the request waits up to maxWaitMs, woken by appends
// to any of its partitions (round.ts: arm, visibleEnds, movedSince). A fetch that its first read
// satisfies (a consumer catching up) never touches the waiters.
//
// Memory: a fetch that finds no room in the broker's memory budget for its first read waits for it within
// its maxWait (memory-room.ts), then reads.
//
// Read-ahead: a partition answered from a file with more readable behind it gets its next chunk read
// at once (src/broker/fetch/read-ahead.ts), for this connection's next fetch, which takes it when it
// asks for exactly that chunk. Started only for answered rounds, after the answer is decided.
import { FetchApi } from '../../protocol/index.js';
import { fetchChannel } from '../diagnostics.js';
import { defineHandler } from '../handlers/types.js';
import { roomToWaitFor, waitForRoom } from './memory-room.js';
import { arm, holdsAny, movedSince, partitionKeys, publishFetched, readAll, releaseAll, visibleEnds } from './round.js';

export const fetchHandler = defineHandler(FetchApi, async (request, broker, ctx) => {
  const started = performance.now();
  const readAhead = broker.fetchSessions.readAheadOf(ctx);
  let keys: string[] | undefined;
  if (readAhead.size > 0) readAhead.retainOnly(new Set((keys = partitionKeys(request))));
  for (;;) {
    const canWait = request.maxWaitMs > 0 && !broker.stopping && !ctx.signal.aborted;
    if (canWait) {
      // No room in the memory budget for the first read: wait for it within maxWait (memory-room.ts).
      const room = roomToWaitFor(request, ctx, readAhead, broker.config);
      const left = request.maxWaitMs - (performance.now() - started);
      if (room > 0 && left > 0) await waitForRoom(ctx.responseMemory, room, left, broker, ctx.signal);
    }
    const before = canWait ? visibleEnds(request, broker) : undefined;
    const reading = readAll(request, broker, ctx, readAhead);
    const round = reading instanceof Promise ? await reading : reading;
    const answer = () => {
      // Record chunks may be views of pool buffers (reusable only once the socket write carrying them is done)
      // and of the tail cache's slabs (pinned until then).
      if (holdsAny(round)) ctx.afterResponse((written) => releaseAll(broker, round, written));
      for (const n of round.next) readAhead.start(n.key, n.log, n.offset, n.maxBytes, n.maxOffset);
      if (fetchChannel.hasSubscribers) publishFetched(round.response);
      return round.response;
    };
    const remaining = request.maxWaitMs - (performance.now() - started);
    if (
      !before ||
      round.failed ||
      round.bytes >= request.minBytes ||
      remaining <= 0 ||
      broker.stopping ||
      ctx.signal.aborted
    )
      return answer();
    // Too little: arm, then look whether something became visible during the read (it would not have
    // woken a waiter that did not exist yet). A fetch answered by its first read never registers.
    const armed = arm((keys ??= partitionKeys(request)), broker, ctx.signal);
    try {
      if (movedSince(before, request, broker)) {
        releaseAll(broker, round); // this round is read again, its response dropped
        continue;
      }
      const woke = await armed.wait(remaining);
      // Timed out: nothing was appended since the arming (it would have woken us), nor between the
      // read and the arming (movedSince), so the read still stands.
      if (!woke) return answer();
      releaseAll(broker, round);
    } finally {
      armed.cancel();
    }
  }
});
