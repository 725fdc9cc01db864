// One Kafka client connection: frames in, handlers run, responses out in request order.
//
// Framing: an int32 size then the payload (src/protocol/kafka/frames.ts). The size is checked against
// maxFrameBytes and admitted by the broker's memory budget as soon as its 4 bytes are read, before the
// frame's buffer exists; a frame that does not fit pauses the socket until it does (as on the native port).
//
// Ordering: every dispatched request takes a slot at the back of `slots`; handlers may finish in any order
// (a long-poll fetch behind a heartbeat), but a slot's frame is written only once every slot before it is.
// A produce with acks=0 fills its slot with "no frame". Kafka clients rely on this order.
//
// Backpressure: at most maxInFlightRequests dispatched; frames beyond wait in `backlog` with the socket
// paused, and nothing is dispatched while the socket's own writes are not draining.
//
// Failure rules (Kafka's): a size over the limit, a header or body that does not decode (truncated, bad
// lengths, bytes left over) close this connection only, logged with the peer; nothing is stored from such
// a frame. An API or version this listener does not serve gets UNSUPPORTED_VERSION (unsupported.ts) and
// the connection stays. A handler that throws is a bug: logged, and answered with the API's error response
// (UNKNOWN_SERVER_ERROR) where the response has a top-level error code, else the connection is closed so
// the client retries on a fresh one.
import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { ErrorCode, FrameDecoder } from '../../protocol/index.js';
import {
  decodeRequestBody,
  encodeResponseFrame,
  KafkaDecodeError,
  KafkaEncodeError,
  readRequestHeader,
  type KafkaApi,
  type KafkaRequestHeader,
} from '../../protocol/kafka/index.js';
import type { BrokerConfig } from '../config.js';
import { NO_RESPONSE, type BrokerContext } from '../handlers/types.js';
import { enableDirectReads } from '../transport/direct-read.js';
import { ConnectionMemory, type MemoryBudget } from '../transport/memory-budget.js';
import type { KafkaListenerInfo, KafkaRequestContext } from './handler.js';
import type { KafkaHandlerRegistry } from './registry.js';
import { errorResponseFrame, unsupportedFrame } from './unsupported.js';

interface Slot {
  done: boolean;
  requestBytes: number;
  responseBytes: number;
  /** null: no response (acks=0) or the connection is gone. */
  frame: Buffer[] | null;
  afterWrite: Array<() => void> | null;
}

export interface KafkaConnectionDeps {
  config: BrokerConfig;
  registry: KafkaHandlerRegistry;
  broker: BrokerContext;
  listener: KafkaListenerInfo;
  logger: Logger;
  memory: MemoryBudget;
  /** Landing buffer of direct reads, shared by the listener's connections (FrameDecoderOptions.scratch). */
  scratch: Buffer;
  onClose(connection: KafkaConnection): void;
  /** Unique among every connection of every listener (the key of per-connection state such as fetch's). */
  connectionId: number;
}

function byteLength(frame: Buffer[] | null): number {
  let n = 0;
  if (frame) for (const chunk of frame) n += chunk.length;
  return n;
}

/** A request that cannot be answered: the connection is closed (Kafka's rule for unreadable requests). */
class CloseConnection extends Error {}

export class KafkaConnection {
  readonly peer: string;
  private readonly logger: Logger;
  private readonly decoder: FrameDecoder;
  private readonly memory: ConnectionMemory;
  private readonly slots: Slot[] = [];
  private readonly backlog: Buffer[] = [];
  private inFlight = 0;
  private writeBlocked = false;
  private readPaused = false;
  private closed = false;
  private draining = false;
  private failed = false;
  private flushScheduled = false;
  private idleWaiters: Array<() => void> = [];
  private readonly closing = new AbortController();

  constructor(
    private readonly socket: Socket,
    private readonly deps: KafkaConnectionDeps,
  ) {
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.logger = deps.logger.child({ peer: this.peer, listener: 'kafka' });
    this.memory = new ConnectionMemory(deps.memory, deps.config.maxConnectionInFlightBytes, () =>
      this.received(() => this.decoder.admitted()),
    );
    this.decoder = new FrameDecoder(deps.config.maxFrameBytes, {
      scratch: deps.scratch,
      admit: (length) => this.memory.admit(length),
    });
    setMaxListeners(0, this.closing.signal);
    socket.setNoDelay(true);
    // Direct reads (as on the native port): a large request (a produce) lands straight in its frame buffer
    // and no chunk is allocated per read; 'data' events where this Node cannot.
    const direct = enableDirectReads(
      socket,
      () => this.decoder.readBuffer(),
      (n, buf) => this.received(() => this.decoder.onRead(n, buf)),
    );
    if (!direct) socket.on('data', (chunk: Buffer) => this.received(() => this.decoder.push(chunk)));
    socket.on('drain', () => {
      this.writeBlocked = false;
      this.pump();
    });
    socket.on('error', (error) => this.logger.debug({ err: error }, 'connection error'));
    socket.on('close', () => this.onClosed());
    socket.resume();
  }

  private received(decode: () => Buffer[]): void {
    if (this.closed || this.draining || this.failed) return;
    let frames: Buffer[];
    try {
      frames = decode();
    } catch (error) {
      this.fail(error, 'malformed frame');
      return;
    }
    for (const frame of frames) this.backlog.push(frame);
    this.pump();
  }

  private pump(): void {
    while (
      this.backlog.length > 0 &&
      this.inFlight < this.deps.config.maxInFlightRequests &&
      !this.writeBlocked &&
      !this.closed &&
      !this.draining &&
      !this.failed
    ) {
      this.dispatch(this.backlog.shift()!);
    }
    this.updateFlow();
  }

  private dispatch(payload: Buffer): void {
    let header: KafkaRequestHeader;
    let bodyOffset: number;
    try {
      ({ header, bodyOffset } = readRequestHeader(payload));
    } catch (error) {
      this.memory.release(payload.length);
      this.fail(error, 'unreadable request header');
      return;
    }
    const slot: Slot = { done: false, requestBytes: payload.length, responseBytes: 0, frame: null, afterWrite: null };
    this.slots.push(slot);
    this.inFlight++;
    let response: Buffer[] | null | Promise<Buffer[] | null>;
    try {
      response = this.handle(header, payload, bodyOffset, slot);
    } catch (error) {
      response = this.unexpected(header, slot, error);
    }
    if (!(response instanceof Promise)) this.settle(slot, response);
    else
      response.then(
        (frame) => this.complete(slot, frame),
        (error) => this.complete(slot, this.unexpected(header, slot, error)),
      );
  }

  /** Runs one request; a promise only when the handler returned one. */
  private handle(
    header: KafkaRequestHeader,
    payload: Buffer,
    bodyOffset: number,
    slot: Slot,
  ): Buffer[] | null | Promise<Buffer[] | null> {
    const { apiKey, apiVersion, correlationId } = header;
    const handler = this.deps.registry.route(apiKey, apiVersion);
    if (!handler) {
      this.logger.debug({ apiKey, apiVersion }, 'unsupported Kafka API or version');
      return unsupportedFrame(apiKey, apiVersion, correlationId, this.deps.registry.versions());
    }
    const api: KafkaApi = handler.api;
    let request: unknown;
    try {
      request = decodeRequestBody(api, apiVersion, payload, bodyOffset);
    } catch (error) {
      if (!(error instanceof KafkaDecodeError)) throw error;
      throw new CloseConnection(`${api.name} v${apiVersion} request does not decode: ${error.message}`);
    }
    const ctx: KafkaRequestContext = {
      header,
      version: apiVersion,
      listener: this.deps.listener,
      peer: this.peer,
      logger: this.logger,
      signal: this.closing.signal,
      afterResponseWritten: (callback) => (slot.afterWrite ??= []).push(callback),
      connectionId: this.deps.connectionId,
      connectionMemory: this.memory,
      responseMemory: {
        reserve: (wanted) => {
          this.holdResponse(slot, 0);
          slot.responseBytes = this.memory.reserveUpTo(wanted);
          return slot.responseBytes;
        },
        hold: (bytes) => this.holdResponse(slot, bytes),
      },
    };
    const encode = (response: unknown): Buffer[] | null =>
      response === NO_RESPONSE ? null : encodeResponseFrame(api, apiVersion, correlationId, response as never);
    const response = handler.handle(request as never, this.deps.broker, ctx);
    return response instanceof Promise ? response.then(encode) : encode(response);
  }

  private unexpected(header: KafkaRequestHeader, slot: Slot, error: unknown): Buffer[] | null {
    slot.afterWrite = null;
    if (error instanceof CloseConnection) {
      this.fail(error, 'malformed request');
      return null;
    }
    this.logger.error(
      { err: error, apiKey: header.apiKey, apiVersion: header.apiVersion, correlationId: header.correlationId },
      error instanceof KafkaEncodeError
        ? 'a Kafka response did not encode'
        : 'unexpected error handling a Kafka request',
    );
    const frame = errorResponseFrame(
      header.apiKey,
      header.apiVersion,
      header.correlationId,
      ErrorCode.UNKNOWN_SERVER_ERROR,
    );
    if (!frame) this.fail(error, 'no error response exists for this API (the client retries on a new connection)');
    return frame;
  }

  private settle(slot: Slot, frame: Buffer[] | null): void {
    slot.done = true;
    slot.frame = frame;
    this.memory.release(slot.requestBytes);
    slot.requestBytes = 0;
    this.holdResponse(slot, byteLength(frame));
    this.inFlight--;
    this.scheduleFlush();
  }

  private complete(slot: Slot, frame: Buffer[] | null): void {
    this.settle(slot, frame);
    this.pump();
  }

  private holdResponse(slot: Slot, bytes: number): void {
    if (bytes > slot.responseBytes) this.memory.charge(bytes - slot.responseBytes);
    else this.memory.release(slot.responseBytes - bytes);
    slot.responseBytes = bytes;
  }

  /** Responses finished in one burst of work leave in one corked write (see src/broker/connection.ts). */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => {
      this.flushScheduled = false;
      this.flush();
      this.pump();
    });
  }

  private flush(): void {
    if (this.slots.length === 0 || !this.slots[0]!.done) return;
    const socket = this.socket;
    const writable = !this.closed && !this.failed && !socket.destroyed;
    if (writable) socket.cork();
    while (this.slots.length > 0 && this.slots[0]!.done) {
      const { frame, afterWrite, responseBytes } = this.slots.shift()!;
      if (!frame || !writable) {
        this.memory.release(responseBytes);
        continue;
      }
      const last = frame.length - 1;
      for (let i = 0; i < last; i++) if (!socket.write(frame[i]!)) this.writeBlocked = true;
      const written = (error?: Error | null) => {
        if (!error && afterWrite) for (const callback of afterWrite) callback();
        this.memory.release(responseBytes);
      };
      if (!socket.write(frame[last]!, written)) this.writeBlocked = true;
    }
    if (writable) socket.uncork();
    if (this.slots.length === 0) this.notifyIdle();
  }

  private updateFlow(): void {
    if (this.closed) return;
    const pause =
      this.writeBlocked ||
      this.decoder.waiting ||
      this.backlog.length > 0 ||
      this.inFlight >= this.deps.config.maxInFlightRequests;
    if (pause && !this.readPaused) {
      this.readPaused = true;
      this.socket.pause();
    } else if (!pause && this.readPaused && !this.draining) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  /** The byte stream is unusable: close this connection only. */
  private fail(error: unknown, what: string): void {
    if (this.failed) return;
    this.failed = true;
    this.backlog.length = 0;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn({ reason }, `Kafka listener: ${what}; closing the connection`);
    this.socket.destroy();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.backlog.length = 0;
    // Aborting drops this connection's fetch state (fetch/sessions.ts) and stops its long polls.
    this.closing.abort();
    this.memory.close();
    this.notifyIdle();
    this.deps.onClose(this);
  }

  private notifyIdle(): void {
    if (this.slots.length > 0 && !this.closed) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Graceful close: no new request; in-flight ones answered (long polls end early), then the socket ends. */
  async shutdown(): Promise<void> {
    this.draining = true;
    this.backlog.length = 0;
    if (!this.closed) this.socket.pause();
    if (this.slots.length > 0 && !this.closed) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    if (!this.closed) await new Promise<void>((resolve) => this.socket.end(resolve));
  }

  destroy(): void {
    this.socket.destroy();
  }
}
