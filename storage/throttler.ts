// Bounds the cleaner's I/O to a rate (Kafka's log.cleaner.io.max.bytes.per.second): after each read or
// write, the caller waits until the bytes done so far fit the rate since the throttler started.
import { setTimeout as sleep } from 'node:timers/promises';

export class Throttler {
  readonly #bytesPerSecond: number;
  readonly #now: () => number;
  #start: number;
  #bytes = 0;

  constructor(bytesPerSecond: number, now: () => number = () => performance.now()) {
    this.#bytesPerSecond = bytesPerSecond;
    this.#now = now;
    this.#start = now();
  }

  /** `bytes` more were read or written: waits as long as the rate requires. */
  async done(bytes: number): Promise<void> {
    if (!Number.isFinite(this.#bytesPerSecond)) return;
    this.#bytes += bytes;
    const elapsedMs = this.#now() - this.#start;
    const dueMs = (this.#bytes / this.#bytesPerSecond) * 1000;
    if (dueMs > elapsedMs) await sleep(dueMs - elapsedMs);
    // Long runs restart the window, so an idle stretch does not buy a burst later.
    if (elapsedMs > 1000) {
      this.#start = this.#now();
      this.#bytes = 0;
    }
  }
}
