// FetchPush: a caught-up consumer's standing fetch (src/protocol/apis/fetch-push.ts). The stream reads
// its partitions from the request's positions, pushes every non-empty read as a frame of its own (written
// at once through RequestContext.push, ahead of the response order), moves each partition's position past
// what it pushed, and parks on the partitions' wake-ups (round.ts: arm before looking, so no append is
// missed) until the next append. So a record appended while the consumer is busy leaves at once, with no
// fetch request per burst.
//
// Bounds: each frame reads at most min(maxBytes, credit left) (the first batch always whole, as Fetch), so
// the stream pushes at most the credit the client granted plus one batch; out of credit it waits for
// FetchPushCredit (push-credit.ts) and reads nothing. Pushed frames are held in the connection's response
// budget until the socket has them, and at most MAX_UNWRITTEN_FRAMES of them wait for it: the next read
// starts once the socket took one, so a stream with much credit (a replay) reads as fast as the client
// receives, not as far ahead as its credit goes. The next frame's read starts as a frame is pushed
// (read-ahead.ts), sized by the credit left then (out of credit, by what the client's next grant leaves:
// nextFrameLimit); while the stream's reads lag (a cold file), so does the read of the frame after it, from
// where the segment's index says the first will end, two pool reads at once. A grant arriving in between
// only makes those reads shorter than the frames could have been, never re-read.
//
// Ends (the request's response, `final` true, written in response order after every pushed frame): after
// maxIdleMs with nothing pushed (the read's watermarks in it), on FetchPushCredit `end`, on a partition
// error (the final frame carries it: the client handles it as a Fetch error), when the broker stops; a
// closed connection ends it with nothing written.
//
// Quotas: with any quota configured, the first non-empty read is the final frame itself (the stream is a
// long poll of one answer), so every answer passes the wire's throttling like a Fetch's.
import { FetchPushApi, type FetchPushRequest, type FetchPushResponse, ProtocolError } from '../../protocol/index.js';
import { fetchChannel } from '../diagnostics.js';
import { type Answer, defineHandler } from '../handlers/types.js';
import { roomToWaitFor } from './memory-room.js';
import { PushWait } from './push-wait.js';
import {
  holdsAny,
  movedSince,
  partitionKeys,
  publishFetched,
  type ReadRequest,
  type ReadRound,
  readAll,
  releaseAll,
  visibleEnds,
} from './round.js';

/** The request's partitions with positions of their own, moved as the stream pushes. */
function positionsOf(request: FetchPushRequest): ReadRequest {
  return {
    maxBytes: request.maxBytes,
    isolationLevel: request.isolationLevel,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ ...p })),
    })),
  };
}

function allHaveRecords(topics: FetchPushResponse['topics']): boolean {
  for (const t of topics) for (const p of t.partitions) if (p.records.length === 0) return false;
  return true;
}

/** A pushed frame names only the partitions it carries records of (the final frame names them all). */
function withRecords(topics: FetchPushResponse['topics']): FetchPushResponse['topics'] {
  // Usually every partition read has records (a caught-up stream of one partition): the same array.
  if (allHaveRecords(topics)) return topics;
  const out: FetchPushResponse['topics'] = [];
  for (const t of topics) {
    const partitions = t.partitions.filter((p) => p.records.length > 0);
    if (partitions.length > 0) out.push({ name: t.name, partitions });
  }
  return out;
}

/**
 * Whether every position stands exactly at its partition's high watermark as `ends` (visibleEnds) saw it:
 * a read would find nothing. A missing log or a position past the end is left to the read (its error).
 */
function atEnds(reading: ReadRequest, ends: readonly unknown[]): boolean {
  let i = 0;
  for (const t of reading.topics) {
    for (const p of t.partitions) {
      if (ends[i] === undefined || ends[i] === null || p.fetchOffset !== ends[i + 1]) return false;
      i += 2;
    }
  }
  return true;
}

function advance(reading: ReadRequest, positions: readonly number[]): void {
  let i = 0;
  for (const t of reading.topics) for (const p of t.partitions) p.fetchOffset = positions[i++]!;
}

/**
 * What the next frame may carry, for its read-ahead: the credit left, up to maxBytes (a grant only raises it,
 * and a shorter read-ahead answers: readAll's `stream`). Out of credit (at or below 0: the last frame's first
 * batch, always whole, went past it), a frame's worth less that overshoot: the SDK grants once a frame's worth
 * of its window is free, which brings the credit to at least that, and a read-ahead of a whole frame would
 * then be dropped and read again whenever its bytes came out above it. A larger overshoot than a frame: a
 * whole frame's worth (a guess either way).
 */
function nextFrameLimit(maxBytes: number, credit: number): number {
  if (credit > 0) return Math.min(maxBytes, credit);
  return maxBytes + credit > 0 ? maxBytes + credit : maxBytes;
}

/** Frames a stream keeps waiting for the socket at most (one being written, the next ready). */
const MAX_UNWRITTEN_FRAMES = 2;

export const fetchPushHandler = defineHandler(FetchPushApi, async (request, broker, ctx) => {
  if (!ctx.push) throw new ProtocolError('UNSUPPORTED_VERSION', 'FetchPush is served on the native protocol only');
  const streamId = ctx.header.correlationId;
  const stream = broker.fetchSessions.openStream(ctx, streamId, request.creditBytes);
  const oneAnswer = !broker.quotas.throttler.idle;
  const readAhead = broker.fetchSessions.readAheadOf(ctx);
  const keys = partitionKeys(request);
  if (readAhead.size > 0) readAhead.retainOnly(new Set(keys));
  const reading = positionsOf(request);
  const final = (round: ReadRound | null): Answer<FetchPushResponse> => {
    if (!round) return { errorCode: 0, final: true, topics: [] };
    if (holdsAny(round)) ctx.afterResponse((written) => releaseAll(broker, round, written));
    if (fetchChannel.hasSubscribers) publishFetched(round.response);
    return { ...round.response, final: true };
  };
  let lastPush = performance.now();
  const pushWait = new PushWait(keys, stream, broker, ctx.signal);
  try {
    for (;;) {
      if (stream.ended || broker.stopping || ctx.signal.aborted) return final(null);
      const idleLeft = request.maxIdleMs - (performance.now() - lastPush);
      if ((stream.credit <= 0 || stream.unwritten >= MAX_UNWRITTEN_FRAMES) && !oneAnswer) {
        // Out of credit: nothing is read until the client grants more (or the idle time runs out). Frames
        // the socket has not taken yet: the next is read once it took one.
        if (idleLeft <= 0) return final(null);
        pushWait.arm(false);
        try {
          if (!(await pushWait.wait(idleLeft))) return final(null);
        } finally {
          pushWait.cancel();
        }
        continue;
      }
      const before = visibleEnds(reading, broker);
      // Every position at its partition's end (the usual case right after a push): nothing to read yet.
      let round: ReadRound | null = null;
      if (!atEnds(reading, before)) {
        reading.maxBytes = oneAnswer ? request.maxBytes : Math.min(request.maxBytes, stream.credit);
        // No room in the memory budget for the frame's first read: wait for it (memory-room.ts) while the
        // stream may still idle, then look again; past that, read as before.
        const room = idleLeft > 0 ? roomToWaitFor(reading, ctx, readAhead, broker.config) : 0;
        if (room > 0) {
          pushWait.armRoom(ctx.responseMemory, room);
          try {
            await pushWait.wait(idleLeft);
          } finally {
            pushWait.cancel();
          }
          continue;
        }
        const read = readAll(reading, broker, ctx, readAhead, true);
        round = read instanceof Promise ? await read : read;
        if (round.failed || (oneAnswer && round.bytes > 0)) return final(round);
        if (round.bytes > 0) {
          stream.spend(round.bytes);
          advance(reading, round.positions);
          // Read ahead what the next frame may carry (nextFrameLimit). The frame after it, with what credit
          // the next one leaves at least, if any (a read-ahead larger than the credit when it is taken would
          // be dropped and read again).
          const nextLimit = nextFrameLimit(request.maxBytes, stream.credit);
          const followingLimit = Math.min(request.maxBytes, stream.credit - nextLimit);
          for (const n of round.next) {
            const limit = Math.min(n.partitionMaxBytes, nextLimit);
            const following = Math.min(n.partitionMaxBytes, followingLimit);
            readAhead.start(n.key, n.log, n.offset, limit, n.maxOffset, true, following);
          }
          if (fetchChannel.hasSubscribers) publishFetched(round.response);
          const frame = FetchPushApi.encodeResponseFrame(streamId, {
            errorCode: 0,
            final: false,
            throttleTimeMs: 0,
            topics: withRecords(round.response.topics),
          });
          const holds = holdsAny(round) ? round : null;
          const written = (ok: boolean) => {
            if (holds) releaseAll(broker, holds, ok);
            if (ok) stream.written();
          };
          stream.pushed();
          // The frame's bytes now count as a pushed frame's (until written), no longer as this request's.
          const pushed = ctx.push(frame, round.held, written);
          ctx.responseMemory.hold(0);
          if (!pushed) {
            if (holds) releaseAll(broker, holds); // nothing was written: nothing references its buffers
            return final(null);
          }
          lastPush = performance.now();
          continue;
        }
      }
      // The final frame of an idle stream carries the watermarks of a read (the last one, or one made now).
      if (idleLeft <= 0) return final(round ?? (await readAll(reading, broker, ctx, readAhead, true)));
      pushWait.arm(true);
      try {
        if (movedSince(before, reading, broker)) {
          if (round) releaseAll(broker, round); // read again at once
          continue;
        }
        // Timed out: nothing was appended since the arming, nor between the read and it: the read stands.
        if (!(await pushWait.wait(idleLeft)))
          return final(round ?? (await readAll(reading, broker, ctx, readAhead, true)));
        if (round) releaseAll(broker, round);
      } finally {
        pushWait.cancel();
      }
    }
  } finally {
    pushWait.close();
    broker.fetchSessions.closeStream(ctx, streamId, stream);
  }
});
