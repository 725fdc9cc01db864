// The stall watchdog of one connection. A client that stops sending in the middle of a frame is
// disconnected after stallTimeoutMs (judged after that loop turn's reads, so a broker that was itself held
// up does not blame the client). Only real progress pushes that deadline back — a frame completed, or
// STALL_PROGRESS_BYTES received — so a slow-loris client trickling a frame byte by byte is cut off too,
// instead of holding its connection and buffer forever. Only a half-received frame is on the clock, and
// not while the broker itself stopped reading (memory, backpressure): then the client is not stalled.

/** Bytes that must arrive (without completing a frame) to push the stall deadline back. */
const STALL_PROGRESS_BYTES = 16 * 1024;

export interface WatchedConnection {
  /** Bytes of a frame begun and not complete (FrameDecoder.pendingBytes). */
  readonly pendingBytes: number;
  /** The broker stopped reading this socket (backpressure, memory): not a stall. */
  readonly readPaused: boolean;
  readonly closed: boolean;
  /** The client stalled: log it and close the connection. */
  stalled(pendingBytes: number): void;
}

export class StallWatchdog {
  #timer: NodeJS.Timeout | undefined;
  /** Bytes received since the timer was last armed or pushed back. */
  #progress = 0;

  constructor(
    private readonly connection: WatchedConnection,
    private readonly timeoutMs: number,
  ) {}

  /**
   * After a read: arms (or disarms) the timer. `received` bytes and a `completedFrame` count as progress.
   */
  watch(received = 0, completedFrame = false): void {
    if (this.connection.pendingBytes === 0) {
      this.stop();
      return;
    }
    if (this.#timer) {
      this.#progress += received;
      if (completedFrame || this.#progress >= STALL_PROGRESS_BYTES) this.#restart();
      return;
    }
    this.#progress = 0;
    this.#timer = setTimeout(() => this.#onTimeout(), this.timeoutMs);
    this.#timer.unref();
  }

  /** Reading resumed after the broker held it up: the client's time starts again now. */
  resumed(): void {
    if (this.#timer) this.#restart();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #restart(): void {
    this.#progress = 0;
    this.#timer!.refresh();
  }

  #onTimeout(): void {
    this.#timer = undefined;
    const connection = this.connection;
    if (connection.closed || connection.pendingBytes === 0) return;
    if (connection.readPaused) {
      // We stopped reading, not the client: not a stall.
      this.watch();
      return;
    }
    // Timers run before the poll phase of the same loop turn: when this process itself was held up (GC, a
    // busy or stolen CPU), bytes the client sent in time may still wait in the kernel. Judge after this
    // turn's reads (setImmediate runs after the poll phase): any byte read re-arms the timer.
    setImmediate(() => {
      if (connection.closed || this.#timer || connection.pendingBytes === 0) return;
      connection.stalled(connection.pendingBytes);
    });
  }
}
