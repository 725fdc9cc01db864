// Kafka's binary protocol as a wire of the transport (transport/wire.ts). The transport reads the frames
// (an int32 size, then the payload: the same framing as the native protocol's, with maxFrameBytes and the
// memory budget applied before a frame's buffer exists) and writes the responses in request order; this
// file reads the request header (v0–v2, src/protocol/kafka/), routes to the API's handler (registry.ts),
// and encodes the response at the request's version. A handler's NO_RESPONSE (a produce with acks=0)
// becomes no frame at all.
//
// Failure rules (Kafka's): a header that cannot be read, or a body that does not decode at its version
// (truncated, bad lengths or counts, bytes left over), closes this connection only (CloseConnection);
// nothing from such a frame is stored. An API or version not served gets UNSUPPORTED_VERSION
// (unsupported.ts) and the connection stays. A handler that throws, or a response that does not encode,
// is a bug: logged, and answered UNKNOWN_SERVER_ERROR where the response has a top-level error code,
// else the connection is closed so the client retries on a fresh one.
//
// Not consulted: the interceptors of Broker.intercept (interceptors.ts). Their API keys are the same
// numbers as Kafka's, but the request they are handed and their `respond` action are the native APIs'
// types: an interceptor of the native Produce would be handed Kafka's Produce request.
import { ErrorCode } from '../../protocol/index.js';
import {
  decodeRequestBody,
  encodeResponseFrame,
  KafkaDecodeError,
  KafkaEncodeError,
  readRequestHeader,
  type KafkaRequestHeader,
} from '../../protocol/kafka/index.js';
import { observeRequest } from '../diagnostics.js';
import { NO_RESPONSE, type BrokerContext } from '../handlers/types.js';
import { httpRefusal, identifyForeignProtocol } from '../transport/foreign-protocol.js';
import {
  CloseConnection,
  type Exchange,
  type ForeignClient,
  type ResponseFrame,
  type Wire,
} from '../transport/wire.js';
import type { KafkaHandler, KafkaListenerInfo, KafkaRequestContext } from './handler.js';
import type { KafkaHandlerRegistry } from './registry.js';
import { reportsThrottle, throttled, throttledError } from '../security/quotas/enforce.js';
import { RequestTimer } from '../security/quotas/request-timer.js';
import { errorResponseFrame, unsupportedFrame } from './unsupported.js';

export interface KafkaWireDeps {
  readonly registry: KafkaHandlerRegistry;
  readonly broker: BrokerContext;
  /** Where Kafka clients are told to connect (Metadata, FindCoordinator). */
  readonly listener: KafkaListenerInfo;
  /** The Kafka TLS listener's port, or undefined without one: for the log. */
  readonly tlsPort?: () => number | undefined;
}

export class KafkaWire implements Wire {
  readonly name = 'kafka';

  constructor(private readonly deps: KafkaWireDeps) {}

  serve(payload: Buffer, exchange: Exchange): ResponseFrame | Promise<ResponseFrame> {
    let header: KafkaRequestHeader;
    let bodyOffset: number;
    try {
      ({ header, bodyOffset } = readRequestHeader(payload));
    } catch (error) {
      throw new CloseConnection('unreadable Kafka request header', { cause: error });
    }
    const { apiKey, apiVersion, correlationId } = header;
    exchange.connection.noteClientId(header.clientId);
    const handler = this.deps.registry.route(apiKey, apiVersion);
    if (!handler) {
      exchange.connection.logger.debug({ apiKey, apiVersion }, 'unsupported Kafka API or version');
      const unsupported = unsupportedFrame(apiKey, apiVersion, correlationId, this.deps.registry.versions());
      return this.countError(header, payload.length, exchange, unsupported, null);
    }
    // Authentication (src/broker/security/auth/): before it, only ApiVersions and the SASL APIs.
    const refusal = this.deps.broker.authenticator.admit(exchange.connection, this.name, apiKey);
    if (refusal) {
      exchange.connection.logger.debug({ apiKey, code: refusal.errorCode }, 'request refused before authentication');
      const frame = errorResponseFrame(apiKey, apiVersion, correlationId, ErrorCode[refusal.errorCode]);
      if (!frame) throw new CloseConnection(`${handler.api.name} before authentication (${refusal.message})`);
      return this.countError(header, payload.length, exchange, frame, null);
    }
    // Metrics (diagnostics.ts): nothing but one property read unless /metrics or another observer listens.
    const observed = observeRequest('kafka', handler.api.name);
    const answer = this.answer(header, handler, payload, bodyOffset, exchange);
    if (observed) {
      if (answer instanceof Promise) answer.then(observed, observed);
      else observed();
    }
    return answer;
  }

  /**
   * An HTTP or TLS client on the Kafka port (curl, a browser, a Kafka client set to security.protocol=SSL),
   * named in the log when its bytes turned out not to be frames. Kafka's own requests are never foreign here.
   */
  identifyForeign(firstBytes: Buffer): ForeignClient | null {
    const foreign = identifyForeignProtocol(firstBytes);
    if (!foreign || foreign.protocol === 'Kafka') return null;
    const fields = { protocol: foreign.protocol, seen: foreign.seen };
    const here = "this port speaks only Kafka's binary protocol (kcat, librdkafka, kafkajs and other Kafka clients)";
    if (foreign.protocol === 'TLS') {
      const tlsPort = this.deps.tlsPort?.();
      const elsewhere = tlsPort === undefined ? '' : `, or to the Kafka TLS port ${tlsPort}`;
      const message = `a TLS client connected to the Kafka port (${foreign.seen}): ${here}, without TLS; connect with security.protocol=PLAINTEXT${elsewhere}`;
      return { message, fields };
    }
    const message = `an HTTP client connected to the Kafka port (${foreign.seen}): ${here}`;
    return { message, fields, reply: httpRefusal(message) };
  }

  /** Decodes the body, runs the handler, encodes the response; a promise only when the handler returned one. */
  private answer(
    header: KafkaRequestHeader,
    handler: KafkaHandler,
    payload: Buffer,
    bodyOffset: number,
    exchange: Exchange,
  ): ResponseFrame | Promise<ResponseFrame> {
    const { api } = handler;
    const { apiVersion, correlationId } = header;
    const { throttler } = this.deps.broker.quotas;
    const timer = throttler.timesRequests ? new RequestTimer() : null;
    let request: unknown;
    try {
      request = decodeRequestBody(api, apiVersion, payload, bodyOffset);
    } catch (error) {
      if (!(error instanceof KafkaDecodeError)) throw error;
      throw new CloseConnection(`${api.name} v${apiVersion} request does not decode`, { cause: error });
    }
    const encodeOnly = (response: unknown): ResponseFrame =>
      response === NO_RESPONSE ? null : encodeResponseFrame(api, apiVersion, correlationId, response as never);
    // Throttled when its sender is over a quota (security/quotas/enforce.ts).
    const encode = (response: unknown): ResponseFrame => {
      const frame = encodeOnly(response);
      if (throttler.idle) return frame;
      const request = { apiKey: header.apiKey, clientId: header.clientId, bytes: payload.length };
      // The encoder leaves the field out of versions that lack it.
      const withThrottle =
        response !== NO_RESPONSE && reportsThrottle(api.response)
          ? (throttleTimeMs: number) => encodeOnly({ ...(response as object), throttleTimeMs })
          : null;
      return throttled(throttler, exchange, request, frame, withThrottle, timer);
    };
    const failed = (error: unknown): ResponseFrame =>
      this.countError(header, payload.length, exchange, this.unexpected(header, exchange, error), timer);
    try {
      const response = handler.handle(request as never, this.deps.broker, this.context(header, exchange));
      if (!(response instanceof Promise)) return encode(response);
      timer?.pause();
      return response.then((r) => {
        timer?.resume();
        try {
          return encode(r);
        } catch (error) {
          return failed(error);
        }
      }, failed);
    } catch (error) {
      return failed(error);
    }
  }

  /** An error frame counts against its sender's quotas like a response (security/quotas/enforce.ts). */
  private countError(
    header: KafkaRequestHeader,
    bytes: number,
    exchange: Exchange,
    frame: ResponseFrame,
    timer: RequestTimer | null,
  ): ResponseFrame {
    const request = { apiKey: header.apiKey, clientId: header.clientId, bytes };
    return throttledError(this.deps.broker.quotas.throttler, exchange, request, frame, timer);
  }

  private context(header: KafkaRequestHeader, exchange: Exchange): KafkaRequestContext {
    const connection = exchange.connection;
    return {
      header,
      version: header.apiVersion,
      listener: this.deps.listener,
      peer: connection.peer,
      clientHost: connection.clientHost,
      principal: connection.principal,
      logger: connection.logger,
      signal: connection.signal,
      afterResponse: (callback) => exchange.afterResponse(callback),
      connectionId: connection.id,
      connectionMemory: connection.memory,
      responseMemory: exchange.responseMemory,
    };
  }

  /** A handler that threw, or a response that did not encode: a bug, logged; the API's error response. */
  private unexpected(header: KafkaRequestHeader, exchange: Exchange, error: unknown): ResponseFrame {
    exchange.discardAfterWrite();
    const { apiKey, apiVersion, correlationId } = header;
    exchange.connection.logger.error(
      { err: error, apiKey, apiVersion, correlationId },
      error instanceof KafkaEncodeError
        ? 'a Kafka response did not encode'
        : 'unexpected error handling a Kafka request',
    );
    const frame = errorResponseFrame(apiKey, apiVersion, correlationId, ErrorCode.UNKNOWN_SERVER_ERROR);
    if (!frame)
      throw new CloseConnection(
        'no error response exists for this Kafka API (the client retries on a new connection)',
        {
          cause: error,
        },
      );
    return frame;
  }
}
