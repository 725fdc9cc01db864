// One client connection, whatever its listener speaks: frames in, the listener's wire serves them
// (wire.ts), responses out in request order.
//
// Ordering: every dispatched request takes a slot at the back of `slots`; handlers may finish in any
// order (a long-poll fetch behind a produce), but a slot's frame is written only once every slot before
// it is written. A produce with acks=0 fills its slot with "no frame" and is skipped.
//
// Writes: a finished response is written on the next tick (scheduleFlush), once the burst of work that
// finished it is over, so responses finished together leave in one corked write (one syscall). How the
// chunks go onto the socket is the ResponseWriter's (response-writer.ts): corked writev on plaintext,
// pieces on TLS.
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
// (a fetch reserves through Exchange.responseMemory before reading) until the socket has written
// them. A connection paused for memory is not a stalled client (stall-watchdog.ts).
// Response budget (Kafka mutes a channel the same way): while the responses of this connection not yet
// written hold maxConnectionInFlightBytes or more, no further request is dispatched and the socket is
// not read; the next one goes once the client has taken enough of them. So a client pipelining large
// fetches gets at most that many bytes of answers (plus the one batch a fetch always returns whole) held
// for it, not maxInFlightRequests fetches' worth.
//
// Buffer reuse: a handler may ask (Exchange.afterResponse) to be told when its response is done with,
// exactly once: written — the write callback of the frame's last chunk, after which the kernel has copied
// every chunk (writes complete in order) — so fetch can hand its read buffers back to the pool; or never
// to be written (a write that failed, the connection closed first, the response replaced by an error
// frame), so fetch lets go of what its answer pinned but leaves its read buffers to the GC: no buffer a
// pending write may still read is ever reused.
//
// Failure rules: bytes that are not a frame (FramingError), or a frame the wire finds unusable
// (CloseConnection), close this connection only, logged with the peer (and, when the wire recognises
// another protocol from the first bytes, with what connected). Everything else is the wire's to answer
// (wire.ts). A client that stops sending in the middle of a frame is disconnected (stall-watchdog.ts);
// one that sends nothing and has nothing in flight for connectionsMaxIdleMs is closed (idle-sweep.ts).
//
// Per-connection state of other rooms (fetch read-ahead) is keyed by ConnectionFacts.id and dropped when
// ConnectionFacts.signal aborts: this file knows nothing of it.
import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { FrameDecoder, FramingError } from '../../protocol/index.js';
import { allocateLarge } from '../../allocator-primer.js';
import type { BrokerConfig } from '../config.js';
import type { Principal } from '../security/principal.js';
import { initialPrincipal, type TlsFacts } from '../security/tls/client-certificate.js';
import { enableDirectReads } from './direct-read.js';
import { ConnectionMemory, type MemoryBudget } from './memory-budget.js';
import { type ResponseWriter, SocketResponseWriter, TlsResponseWriter } from './response-writer.js';
import { StallWatchdog, type WatchedConnection } from './stall-watchdog.js';
import {
  CloseConnection,
  type ConnectionFacts,
  type Exchange,
  type ResponseFrame,
  type ResponseMemory,
  type Wire,
} from './wire.js';

/** The first bytes of a connection kept to name the protocol of a client that is not ours. */
const FIRST_BYTES_KEPT = 16;
/** How long an HTTP client's refusal may take to be written before the socket is destroyed anyway. */
const HTTP_REFUSAL_GRACE_MS = 1000;

function runAll(callbacks: Array<(written: boolean) => void>, written: boolean): void {
  for (const callback of callbacks) callback(written);
}

function byteLength(frame: ResponseFrame): number {
  let n = 0;
  if (frame) for (const chunk of frame) n += chunk.length;
  return n;
}

/** One request's place in the response order, and what it holds of the memory budget. */
class Slot implements Exchange, ResponseMemory {
  done = false;
  /** The response's bytes in the memory budget, until the socket has written them. */
  responseBytes = 0;
  /** null: the request gets no response (acks=0) or the connection is gone. */
  frame: ResponseFrame = null;
  /** afterResponse callbacks, until run (once: see the file comment). */
  afterWrite: Array<(written: boolean) => void> | null = null;
  /** The connection closed before this slot was written: callbacks run at once, unwritten. */
  abandoned = false;

  constructor(
    readonly connection: Connection,
    /** The request frame's bytes in the memory budget, until the request settles. */
    public requestBytes: number,
  ) {}

  get responseMemory(): ResponseMemory {
    return this;
  }

  afterResponse(callback: (written: boolean) => void): void {
    if (this.abandoned) callback(false);
    else (this.afterWrite ??= []).push(callback);
  }

  discardAfterWrite(): void {
    this.settleUnwritten();
  }

  /** The response will never be written: its callbacks run now, unwritten. */
  settleUnwritten(): void {
    const callbacks = this.afterWrite;
    this.afterWrite = null;
    if (callbacks) runAll(callbacks, false);
  }

  throttle(ms: number): void {
    this.connection.holdFor(ms);
  }

  push(frame: Buffer[], keeps: number, written: (ok: boolean) => void): boolean {
    return this.connection.pushFrame(frame, keeps, written);
  }

  reserve(wanted: number): number {
    if (this.responseBytes >= wanted) {
      this.hold(wanted);
      return wanted;
    }
    const more = this.connection.memory.reserveUpTo(wanted - this.responseBytes);
    this.responseBytes += more;
    this.connection.responsesHold(more);
    return this.responseBytes;
  }

  hasRoom(bytes: number): boolean {
    const budget = this.connection.memory.budget;
    return this.responseBytes + budget.headroom >= budget.fetchRoom(bytes);
  }

  whenRoom(bytes: number, granted: () => void): () => void {
    return this.connection.memory.whenRoom(bytes, (taken) => {
      this.responseBytes += taken;
      this.connection.responsesHold(taken);
      granted();
    });
  }

  /** The slot's response now holds `bytes` of the memory budget. */
  hold(bytes: number): void {
    const memory = this.connection.memory;
    if (bytes > this.responseBytes) memory.charge(bytes - this.responseBytes);
    else memory.release(this.responseBytes - bytes);
    this.connection.responsesHold(bytes - this.responseBytes);
    this.responseBytes = bytes;
  }
}

export interface ConnectionDeps {
  /** Unique among the connections of every listener (ConnectionFacts.id). */
  id: number;
  wire: Wire;
  /** The listener's name for logs ("native", "kafka-tls"); default the wire's. */
  listener?: string;
  /** The TLS session of a TLS listener's connection (its client certificate's principal), else null. */
  tls?: TlsFacts | null;
  config: BrokerConfig;
  logger: Logger;
  /** The broker-wide budget of bytes in flight (memory-budget.ts). */
  memory: MemoryBudget;
  /** Landing buffer of direct reads, shared by every connection (FrameDecoderOptions.scratch). */
  scratch: Buffer;
  onClose(connection: Connection): void;
}

export class Connection implements ConnectionFacts, WatchedConnection {
  readonly id: number;
  readonly peer: string;
  readonly clientHost: string;
  readonly tls: TlsFacts | null;
  principal: Principal;
  #clientId: string | null = null;
  readonly logger: Logger;
  readonly memory: ConnectionMemory;
  private readonly decoder: FrameDecoder;
  private readonly wire: Wire;
  private readonly watchdog: StallWatchdog;
  private readonly writer: ResponseWriter;
  private readonly slots: Slot[] = [];
  private readonly backlog: Buffer[] = [];
  private inFlight = 0;
  /** Bytes of this connection's responses (and fetch reservations) not yet written: the response budget. */
  private responseBytes = 0;
  private writeBlocked = false;
  private paused = false;
  private isClosed = false;
  /** Set by shutdown(): no new request is dispatched. */
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  /**
   * Bytes were read or written since the idle sweep last asked (takeActivity): a flag set on the I/O paths,
   * so they read no clock.
   */
  private active = true;
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
  /** The connection's first bytes, kept to name the protocol of a client that is not ours. */
  private firstBytes: Buffer | null = null;
  /** A quota throttle (holdFor): nothing is dispatched before this time (performance.now()). */
  private heldUntil = 0;
  private holdTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly deps: ConnectionDeps,
  ) {
    this.id = deps.id;
    this.wire = deps.wire;
    this.clientHost = socket.remoteAddress ?? '?';
    this.peer = `${this.clientHost}:${socket.remotePort ?? '?'}`;
    this.tls = deps.tls ?? null;
    // A verified client certificate (mutual TLS) is who the connection is until SASL says otherwise.
    this.principal = initialPrincipal(this.tls);
    // Every line of this connection says which listener it came to (the metrics' `listener` label).
    this.logger = deps.logger.child({ peer: this.peer, listener: deps.listener ?? this.wire.name });
    this.memory = new ConnectionMemory(deps.memory, deps.config.maxConnectionInFlightBytes, () =>
      this.received(0, () => this.decoder.admitted()),
    );
    this.decoder = new FrameDecoder(deps.config.maxFrameBytes, {
      scratch: deps.scratch,
      admit: (length) => this.memory.admit(length),
      // A large frame (a produce request's bytes, kept by the tail cache after its append) primes glibc's
      // allocator first, so the frames that follow reuse freed memory instead of pages the socket read faults in.
      allocate: allocateLarge,
    });
    this.watchdog = new StallWatchdog(this, deps.config.stallTimeoutMs);
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
    const drained = () => {
      this.writeBlocked = false;
      this.pump();
    };
    this.writer = this.tls ? new TlsResponseWriter(socket, drained) : new SocketResponseWriter(socket, drained);
    socket.on('error', (error) => this.logger.debug({ err: error }, 'connection error'));
    socket.on('close', () => this.onClosed());
    this.logger.debug({ directReads: direct }, 'connection opened');
    // Accepted paused (Listener: pauseOnConnect), so no byte was read before the wiring above.
    socket.resume();
  }

  get clientId(): string | null {
    return this.#clientId;
  }

  noteClientId(clientId: string | null): void {
    if (this.#clientId === null && clientId) this.#clientId = clientId;
  }

  get signal(): AbortSignal {
    return this.closing.signal;
  }

  /** Requests dispatched and not yet answered. */
  get pending(): number {
    return this.slots.length;
  }

  /** The broker stopped reading this socket (backpressure, memory). */
  get readPaused(): boolean {
    return this.paused;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get pendingBytes(): number {
    return this.decoder.pendingBytes;
  }

  /** Nothing in flight either way: no request or frame being read, answered or written. */
  get quiet(): boolean {
    return (
      !this.isClosed &&
      this.slots.length === 0 &&
      this.backlog.length === 0 &&
      this.decoder.pendingBytes === 0 &&
      this.responseBytes === 0
    );
  }

  /** Whether bytes were read or written since the last call (the idle sweep's question, idle-sweep.ts). */
  takeActivity(): boolean {
    const active = this.active;
    this.active = false;
    return active;
  }

  /** The idle sweep's verdict: quiet, and no byte either way for `idleMs`. */
  closeIdle(idleMs: number): void {
    this.logger.debug({ idleMs }, 'closing an idle connection (connectionsMaxIdleMs)');
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.active = true;
    if (this.firstBytes === null) this.firstBytes = Buffer.from(chunk.subarray(0, FIRST_BYTES_KEPT));
    this.received(chunk.length, () => this.decoder.push(chunk));
  }

  private onRead(n: number, buf: Buffer): void {
    this.active = true;
    if (this.firstBytes === null) this.firstBytes = Buffer.from(buf.subarray(0, Math.min(n, FIRST_BYTES_KEPT)));
    this.received(n, () => this.decoder.onRead(n, buf));
  }

  private received(bytes: number, decode: () => Buffer[]): void {
    if (this.isClosed || this.draining || this.failed) return;
    let frames: Buffer[];
    try {
      frames = decode();
    } catch (error) {
      this.fail(error, 'malformed frame');
      return;
    }
    for (const frame of frames) this.backlog.push(frame);
    this.pump();
    this.watchdog.watch(bytes, frames.length > 0);
  }

  /**
   * Dispatches backlog frames while below the in-flight cap and while the socket drains. Not
   * dispatching into a blocked socket is what bounds a connection's memory: otherwise frames already
   * decoded (hundreds fit in one chunk) would each add a response to the socket's write buffer, and a
   * client that pipelines fetches without reading makes the broker hold every answer. Bound: the
   * responses of at most maxInFlightRequests requests.
   */
  private pump(): void {
    if (this.heldUntil > 0 && !this.held()) this.heldUntil = 0;
    while (
      this.heldUntil === 0 &&
      this.backlog.length > 0 &&
      this.inFlight + this.answeredUnflushed < this.deps.config.maxInFlightRequests &&
      !this.overResponseBudget() &&
      !this.writeBlocked &&
      !this.isClosed &&
      !this.draining &&
      !this.failed
    ) {
      this.dispatch(this.backlog.shift()!);
    }
    this.updateFlow();
  }

  /**
   * A quota throttle: no request is dispatched, and the socket is not read, for `ms` from now (a longer
   * hold already in place stays). Requests already dispatched are answered meanwhile.
   */
  holdFor(ms: number): void {
    if (ms <= 0 || this.isClosed) return;
    const until = performance.now() + ms;
    if (until <= this.heldUntil) return;
    this.heldUntil = until;
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      this.heldUntil = 0;
      this.pump();
    }, ms).unref();
    this.updateFlow();
  }

  /**
   * A frame written now, outside the slots' order (Exchange.push). Whole frames never interleave: every
   * write, a slot's or a pushed one, hands the writer one complete frame. Counted in the response budget
   * until written, like a slot's response.
   */
  pushFrame(frame: Buffer[], keeps: number, written: (ok: boolean) => void): boolean {
    if (this.isClosed || this.failed || this.socket.destroyed) return false;
    const bytes = Math.max(byteLength(frame), keeps);
    this.active = true;
    this.memory.charge(bytes);
    this.responsesHold(bytes);
    this.writer.beginBatch();
    const flowing = this.writer.write(frame, (error) => {
      written(!error);
      this.responseReleased(bytes);
    });
    this.writer.endBatch();
    if (!flowing) this.writeBlocked = true;
    return true;
  }

  /** Called by a slot whose response's bytes changed by `delta`. */
  responsesHold(delta: number): void {
    this.responseBytes += delta;
  }

  /** Responses not yet written hold the connection's whole budget: dispatch nothing more (see the file comment). */
  private overResponseBudget(): boolean {
    return this.responseBytes >= this.deps.config.maxConnectionInFlightBytes;
  }

  /** A response written (or dropped) gave back its bytes: dispatching may resume. */
  private responseReleased(bytes: number): void {
    this.memory.release(bytes);
    if (bytes === 0) return;
    const wasOver = this.overResponseBudget();
    this.responseBytes -= bytes;
    if (wasOver && !this.overResponseBudget() && !this.isClosed) this.pump();
  }

  /** Under a quota throttle still. */
  private held(): boolean {
    return this.heldUntil > performance.now();
  }

  private dispatch(payload: Buffer): void {
    const slot = new Slot(this, payload.length);
    this.slots.push(slot);
    this.inFlight++;
    let response: ResponseFrame | Promise<ResponseFrame>;
    try {
      response = this.wire.serve(payload, slot);
    } catch (error) {
      this.fail(error, 'unusable request');
      return;
    }
    // A handler that answered synchronously (no storage or wait) completes here, without a promise hop;
    // pump()'s loop, which called this, goes on dispatching.
    if (!(response instanceof Promise)) this.settle(slot, response);
    else
      response.then(
        (frame) => this.complete(slot, frame),
        (error) => this.fail(error, 'unusable request'),
      );
  }

  private settle(slot: Slot, frame: ResponseFrame): void {
    slot.done = true;
    slot.frame = frame;
    this.memory.release(slot.requestBytes);
    slot.requestBytes = 0;
    // The handler's hold, when larger, is the memory its answer keeps alive (a fetch's pool buffers).
    slot.hold(Math.max(slot.responseBytes, byteLength(frame)));
    this.inFlight--;
    this.answeredUnflushed++;
    // No frame (acks=0, FetchPushCredit) and the last slot: it needs no place in the order, so it does not
    // wait behind an earlier slot that is still open (a long poll, a FetchPush stream) to be let go.
    if (frame === null && this.slots[this.slots.length - 1] === slot) {
      slot.settleUnwritten();
      this.slots.pop();
      if (this.slots.length === 0) this.notifyIdle();
    }
    this.scheduleFlush();
  }

  private complete(slot: Slot, frame: ResponseFrame): void {
    this.settle(slot, frame);
    this.pump();
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
    const writable = !this.isClosed && !this.socket.destroyed;
    this.active = true;
    if (writable) this.writer.beginBatch();
    while (this.slots.length > 0 && this.slots[0]!.done) {
      const slot = this.slots.shift()!;
      const { frame, afterWrite, responseBytes } = slot;
      if (!frame || !writable) {
        slot.settleUnwritten();
        this.responseReleased(responseBytes);
        continue;
      }
      // On an error (connection destroyed mid-write) the callbacks are told it was not written.
      const written = (error?: Error | null) => {
        if (afterWrite) runAll(afterWrite, !error);
        this.responseReleased(responseBytes);
      };
      if (!this.writer.write(frame, written)) this.writeBlocked = true;
    }
    if (writable) this.writer.endBatch();
    if (this.slots.length === 0) this.notifyIdle();
  }

  private updateFlow(): void {
    if (this.isClosed) return;
    const pause =
      this.heldUntil > 0 ||
      this.writeBlocked ||
      this.decoder.waiting ||
      this.backlog.length > 0 ||
      this.overResponseBudget() ||
      this.inFlight + this.answeredUnflushed >= this.deps.config.maxInFlightRequests;
    if (pause && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!pause && this.paused && !this.draining) {
      this.paused = false;
      this.socket.resume();
      // The client's time starts again now: the broker, not the client, held the frame up meanwhile.
      this.watchdog.resumed();
    }
  }

  /** The stall watchdog's verdict: the client stopped in the middle of a frame. */
  stalled(pendingBytes: number): void {
    this.logger.warn(
      { pendingBytes, stallTimeoutMs: this.deps.config.stallTimeoutMs },
      'client stalled in the middle of a frame; closing the connection',
    );
    this.socket.destroy();
  }

  private fail(error: unknown, what: string): void {
    if (this.failed) return;
    this.failed = true;
    this.backlog.length = 0;
    const foreign = this.firstBytes && this.wire.identifyForeign ? this.wire.identifyForeign(this.firstBytes) : null;
    if (foreign) {
      this.logger.warn(foreign.fields, `${foreign.message}; closing the connection`);
      if (foreign.reply !== undefined) {
        // curl or a browser shows this reply (a TLS client fails its handshake on it); the socket closes once it is
        // written, or after a grace at most.
        this.socket.end(foreign.reply);
        setTimeout(() => this.socket.destroy(), HTTP_REFUSAL_GRACE_MS).unref();
        return;
      }
    } else if (error instanceof FramingError)
      this.logger.warn({ reason: error.message }, `${what}; closing the connection`);
    else if (error instanceof CloseConnection)
      this.logger.warn(
        { reason: (error.cause as Error)?.message ?? error.message },
        `${error.what}; closing the connection`,
      );
    else this.logger.error({ err: error }, `${what}; closing the connection`);
    // Answer what was already accepted? No: the stream is unusable; the client reconnects and retries.
    this.socket.destroy();
  }

  private onClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.watchdog.stop();
    clearTimeout(this.holdTimer);
    this.backlog.length = 0;
    // Responses not handed to the writer yet never will be (a slot behind one whose handler failed is never
    // flushed): their callbacks run now, and those of handlers still running when they register.
    for (const slot of this.slots) {
      slot.abandoned = true;
      slot.settleUnwritten();
    }
    // Listeners of the signal (per-connection state of other rooms) give back what they hold first.
    this.closing.abort();
    this.memory.close();
    this.logger.debug('connection closed');
    this.notifyIdle();
    this.deps.onClose(this);
  }

  private notifyIdle(): void {
    if (this.slots.length > 0 && !this.isClosed) return;
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
    if (!this.isClosed) this.socket.pause();
    if (this.slots.length > 0 && !this.isClosed) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    // end()'s callback fires once every queued response reached the kernel; destroy() is then safe.
    if (!this.isClosed) await new Promise<void>((resolve) => this.writer.end(resolve));
  }

  destroy(): void {
    this.socket.destroy();
  }

  endAfterResponses(): void {
    if (this.draining || this.isClosed) return;
    this.shutdown().catch((error) => this.logger.debug({ err: error }, 'closing after the last answer'));
  }
}
