// A FetchPush stream's wait between frames (push.ts), made once per stream and armed again for each wait:
// the wake-up, the change and abort callbacks, and the idle timer are the stream's own, so a caught-up
// stream's wait for the next append (once per burst) allocates only its promise.
//
// Armed on the stream's partitions (PartitionWaiters: an append wakes it; only the stream's end among its
// changes does, see push.ts), or, out of credit or of room for a frame, on shutdown alone (a grant, an end
// or a written frame wakes it), or, with no room in the broker's memory budget for the next read, on the
// budget (a grant of that room, the stream's end or shutdown wakes it). The connection closing ends a wait like its timeout.
//
// The idle timer: a wait's deadline is kept in a field; the timer, once armed, is left running across
// waits. When it fires before the current wait's deadline (armed for an earlier one) it is armed again for
// the rest, and a wait whose deadline is earlier than the timer's re-arms it. So no wait ends later than
// its deadline (within the timers' 1 ms), none before it.
import type { BrokerContext, ResponseMemory } from '../handlers/types.js';
import { onAbort } from './abort-hooks.js';
import type { PushStream } from './push-stream.js';

/**
 * What the wait is armed on: an append to its partitions, any change of its stream (out of credit), or room
 * in the broker's memory budget (memory-room.ts).
 */
type Armed = 'appends' | 'changes' | 'room' | null;

export class PushWait {
  readonly #keys: readonly string[];
  readonly #stream: PushStream;
  readonly #broker: BrokerContext;
  readonly #signal: AbortSignal;
  #armed: Armed = null;
  #woken = false;
  #resolve: ((woke: boolean) => void) | null = null;
  #deadline = 0;
  #timer: NodeJS.Timeout | null = null;
  /** When the armed timer fires (performance.now() time), Infinity with none armed. */
  #timerAt = Number.POSITIVE_INFINITY;
  /** Cancels the memory budget's grant while armed on room. */
  #cancelRoom: (() => void) | null = null;
  readonly #unwatch: () => void;
  readonly #unhook: () => void;

  constructor(keys: readonly string[], stream: PushStream, broker: BrokerContext, signal: AbortSignal) {
    this.#keys = keys;
    this.#stream = stream;
    this.#broker = broker;
    this.#signal = signal;
    this.#unwatch = stream.onChange(this.#changed);
    this.#unhook = signal.aborted ? () => {} : onAbort(signal, this.#aborted);
  }

  readonly #wake = (): void => {
    if (this.#armed === null) return;
    this.#woken = true;
    this.#settle(true);
  };

  /** A grant, an end or a written frame: waiting for an append or for room, only the end concerns the stream. */
  readonly #changed = (): void => {
    if (this.#armed === 'changes' || (this.#armed !== null && this.#stream.ended)) this.#wake();
  };

  readonly #aborted = (): void => this.#settle(false);

  readonly #fired = (): void => {
    this.#timer = null;
    this.#timerAt = Number.POSITIVE_INFINITY;
    if (this.#resolve === null) return;
    const now = performance.now();
    if (now >= this.#deadline) this.#settle(false);
    else this.#startTimer(this.#deadline - now);
  };

  #settle(woke: boolean): void {
    const resolve = this.#resolve;
    if (resolve === null) return;
    this.#resolve = null;
    resolve(woke);
  }

  #startTimer(ms: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timerAt = performance.now() + ms;
    this.#timer = setTimeout(this.#fired, ms);
  }

  /**
   * Registers the wake-up before the caller looks for what it waits for (push.ts: arm, then compare the
   * high watermarks): on the partitions' appends, or (`onAppends` false) on the stream's changes.
   */
  arm(onAppends: boolean): void {
    this.#woken = false;
    this.#armed = onAppends ? 'appends' : 'changes';
    if (onAppends) this.#broker.waiters.add(this.#keys, this.#wake);
    else this.#broker.waiters.addStop(this.#wake);
  }

  /**
   * Armed on the broker's memory budget (no room for the next frame's first read, memory-room.ts): woken once
   * room for `bytes` is taken for the stream's next read (the read's reserve keeps it), by the stream's end,
   * or by the broker's stop.
   */
  armRoom(memory: ResponseMemory, bytes: number): void {
    this.#woken = false;
    this.#armed = 'room';
    this.#broker.waiters.addStop(this.#wake);
    this.#cancelRoom = memory.whenRoom(bytes, this.#wake);
  }

  /** Resolves true when woken (or the broker stops, or the stream ends), false when the time ran out or the connection closed. */
  wait(timeoutMs: number): Promise<boolean> {
    if (this.#woken || this.#broker.stopping || this.#stream.ended) return Promise.resolve(true);
    if (this.#signal.aborted) return Promise.resolve(false);
    this.#deadline = performance.now() + timeoutMs;
    if (this.#timerAt > this.#deadline) this.#startTimer(timeoutMs);
    return new Promise<boolean>((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** Unregisters the wake-up (after every wait, woken or not). */
  cancel(): void {
    if (this.#armed === 'appends') this.#broker.waiters.remove(this.#keys, this.#wake);
    else if (this.#armed !== null) this.#broker.waiters.removeStop(this.#wake);
    if (this.#cancelRoom !== null) {
      this.#cancelRoom();
      this.#cancelRoom = null;
    }
    this.#armed = null;
    this.#settle(false);
  }

  /** The stream ended: nothing of it stays registered, no timer runs. */
  close(): void {
    this.cancel();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.#unwatch();
    this.#unhook();
  }
}
