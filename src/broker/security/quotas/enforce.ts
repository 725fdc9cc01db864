// What a wire does with a served request when quotas are configured (both wires, the same way): account
// it (throttler.ts) and, if its sender is over a quota, put the throttle in the response's throttleTimeMs
// (Kafka's throttle_time_ms; every native response of a request quotas count carries it) and hold the
// connection's next request for that long (KIP-219: the answer goes out at once, the client is expected to
// wait too, and the broker never disconnects for it). Handlers never set the field: a response within its
// quotas is encoded without it (the field's default, 0, on the client's side), one over them is encoded
// again here with it.
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
 * The response encoded again with `throttleTimeMs` set, or null when its API's response has no such
 * field (ApiVersions, the SASL exchange: requests no quota counts).
 */
export type ThrottledEncoder = ((throttleTimeMs: number) => Frame) | null;

/** Whether a response definition (native or Kafka: both keep their fields by name) has throttleTimeMs. */
export function reportsThrottle(responseDef: { readonly fields: object } | undefined): boolean {
  return responseDef !== undefined && 'throttleTimeMs' in responseDef.fields;
}

/**
 * Accounts the request whose response was encoded as `frame`; returns the frame to send: the same, or
 * the response encoded again with the throttle time (`withThrottle`).
 */
export function throttled(
  throttler: Throttler,
  exchange: Exchange,
  request: { apiKey: number; clientId: string | null; bytes: number },
  frame: Frame,
  withThrottle: ThrottledEncoder,
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
  if (frame === null || withThrottle === null) return frame;
  return withThrottle(ms);
}

/**
 * Accounts a request answered with an error frame instead of its response (an unsupported version, a
 * refusal, a handler that threw): it counts against the sender's quotas like any other request (a client
 * looping on a failing request is still held to its request rate), and a sender over them waits before
 * its next request is served. The frame goes out as it is: an error frame has no throttleTimeMs.
 */
export function throttledError(
  throttler: Throttler,
  exchange: Exchange,
  request: { apiKey: number; clientId: string | null; bytes: number },
  frame: Frame,
  timer: RequestTimer | null,
): Frame {
  if (throttler.idle) return frame;
  return throttled(throttler, exchange, request, frame, null, timer);
}
