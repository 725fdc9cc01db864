// What a wire does with a served request when quotas are configured (both wires, the same way): account
// it (throttler.ts) and, if its sender is over a quota, put the throttle in the response's throttleTimeMs
// (Kafka's throttle_time_ms; the native Produce and Fetch responses carry it too) and hold the connection's
// next request for that long (KIP-219: the answer goes out at once, the client is expected to wait too, and
// the broker never disconnects for it).
import type { Exchange } from '../../transport/wire.js';
import type { RequestTimer } from './request-timer.js';
import type { Throttler } from './throttler.js';

/** A response's frame chunks, as both wires build them. */
type Frame = Buffer[] | null;

function frameBytes(frame: Frame): number {
  let n = 0;
  if (frame) for (const chunk of frame) n += chunk.length;
  return n;
}

/**
 * Accounts the request whose `response` was encoded as `frame`; returns the frame to send: the same, or
 * one encoded again with the throttle time when the response has a throttleTimeMs field.
 */
export function throttled(
  throttler: Throttler,
  exchange: Exchange,
  request: { apiKey: number; clientId: string | null; bytes: number },
  response: unknown,
  frame: Frame,
  encode: (response: unknown) => Frame,
  timer: RequestTimer | null,
): Frame {
  const connection = exchange.connection;
  const ms = throttler.record({
    user: connection.principal.name,
    clientId: request.clientId ?? '',
    apiKey: request.apiKey,
    requestBytes: request.bytes,
    responseBytes: frameBytes(frame),
    serviceMs: timer ? timer.elapsedMs() : 0,
  });
  if (ms === 0) return frame;
  exchange.throttle(ms);
  connection.logger.debug({ apiKey: request.apiKey, throttleTimeMs: ms }, 'over quota: throttled');
  if (frame === null || typeof response !== 'object' || response === null || !('throttleTimeMs' in response))
    return frame;
  return encode({ ...response, throttleTimeMs: ms });
}
