// Renews the acquisition locks of records whose handlers still run: each held record is renewed every
// `renewEveryMs` (half the lock timeout) from its delivery on, so a handler slower than the lock keeps its
// record. One timer for the whole consumer, running only while records are held (not one interval per
// record: most handlers return long before their first renewal).
//
// The sweep runs every `renewEveryMs / 2` and renews a record once it has gone `renewEveryMs / 2` or more
// without a renewal, so no record goes longer than `renewEveryMs` between its delivery or last renewal
// and the next one (the per-record interval's bound).
//
// The held records are the consumer's own set of running handlers (it adds and deletes them, and tells
// the renewer with `held()` / `idle()`): one set per consumer, not one here and one there.

export interface HeldRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** When it was delivered or last renewed (ms, performance.now()). */
  renewedAt: number;
}

export class LockRenewer {
  readonly #held: ReadonlySet<HeldRecord>;
  readonly #renew: (record: HeldRecord) => void;
  #renewEveryMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(held: ReadonlySet<HeldRecord>, renewEveryMs: number, renew: (record: HeldRecord) => void) {
    this.#held = held;
    this.#renewEveryMs = renewEveryMs;
    this.#renew = renew;
  }

  /** A new lock timeout from the broker: renewals follow it from the next sweep on. */
  set renewEveryMs(ms: number) {
    if (ms === this.#renewEveryMs) return;
    this.#renewEveryMs = ms;
    if (this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#arm();
    }
  }

  /** A record was added to the held set (its `renewedAt` set to now by the caller). */
  held(): void {
    this.#arm();
  }

  /** A record left the held set: the timer stops once it is empty. */
  released(): void {
    if (this.#held.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #arm(): void {
    if (this.#timer) return;
    const period = Math.max(1, Math.floor(this.#renewEveryMs / 2));
    this.#timer = setInterval(() => this.#sweep(period), period);
    this.#timer.unref();
  }

  #sweep(period: number): void {
    const now = performance.now();
    for (const record of this.#held) {
      if (now - record.renewedAt < period) continue;
      record.renewedAt = now;
      this.#renew(record);
    }
  }
}
