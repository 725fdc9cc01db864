// The one owner of a WebSocket session's subscription. A socket's messages are handled concurrently (a
// produce need not wait for a subscribe), so subscribe, unsubscribe and close do not change the
// subscription themselves: they hand the change to this slot, which applies the changes one at a time in
// the order they were asked for.
//
// A subscription goes starting → running → stopping → stopped, or starting → stopping when it is replaced
// (or the socket closes) before its start has finished. Invariants:
//   - Its signal is aborted as soon as a later subscribe, an unsubscribe or close is asked for, whatever
//     state it is in: from then it delivers nothing, and a start still under way ends at its next step.
//   - Its stop() runs once its start has settled, whatever the start reached, so what a start was still
//     creating (a group member joining, a consumer connecting) is undone as well as what it finished. One
//     replaced before its turn came is never started, nor stopped.
//   - A subscription starts only once the one before it has stopped: at most one runs at a time, and a
//     group member has left its group before its successor joins.
//   - After close(), nothing starts again; close() resolves once the last subscription has stopped.
import { HttpError } from '../errors.js';

/** One subscription of a socket: reads of partitions, a consumer-group member or a share-group member. */
export interface WsSubscription {
  /** Starts delivering; a refusal (an unknown topic, a group's) rejects. */
  start(): Promise<void>;
  /** Undoes what start did or began; called once, after start has settled (only if start was called). */
  stop(): Promise<void>;
}

interface Entry {
  readonly subscription: WsSubscription;
  readonly controller: AbortController;
  started?: boolean;
  stopped?: Promise<void>;
}

export class SubscriptionSlot {
  #current: Entry | undefined;
  /** The changes asked for, run one after the other. */
  #changes: Promise<void> = Promise.resolve();
  #closed = false;

  /** The subscription asked for last (starting or running), if any. */
  get current(): WsSubscription | undefined {
    return this.#current?.subscription;
  }

  /**
   * Stops the current subscription and starts the one `create` makes with the signal that stops it.
   * Resolves once it runs; rejects when it was refused, or replaced before it started.
   */
  subscribe(create: (signal: AbortSignal) => WsSubscription): Promise<void> {
    if (this.#closed) return Promise.reject(new HttpError(409, 'the socket is closing'));
    const controller = new AbortController();
    return this.#change({ subscription: create(controller.signal), controller });
  }

  /** Stops the current subscription; resolves once it has stopped. */
  unsubscribe(): Promise<void> {
    return this.#change(undefined);
  }

  /** Stops the current subscription for good. */
  close(): Promise<void> {
    this.#closed = true;
    return this.#change(undefined);
  }

  #change(next: Entry | undefined): Promise<void> {
    const previous = this.#current;
    this.#current = next;
    previous?.controller.abort();
    const change = this.#changes.then(async () => {
      if (previous) await this.#stop(previous);
      if (!next) return;
      if (!next.controller.signal.aborted) {
        next.started = true;
        try {
          await next.subscription.start();
        } catch (error) {
          if (this.#current === next) this.#current = undefined;
          next.controller.abort();
          await this.#stop(next);
          throw error;
        }
      }
      // Replaced while starting: the change that replaced it stops it, next in line.
      if (next.controller.signal.aborted)
        throw new HttpError(409, 'replaced by a later subscribe or unsubscribe before it started');
    });
    this.#changes = change.catch(() => undefined);
    return change;
  }

  #stop(entry: Entry): Promise<void> {
    if (!entry.started) return Promise.resolve();
    entry.stopped ??= entry.subscription.stop().catch(() => undefined);
    return entry.stopped;
  }
}
