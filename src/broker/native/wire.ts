// The native protocol as a wire of the transport (transport/wire.ts): a frame's payload is a msgpack
// request header (+ body) and an opaque tail (src/protocol/framing.ts); the header names the API, which
// the handler registry routes to its handler; the response is encoded by the API's spec.
//
// Failure rules: a header that cannot be read at all closes the connection (CloseConnection); a readable
// header with bad fields, an unknown API or version, or a body that does not validate get an error response
// and the connection stays; a handler that throws a ProtocolError is answered with it; a handler that throws
// anything else is a bug: logged, and answered UNKNOWN_SERVER_ERROR.
//
// A connection refused over a connection limit is answered by refusalAnswer, never served.
//
// Interception (Broker.intercept, src/broker/interceptors.ts): when an interceptor is in place for the
// request's API, it is asked (after the body validated, before the handler) and its action applied.
import {
  decodeRequestPayload,
  locateRequestBody,
  encodeErrorResponseFrame,
  encodeResponseFrame,
  ProtocolError,
  RequestHeaderError,
  type ApiSpec,
  type DecodedRequestFrame,
  type AnyNativeApi,
  type HeaderLimits,
} from '../../protocol/index.js';
import type { HandlerRegistry } from '../handlers/index.js';
import { NO_RESPONSE, type BrokerContext, type Handler, type RequestContext } from '../handlers/types.js';
import type { InterceptAction, Interceptors } from '../interceptors.js';
import { foreignProtocolMessage, httpRefusal, identifyForeignProtocol } from '../transport/foreign-protocol.js';
import {
  CloseConnection,
  type Exchange,
  type ForeignClient,
  type ResponseFrame,
  type Wire,
} from '../transport/wire.js';
import { observeRequest } from '../diagnostics.js';
import { reportsThrottle, throttled, throttledError } from '../security/quotas/enforce.js';
import { RequestTimer } from '../security/quotas/request-timer.js';

/** A request's frame; `request`: its typed request when read straight from its bytes (then `body` is unused). */
type RequestFrame = DecodedRequestFrame & { request?: unknown };

export interface NativeWireDeps {
  readonly registry: HandlerRegistry;
  readonly broker: BrokerContext;
  readonly headerLimits: HeaderLimits;
  readonly interceptors: Interceptors;
  /** The port Kafka clients are told to use (the Kafka listener's), or undefined without one: for the log. */
  readonly kafkaPort: () => number | undefined;
  /** The native TLS listener's port, or undefined without one: for the log. */
  readonly tlsPort?: () => number | undefined;
}

export class NativeWire implements Wire {
  readonly name = 'native';

  constructor(private readonly deps: NativeWireDeps) {}

  /** The same wire over another view of the broker (the TLS listener's, which advertises its own port). */
  withBroker(broker: BrokerContext): NativeWire {
    return new NativeWire({ ...this.deps, broker });
  }

  serve(payload: Buffer, exchange: Exchange): ResponseFrame | Promise<ResponseFrame> {
    let frame: RequestFrame;
    try {
      frame = this.readDirectly(payload) ?? decodeRequestPayload(payload, this.deps.headerLimits);
    } catch (error) {
      if (!(error instanceof RequestHeaderError))
        throw new CloseConnection('unreadable request header', { cause: error });
      exchange.connection.logger.warn(
        { correlationId: error.correlationId, reason: error.message },
        'bad request header',
      );
      return encodeErrorResponseFrame(error.correlationId, error);
    }
    exchange.connection.noteClientId(frame.clientId);
    const refusal = this.deps.broker.authenticator.admit(exchange.connection, this.name, frame.apiKey);
    if (refusal) {
      exchange.connection.logger.debug(
        { apiKey: frame.apiKey, code: refusal.errorCode },
        'request refused before authentication',
      );
      const refused = encodeErrorResponseFrame(
        frame.correlationId,
        new ProtocolError(refusal.errorCode, refusal.message),
      );
      return this.countError(frame, payload.length, exchange, refused, null);
    }
    return this.handle(frame, payload.length, exchange);
  }

  /**
   * The request read straight from its bytes (framing.ts locateRequestBody, the API's decodeRequestFrom):
   * null when its header or body is not what the byte reader takes as it is, for the generic decode (which
   * gives the same value, or the error the request has always met). Throws decodeRequestPayload's errors
   * for a header that is not well-formed or past the limits.
   */
  private readDirectly(payload: Buffer): RequestFrame | null {
    const located = locateRequestBody(payload, this.deps.headerLimits);
    if (located === null) return null;
    const route = this.deps.registry.route(located.apiKey, located.apiVersion);
    if (!('api' in route)) return null;
    const request = route.api.decodeRequestFrom?.(located.header, located.bodyStart, located.tail, located.apiVersion);
    if (request === undefined) return null;
    const { apiKey, apiVersion, correlationId, clientId, tail } = located;
    return { apiKey, apiVersion, correlationId, clientId, body: undefined, tail, request };
  }

  identifyForeign(firstBytes: Buffer): ForeignClient | null {
    const foreign = identifyForeignProtocol(firstBytes);
    if (!foreign) return null;
    const message = foreignProtocolMessage(
      foreign,
      this.deps.broker.port,
      this.deps.kafkaPort(),
      this.deps.tlsPort?.(),
    );
    return {
      message,
      fields: { protocol: foreign.protocol, seen: foreign.seen },
      ...(foreign.protocol === 'HTTP' ? { reply: httpRefusal(message) } : {}),
      // Any answer that is no TLS record tells a TLS client at once that this port has no TLS (the SDK says so
      // and does not retry, OpenSSL says "wrong version number"); a close says nothing it could act on.
      ...(foreign.protocol === 'TLS' ? { reply: `${message}\n` } : {}),
    };
  }

  /**
   * A connection over a connection limit is answered, whatever its first request asked, with the error
   * CONNECTION_LIMIT_REACHED and the limit in words, which the SDK shows its user (and retries: a place may
   * free up). A first frame whose header does not name its correlationId cannot be answered.
   */
  refusalAnswer(firstFrame: Buffer, reason: string): ResponseFrame {
    let correlationId: number;
    try {
      correlationId = decodeRequestPayload(firstFrame, this.deps.headerLimits).correlationId;
    } catch (error) {
      if (!(error instanceof RequestHeaderError)) return null;
      correlationId = error.correlationId;
    }
    return encodeErrorResponseFrame(correlationId, new ProtocolError('CONNECTION_LIMIT_REACHED', reason));
  }

  /**
   * Runs one request; every outcome becomes a frame (or null for acks=0). Synchronous when the handler
   * is (a promise only for a handler that returned one); the promise never rejects.
   */
  private handle(frame: RequestFrame, bytes: number, exchange: Exchange): ResponseFrame | Promise<ResponseFrame> {
    const { correlationId } = frame;
    const logger = exchange.connection.logger;
    const route = this.deps.registry.route(frame.apiKey, frame.apiVersion);
    if (!('api' in route)) {
      logger.debug({ apiKey: frame.apiKey, apiVersion: frame.apiVersion, reason: route.reason }, 'unsupported request');
      const refusal = encodeErrorResponseFrame(correlationId, new ProtocolError('UNSUPPORTED_VERSION', route.reason));
      return this.countError(frame, bytes, exchange, refusal, null);
    }
    // Metrics (diagnostics.ts): nothing but one property read unless /metrics or another observer listens.
    const observed = observeRequest('native', route.api.name);
    const answer = this.answer(frame, bytes, route, exchange);
    if (observed) {
      if (answer instanceof Promise) answer.then(observed, observed);
      else observed();
    }
    return answer;
  }

  private answer(
    frame: RequestFrame,
    bytes: number,
    route: Handler,
    exchange: Exchange,
  ): ResponseFrame | Promise<ResponseFrame> {
    const timer = this.deps.broker.quotas.throttler.timesRequests ? new RequestTimer() : null;
    const failed = (error: unknown): ResponseFrame =>
      this.countError(frame, bytes, exchange, this.refuse(frame, route.api, exchange, error), timer);
    try {
      const request =
        frame.request !== undefined ? frame.request : route.api.decodeRequest(frame.body, frame.tail, frame.apiVersion);
      if (this.deps.interceptors.has(frame.apiKey)) return this.intercepted(frame, bytes, route, request, exchange);
      return this.run(frame, bytes, route, request, exchange, failed, timer);
    } catch (error) {
      return failed(error);
    }
  }

  private run(
    frame: RequestFrame,
    bytes: number,
    route: Handler,
    request: unknown,
    exchange: Exchange,
    failed: (error: unknown) => ResponseFrame,
    timer: RequestTimer | null = null,
  ): ResponseFrame | Promise<ResponseFrame> {
    const response = route.handle(request, this.deps.broker, requestContext(frame, exchange));
    if (!(response instanceof Promise)) return this.respond(frame, bytes, route.api, exchange, response, timer);
    timer?.pause();
    // One continuation: an encoding error is refused like a handler's.
    return response.then((r) => {
      timer?.resume();
      try {
        return this.respond(frame, bytes, route.api, exchange, r, timer);
      } catch (error) {
        return failed(error);
      }
    }, failed);
  }

  /** The handler's response encoded, throttled when its sender is over a quota (security/quotas/enforce.ts). */
  private respond(
    frame: RequestFrame,
    bytes: number,
    api: ApiSpec<unknown, unknown>,
    exchange: Exchange,
    response: unknown,
    timer: RequestTimer | null = null,
  ): ResponseFrame {
    const encoded = encode(api, frame.correlationId, response);
    const { throttler } = this.deps.broker.quotas;
    if (throttler.idle) return encoded;
    const withThrottle =
      response !== NO_RESPONSE && reportsThrottle((api as AnyNativeApi).response)
        ? (throttleTimeMs: number) => encode(api, frame.correlationId, { ...(response as object), throttleTimeMs })
        : null;
    const request = { apiKey: frame.apiKey, clientId: frame.clientId, bytes };
    return throttled(throttler, exchange, request, encoded, withThrottle, timer);
  }

  /** An error frame counts against its sender's quotas like a response (security/quotas/enforce.ts). */
  private countError(
    frame: RequestFrame,
    bytes: number,
    exchange: Exchange,
    errorFrame: ResponseFrame,
    timer: RequestTimer | null,
  ): ResponseFrame {
    const request = { apiKey: frame.apiKey, clientId: frame.clientId, bytes };
    return throttledError(this.deps.broker.quotas.throttler, exchange, request, errorFrame, timer);
  }

  /** An error thrown while serving: a ProtocolError is the answer; anything else is a bug (logged). */
  private refuse(frame: RequestFrame, api: ApiSpec<unknown, unknown>, exchange: Exchange, error: unknown) {
    exchange.discardAfterWrite();
    const logger = exchange.connection.logger;
    const { correlationId } = frame;
    if (error instanceof ProtocolError) {
      logger.debug({ api: api.name, correlationId, code: error.type, reason: error.message }, 'request refused');
      return encodeErrorResponseFrame(correlationId, error);
    }
    logger.error({ err: error, apiKey: frame.apiKey, correlationId }, 'unexpected error handling a request');
    const message = `unexpected server error: ${(error as Error)?.message ?? String(error)}`;
    return encodeErrorResponseFrame(correlationId, new ProtocolError('UNKNOWN_SERVER_ERROR', message));
  }

  /** A request of an API with interceptors: the first action returned decides (interceptors.ts). */
  private async intercepted(
    frame: RequestFrame,
    bytes: number,
    route: Handler,
    request: unknown,
    exchange: Exchange,
  ): Promise<ResponseFrame> {
    const failed = (error: unknown): ResponseFrame =>
      this.countError(frame, bytes, exchange, this.refuse(frame, route.api, exchange, error), null);
    const { signal } = exchange.connection;
    let action: InterceptAction | undefined;
    try {
      action = await this.deps.interceptors.decide({
        apiKey: frame.apiKey,
        apiVersion: frame.apiVersion,
        correlationId: frame.correlationId,
        clientId: frame.clientId,
        peer: exchange.connection.peer,
        request,
      });
    } catch (error) {
      return failed(error);
    }
    const serve = () => {
      try {
        return this.run(frame, bytes, route, request, exchange, failed);
      } catch (error) {
        return failed(error);
      }
    };
    if (!action) return serve();
    if (action.delayMs !== undefined && action.delayMs > 0) await untilClosedOr(signal, action.delayMs);
    if (action.drop === 'response') {
      await serve();
      exchange.discardAfterWrite();
      if (action.disconnect) throw new CloseConnection('closed by an interceptor after serving (Broker.intercept)');
      return untilClosedOr(signal).then(() => null);
    }
    if (action.disconnect) throw new CloseConnection('closed by an interceptor (Broker.intercept)');
    if (action.drop === 'request') return untilClosedOr(signal).then(() => null);
    if (action.error !== undefined) {
      exchange.connection.logger.debug({ correlationId: frame.correlationId, code: action.error }, 'intercepted');
      return encodeErrorResponseFrame(frame.correlationId, new ProtocolError(action.error, action.message));
    }
    if (action.respond !== undefined) {
      try {
        return encode(route.api, frame.correlationId, action.respond);
      } catch (error) {
        return failed(error);
      }
    }
    if (action.frame !== undefined) return [action.frame];
    return serve();
  }
}

function encode(api: ApiSpec<unknown, unknown>, correlationId: number, response: unknown): ResponseFrame {
  if (response === NO_RESPONSE) return null;
  if (api.encodeResponseFrame) return api.encodeResponseFrame(correlationId, response);
  const { body, tail } = api.encodeResponse(response);
  return encodeResponseFrame(correlationId, body, tail);
}

function requestContext(header: DecodedRequestFrame, exchange: Exchange): RequestContext {
  return new NativeRequestContext(header, exchange);
}

/** A request's context as one object: its two functions are methods, not closures made per request. */
class NativeRequestContext implements RequestContext {
  readonly connectionId: number;
  readonly peer: string;
  readonly clientHost: string;
  readonly principal: RequestContext['principal'];
  readonly logger: RequestContext['logger'];
  readonly signal: AbortSignal;
  readonly responseMemory: RequestContext['responseMemory'];
  readonly connectionMemory: RequestContext['connectionMemory'];
  readonly #exchange: Exchange;

  constructor(
    readonly header: DecodedRequestFrame,
    exchange: Exchange,
  ) {
    const connection = exchange.connection;
    this.connectionId = connection.id;
    this.peer = connection.peer;
    this.clientHost = connection.clientHost;
    this.principal = connection.principal;
    this.logger = connection.logger;
    this.signal = connection.signal;
    this.responseMemory = exchange.responseMemory;
    this.connectionMemory = connection.memory;
    this.#exchange = exchange;
  }

  afterResponse(callback: (written: boolean) => void): void {
    this.#exchange.afterResponse(callback);
  }

  push(frame: Buffer[], keeps: number, written: (ok: boolean) => void): boolean {
    return this.#exchange.push(frame, keeps, written);
  }
}

/** Resolves when `signal` aborts (the connection closed), or after `ms` if given. Test seam only. */
function untilClosedOr(signal: AbortSignal, ms?: number): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = ms === undefined ? undefined : setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
