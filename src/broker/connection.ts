// One client connection: frames in, handlers run, responses out in request order.
//
// Ordering: every dispatched request takes a slot at the back of `slots`; handlers may finish in any
// order (a long-poll fetch behind a produce), but a slot's frame is written only once every slot before
// it is written. A produce with acks=0 fills its slot with "no frame" and is skipped.
//
// Writes: a finished response is written on the next tick (scheduleFlush), once the burst of work that
// finished it is over, so responses finished together leave in one corked write (one syscall).
//
// Backpressure: at most maxInFlightRequests are dispatched (answers waiting for that next-tick flush
// still count); frames decoded beyond that wait in
// `backlog`, and the socket is paused while the backlog is non-empty or while the socket's own writes
// are not draining (a client that does not read its responses stops being read). Nothing is
// dispatched while writes are not draining either (see pump()).
//
// Memory: every frame is admitted by the broker's memory budget (memory-budget.ts) as soon as its length
// prefix is read, before its buffer exists; a frame that does not fit pauses the socket until it does.
// The request's bytes are counted until its handler settles, its response's from the moment they exist
// (a fetch reserves through RequestContext.responseMemory before reading) until the socket has written
// them. A connection paused for memory is not a stalled client (see the stall rule below).
//
// Buffer reuse: a handler may ask (RequestContext.afterResponseWritten) to be told when its response has
// been written — the write callback of the frame's last chunk, after which the kernel has copied every
// chunk (writes complete in order) — so fetch can hand its read buffers back to the pool. A write that
// fails (connection destroyed mid-write) or a response never written drops the callbacks: the GC frees
// those buffers, and no buffer a pending write may still read is ever reused.
//
// Failure rules: bytes that are not a frame (FramingError) close this connection only, logged with
// the peer; a readable header with bad fields, an unknown API or version, or a body that does not
// validate, get an error response and the connection stays; a handler that throws unexpectedly
// answers UNKNOWN_SERVER_ERROR and is logged. A client that stops sending in the middle of a frame is
// disconnected after stallTimeoutMs (judged after that loop turn's reads, so a broker that was itself held up
// does not blame the client). Only real progress pushes that deadline back — a frame completed,
// or STALL_PROGRESS_BYTES received — so a slow-loris client trickling a frame byte by byte is cut off
// too, instead of holding its connection and buffer forever.
import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  decodeRequestPayload,
  encodeErrorResponseFrame,
  encodeResponseFrame,
  FrameDecoder,
  FramingError,
  ProtocolError,
  RequestHeaderError,
  type DecodedRequestFrame,
} from '../protocol/index.js';
import type { BrokerConfig } from './config.js';
import { enableDirectReads } from './direct-read.js';
import { FetchReadAhead } from './fetch-read-ahead.js';
import { foreignProtocolMessage, httpRefusal, identifyForeignProtocol } from './foreign-protocol.js';
import type { HandlerRegistry } from './handlers/index.js';
import { NO_RESPONSE, type BrokerContext, type RequestContext } from './handlers/types.js';
import { ConnectionMemory, type MemoryBudget } from './memory-budget.js';
import { observeRequest } from './diagnostics.js';

function runAll(callbacks: Array<() => void>): void {
  for (const callback of callbacks) callback();
}

/** Bytes that must arrive (without completing a frame) to push the stall deadline back. */
const STALL_PROGRESS_BYTES = 16 * 1024;

function byteLength(frame: Buffer[] | null): number {
  let n = 0;
  if (frame) for (const chunk of frame) n += chunk.length;
  return n;
}

interface Slot {
  done: boolean;
  /** The request frame's bytes in the memory budget, until the request settles. */
  requestBytes: number;
  /** The response's bytes in the memory budget, until the socket has written them. */
  responseBytes: number;
  /** null: the request gets no response (acks=0) or the connection is gone. */
  frame: Buffer[] | null;
  /** RequestContext.afterResponseWritten callbacks; dropped when the response is replaced by an error frame. */
  afterWrite: Array<() => void> | null;
}

export interface ConnectionDeps {
  config: BrokerConfig;
  registry: HandlerRegistry;
  broker: BrokerContext;
  logger: Logger;
  /** The broker-wide budget of bytes in flight (memory-budget.ts). */
  memory: MemoryBudget;
  /** Landing buffer of direct reads, shared by every connection (FrameDecoderOptions.scratch). */
  scratch: Buffer;
  onClose(connection: Connection): void;
}

export class Connection {
  readonly peer: string;
  private readonly decoder: FrameDecoder;
  private readonly memory: ConnectionMemory;
  /** Fetch's next-chunk reads for this connection (fetch-read-ahead.ts); dropped on close. */
  private readonly readAhead: FetchReadAhead;
  private readonly logger: Logger;
  private readonly slots: Slot[] = [];
  private readonly backlog: Buffer[] = [];
  private inFlight = 0;
  private writeBlocked = false;
  private readPaused = false;
  private closed = false;
  /** Set by shutdown(): no new request is dispatched. */
  private draining = false;
  private stallTimer: NodeJS.Timeout | undefined;
  /** Bytes received since the stall timer was last armed or pushed back. */
  private stallProgress = 0;
  private idleWaiters: Array<() => void> = [];
  /** A flush is queued (scheduleFlush) and has not run yet. */
  private flushScheduled = false;
  /**
   * Requests answered since the queued flush was scheduled: still counted against maxInFlightRequests
   * until that flush has run (and found out whether the socket blocked), as they were when each answer
   * was flushed at once.
   */
  private answeredUnflushed = 0;
  /** Aborted on close; every in-flight request of this connection listens to it. */
  private readonly closing = new AbortController();
  /** Set once the byte stream proved unusable: nothing more is read from it. */
  private failed = false;
  /** The connection's first bytes (up to 16), kept to name the protocol of a client that is not ours. */
  private firstBytes: Buffer | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly deps: ConnectionDeps,
  ) {
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.logger = deps.logger.child({ peer: this.peer });
    this.memory = new ConnectionMemory(deps.memory, deps.config.maxConnectionInFlightBytes, () =>
      this.received(0, () => this.decoder.admitted()),
    );
    this.decoder = new FrameDecoder(deps.config.maxFrameBytes, {
      scratch: deps.scratch,
      admit: (length) => this.memory.admit(length),
    });
    this.readAhead = new FetchReadAhead(deps.broker.readBuffers, deps.config.maxFetchBytes, this.memory);
    // One listener per in-flight long poll (up to maxInFlightRequests): not a leak.
    setMaxListeners(0, this.closing.signal);
    socket.setNoDelay(true);
    // Direct reads: the kernel copies a large request (a produce) straight into its frame buffer and no
    // chunk is allocated per read (FrameDecoder.readBuffer); 'data' events where this Node cannot.
    const direct = enableDirectReads(
      socket,
      () => this.decoder.readBuffer(),
      (n, buf) => this.onRead(n, buf),
    );
    if (!direct) socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.writeBlocked = false;
      this.pump();
    });
    socket.on('error', (error) => this.logger.debug({ err: error }, 'connection error'));
    socket.on('close', () => this.onClosed());
    this.logger.debug({ directReads: direct }, 'connection opened');
    // Accepted paused (Server: pauseOnConnect), so no byte was read before the wiring above.
    socket.resume();
  }

  /** Requests dispatched and not yet answered. */
  get pending(): number {
    return this.slots.length;
  }

  private onData(chunk: Buffer): void {
    if (this.firstBytes === null) this.firstBytes = Buffer.from(chunk.subarray(0, 16));
    this.received(chunk.length, () => this.decoder.push(chunk));
  }

  private onRead(n: number, buf: Buffer): void {
    if (this.firstBytes === null) this.firstBytes = Buffer.from(buf.subarray(0, Math.min(n, 16)));
    this.received(n, () => this.decoder.onRead(n, buf));
  }

  private received(bytes: number, decode: () => Buffer[]): void {
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
    this.watchStall(bytes, frames.length > 0);
  }

  /**
   * Dispatches backlog frames while below the in-flight cap and while the socket drains. Not
   * dispatching into a blocked socket is what bounds a connection's memory: otherwise frames already
   * decoded (hundreds fit in one chunk) would each add a response to the socket's write buffer, and a
   * client that pipelines fetches without reading makes the broker hold every answer. Bound: the
   * responses of at most maxInFlightRequests requests.
   */
  private pump(): void {
    while (
      this.backlog.length > 0 &&
      this.inFlight + this.answeredUnflushed < this.deps.config.maxInFlightRequests &&
      !this.writeBlocked &&
      !this.closed &&
      !this.draining
    ) {
      this.dispatch(this.backlog.shift()!);
    }
    this.updateFlow();
  }

  private dispatch(payload: Buffer): void {
    let frame: DecodedRequestFrame;
    try {
      frame = decodeRequestPayload(payload, this.deps.config.headerLimits);
    } catch (error) {
      if (error instanceof RequestHeaderError) {
        this.logger.warn({ correlationId: error.correlationId, reason: error.message }, 'bad request header');
        this.memory.release(payload.length);
        const frame = encodeErrorResponseFrame(error.correlationId, error);
        const slot: Slot = { done: true, requestBytes: 0, responseBytes: 0, frame, afterWrite: null };
        this.holdResponse(slot, byteLength(frame));
        this.slots.push(slot);
        this.scheduleFlush();
      } else {
        this.fail(error, 'unreadable request header');
      }
      return;
    }
    const slot: Slot = { done: false, requestBytes: payload.length, responseBytes: 0, frame: null, afterWrite: null };
    this.slots.push(slot);
    this.inFlight++;
    let response: Buffer[] | null | Promise<Buffer[] | null>;
    try {
      response = this.handle(frame, slot);
    } catch (error) {
      response = this.unexpectedFor(frame, slot, error);
    }
    // A handler that answered synchronously (no storage or wait) completes here, without a promise hop;
    // pump()'s loop, which called this, goes on dispatching.
    if (!(response instanceof Promise)) this.settle(slot, response);
    else
      response.then(
        (r) => this.complete(slot, r),
        (error) => this.complete(slot, this.unexpectedFor(frame, slot, error)),
      );
  }

  private unexpectedFor(frame: DecodedRequestFrame, slot: Slot, error: unknown): Buffer[] {
    slot.afterWrite = null;
    return this.unexpected(frame, error);
  }

  private settle(slot: Slot, frame: Buffer[] | null): void {
    slot.done = true;
    slot.frame = frame;
    this.memory.release(slot.requestBytes);
    slot.requestBytes = 0;
    this.holdResponse(slot, byteLength(frame));
    this.inFlight--;
    this.answeredUnflushed++;
    this.scheduleFlush();
  }

  private complete(slot: Slot, frame: Buffer[] | null): void {
    this.settle(slot, frame);
    this.pump();
  }

  /**
   * Runs one request; every outcome except a bug becomes a frame (or null for acks=0). Synchronous when
   * the handler is (a promise only for a handler that returned one); a bug throws or rejects.
   */
  private handle(frame: DecodedRequestFrame, slot: Slot): Buffer[] | null | Promise<Buffer[] | null> {
    const { correlationId } = frame;
    const route = this.deps.registry.route(frame.apiKey, frame.apiVersion);
    if (!('api' in route)) {
      this.logger.debug(
        { apiKey: frame.apiKey, apiVersion: frame.apiVersion, reason: route.reason },
        'unsupported request',
      );
      return encodeErrorResponseFrame(correlationId, new ProtocolError('UNSUPPORTED_VERSION', route.reason));
    }
    const ctx: RequestContext = {
      header: frame,
      peer: this.peer,
      logger: this.logger,
      signal: this.closing.signal,
      afterResponseWritten: (callback) => (slot.afterWrite ??= []).push(callback),
      readAhead: this.readAhead,
      responseMemory: {
        reserve: (wanted) => {
          this.holdResponse(slot, 0);
          slot.responseBytes = this.memory.reserveUpTo(wanted);
          return slot.responseBytes;
        },
        hold: (bytes) => this.holdResponse(slot, bytes),
      },
    };
    const refused = (error: unknown): Buffer[] => {
      if (!(error instanceof ProtocolError)) throw error;
      slot.afterWrite = null;
      this.logger.debug(
        { api: route.api.name, correlationId, code: error.type, reason: error.message },
        'request refused',
      );
      return encodeErrorResponseFrame(correlationId, error);
    };
    const encode = (response: unknown): Buffer[] | null => {
      if (response === NO_RESPONSE) return null;
      const { body, tail } = route.api.encodeResponse(response);
      return encodeResponseFrame(correlationId, body, tail);
    };
    const observed = observeRequest('native', route.api.name);
    try {
      const request = route.api.decodeRequest(frame.body, frame.tail, frame.apiVersion);
      const response = route.handle(request, this.deps.broker, ctx);
      if (!(response instanceof Promise)) {
        observed?.();
        return encode(response);
      }
      // An encoding error is refused like a handler's: encode runs inside the chain, before `refused`.
      const settled = response.then(encode).catch(refused);
      if (observed) settled.then(observed, observed);
      return settled;
    } catch (error) {
      observed?.();
      return refused(error);
    }
  }

  /** The slot's response now holds `bytes` of the memory budget. */
  private holdResponse(slot: Slot, bytes: number): void {
    if (bytes > slot.responseBytes) this.memory.charge(bytes - slot.responseBytes);
    else this.memory.release(slot.responseBytes - bytes);
    slot.responseBytes = bytes;
  }

  private unexpected(frame: DecodedRequestFrame, error: unknown): Buffer[] {
    this.logger.error(
      { err: error, apiKey: frame.apiKey, correlationId: frame.correlationId },
      'unexpected error handling a request',
    );
    const message = `unexpected server error: ${(error as Error)?.message ?? String(error)}`;
    return encodeErrorResponseFrame(frame.correlationId, new ProtocolError('UNKNOWN_SERVER_ERROR', message));
  }

  /**
   * Flushes once the current burst of work is over: a nextTick queued from a promise continuation runs
   * after the whole microtask queue has drained, so the responses of requests that complete together
   * (pipelined produces, all resolved by the same appends) leave in one corked write, one syscall, instead
   * of one each. Order is unchanged: flush() still writes slots strictly in request order.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => {
      this.flushScheduled = false;
      this.answeredUnflushed = 0;
      this.flush();
      // flush() may have found the socket blocked or freed the way: re-evaluate what to dispatch.
      this.pump();
    });
  }

  /** Writes every finished slot at the head of the queue, in one corked batch. */
  private flush(): void {
    if (this.slots.length === 0 || !this.slots[0]!.done) return;
    const socket = this.socket;
    const writable = !this.closed && !socket.destroyed;
    if (writable) socket.cork();
    while (this.slots.length > 0 && this.slots[0]!.done) {
      const { frame, afterWrite, responseBytes } = this.slots.shift()!;
      if (!frame || !writable) {
        this.memory.release(responseBytes);
        continue;
      }
      // Header and record chunks go out as separate writes inside one cork: one writev, no concat.
      const last = frame.length - 1;
      for (let i = 0; i < last; i++) if (!socket.write(frame[i]!)) this.writeBlocked = true;
      // Writes complete in order: the last chunk's callback means the whole frame reached the kernel.
      // On an error (connection destroyed mid-write) afterWrite callbacks are dropped: buffers go to the GC.
      const written = (error?: Error | null) => {
        if (!error && afterWrite) runAll(afterWrite);
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
      this.inFlight + this.answeredUnflushed >= this.deps.config.maxInFlightRequests;
    if (pause && !this.readPaused) {
      this.readPaused = true;
      this.socket.pause();
    } else if (!pause && this.readPaused && !this.draining) {
      this.readPaused = false;
      this.socket.resume();
      // The client's time starts again now: the broker, not the client, held the frame up meanwhile.
      if (this.stallTimer) {
        this.stallProgress = 0;
        this.stallTimer.refresh();
      }
    }
  }

  /**
   * Arms (or disarms) the stall timer: only a half-received frame is on the clock, and only progress
   * (a completed frame, or STALL_PROGRESS_BYTES since the last push) pushes the deadline back.
   */
  private watchStall(received = 0, completedFrame = false): void {
    if (this.decoder.pendingBytes === 0) {
      if (this.stallTimer) clearTimeout(this.stallTimer);
      this.stallTimer = undefined;
      return;
    }
    if (this.stallTimer) {
      this.stallProgress += received;
      if (completedFrame || this.stallProgress >= STALL_PROGRESS_BYTES) {
        this.stallProgress = 0;
        this.stallTimer.refresh();
      }
      return;
    }
    this.stallProgress = 0;
    this.stallTimer = setTimeout(() => this.onStall(), this.deps.config.stallTimeoutMs);
    this.stallTimer.unref();
  }

  private onStall(): void {
    this.stallTimer = undefined;
    if (this.closed || this.decoder.pendingBytes === 0) return;
    if (this.readPaused) {
      // We stopped reading, not the client: not a stall.
      this.watchStall();
      return;
    }
    // Timers run before the poll phase of the same loop turn: when this process itself was held up (GC, a
    // busy or stolen CPU), bytes the client sent in time may still wait in the kernel. Judge after this
    // turn's reads (setImmediate runs after the poll phase): any byte read re-arms the timer.
    setImmediate(() => {
      if (this.closed || this.stallTimer || this.decoder.pendingBytes === 0) return;
      const { pendingBytes } = this.decoder;
      this.logger.warn(
        { pendingBytes, stallTimeoutMs: this.deps.config.stallTimeoutMs },
        'client stalled in the middle of a frame; closing the connection',
      );
      this.socket.destroy();
    });
  }

  private fail(error: unknown, what: string): void {
    this.failed = true;
    const foreign = this.firstBytes ? identifyForeignProtocol(this.firstBytes) : null;
    if (foreign) {
      const message = foreignProtocolMessage(foreign, this.deps.broker.port);
      this.logger.warn({ protocol: foreign.protocol, seen: foreign.seen }, `${message}; closing the connection`);
      if (foreign.protocol === 'HTTP') {
        // curl or a browser shows this reply; the socket closes once it is written, or after 1 s at most.
        this.socket.end(httpRefusal(message));
        setTimeout(() => this.socket.destroy(), 1000).unref();
      }
    } else if (error instanceof FramingError)
      this.logger.warn({ reason: error.message }, `${what}; closing the connection`);
    else this.logger.error({ err: error }, `${what}; closing the connection`);
    this.backlog.length = 0;
    // Answer what was already accepted? No: the stream is unusable; the client reconnects and retries.
    if (foreign?.protocol !== 'HTTP') this.socket.destroy();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.backlog.length = 0;
    this.closing.abort();
    this.readAhead.close();
    this.memory.close();
    this.logger.debug('connection closed');
    this.notifyIdle();
    this.deps.onClose(this);
  }

  private notifyIdle(): void {
    if (this.slots.length > 0 && !this.closed) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * Graceful close: stop reading and dispatching, let in-flight requests finish and their responses
   * go out (long polls return early because the broker is stopping), then end the socket. Resolves
   * when the socket has been ended; `destroy()` cuts it short.
   */
  async shutdown(): Promise<void> {
    this.draining = true;
    this.backlog.length = 0;
    if (!this.closed) this.socket.pause();
    if (this.slots.length > 0 && !this.closed) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    // end()'s callback fires once every queued response reached the kernel; destroy() is then safe.
    if (!this.closed) await new Promise<void>((resolve) => this.socket.end(resolve));
  }

  destroy(): void {
    this.socket.destroy();
  }
}
