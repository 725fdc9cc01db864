// A growing delay per source address after repeated authentication failures: the first few attempts are
// answered at once (a typo), then each further failure from the same address waits twice as long as the
// last, up to a cap, before its answer goes out. A success from the address, or a quiet period, forgets it.
// The delay holds the failing connection's answer only: nothing else on the broker waits.
import type { Clock } from '../../../../storage/index.js';

export interface FailureDelayOptions {
  /** Failures answered without delay. Default 3. */
  readonly freeFailures?: number;
  /** Delay of the first delayed failure. Default 250 ms; doubled at each further one. */
  readonly baseDelayMs?: number;
  /** Longest delay. Default 10 s. */
  readonly maxDelayMs?: number;
  /** An address with no failure for this long starts again from zero. Default 15 min. */
  readonly forgetAfterMs?: number;
  /** Addresses tracked at most (oldest forgotten first), so a scan from many addresses cannot grow it. */
  readonly maxAddresses?: number;
}

interface Entry {
  failures: number;
  lastAt: number;
}

export class FailureDelay {
  readonly #entries = new Map<string, Entry>();
  readonly #free: number;
  readonly #base: number;
  readonly #max: number;
  readonly #forget: number;
  readonly #maxAddresses: number;

  constructor(
    private readonly clock: Clock,
    options: FailureDelayOptions = {},
  ) {
    this.#free = options.freeFailures ?? 3;
    this.#base = options.baseDelayMs ?? 250;
    this.#max = options.maxDelayMs ?? 10_000;
    this.#forget = options.forgetAfterMs ?? 15 * 60_000;
    this.#maxAddresses = options.maxAddresses ?? 10_000;
  }

  /** Records a failure from `address`; returns how long to hold its answer (ms). */
  failed(address: string): number {
    const now = this.clock.now();
    let entry = this.#entries.get(address);
    if (entry && now - entry.lastAt > this.#forget) entry = undefined;
    const failures = (entry?.failures ?? 0) + 1;
    // Re-inserted at the back: the map's order is least recently failed first.
    this.#entries.delete(address);
    this.#entries.set(address, { failures, lastAt: now });
    if (this.#entries.size > this.#maxAddresses) this.#entries.delete(this.#entries.keys().next().value!);
    if (failures <= this.#free) return 0;
    return Math.min(this.#max, this.#base * 2 ** Math.min(30, failures - this.#free - 1));
  }

  succeeded(address: string): void {
    this.#entries.delete(address);
  }
}
