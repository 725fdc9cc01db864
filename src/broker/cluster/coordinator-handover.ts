// A coordinator that lives on the leader of an internal partition (the group coordinator on
// `__consumer_offsets`): when this broker becomes the partition's leader, the coordinator's state is loaded
// from the replicated log before it serves (it answers COORDINATOR_LOAD_IN_PROGRESS meanwhile); when the
// leadership leaves (another leader elected, or this broker's lease lapsed), it resigns: its in-memory
// state is dropped and its members are sent to look the coordinator up again.
//
// Concurrency: check() runs after every metadata change and on a timer (a lease runs out without any
// change in etcd); transitions run one at a time in a chain, each deciding on the leadership as it is when
// it runs, so a quick lose-and-regain ends loaded from the log as it is after the regain.
import type { Logger } from 'pino';

export interface HandedOverCoordinator {
  /** Loads the state from the partition (this broker leads it now). */
  load(): Promise<void>;
  /** Drops the state (another broker leads the partition now). */
  resign(): Promise<void>;
}

export interface CoordinatorHandoverOptions {
  topic: string;
  partition: number;
  coordinator: HandedOverCoordinator;
  /** Whether this broker leads the partition now (its lease alive). */
  isLeader(): boolean;
  logger: Logger;
  /** How often leadership is checked without a metadata change. Default 500 ms. */
  checkIntervalMs?: number;
}

export class CoordinatorHandover {
  readonly #options: CoordinatorHandoverOptions;
  readonly #timer: NodeJS.Timeout;
  /** What the coordinator is (or is becoming, once the chain runs). */
  #loaded = false;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: CoordinatorHandoverOptions) {
    this.#options = options;
    this.#timer = setInterval(() => this.check(), options.checkIntervalMs ?? 500);
    this.#timer.unref();
  }

  /** Loads or resigns the coordinator when this broker's leadership of the partition changed. */
  check(): void {
    if (this.#closed || this.#options.isLeader() === this.#loaded) return;
    this.#chain = this.#chain.then(() => this.#transition());
  }

  async #transition(): Promise<void> {
    const { topic, partition, coordinator, logger } = this.#options;
    const leading = this.#options.isLeader();
    if (this.#closed || leading === this.#loaded) return;
    this.#loaded = leading;
    const where = `${topic}-${partition}`;
    try {
      if (leading) {
        logger.info({ topic, partition }, `leading ${where}: loading the coordinator's state from it`);
        await coordinator.load();
        logger.info({ topic, partition }, `coordinator of ${where} loaded and serving`);
      } else {
        await coordinator.resign();
        logger.info({ topic, partition }, `no longer leading ${where}: coordinator resigned`);
      }
    } catch (error) {
      // Loading failed (a read error): try again on the next check.
      this.#loaded = !leading;
      logger.error({ err: error, topic, partition }, `cannot hand over the coordinator of ${where}`);
    }
  }

  /** Stops checking; waits for a transition under way. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#chain;
  }
}
