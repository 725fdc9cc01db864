// One socket's subscription to one partition without a group. It rides the partition's shared tail
// (partition-tails.ts) whenever it can; while it is behind the tail (it asked for `earliest` or an offset,
// or the tail dropped it for being slow) it reads the log on its own, waiting for its socket to drain
// first, and joins the tail again once it has caught up.
import { CoreError, type HttpCore } from '../core.js';
import {
  type PartitionTails,
  READ_LIMITS,
  type RecordFormat,
  recordFrame,
  type TailMember,
} from './partition-tails.js';

/** What a feed needs of its socket (the session owns the socket and its backpressure rules). */
export interface FeedOutlet {
  /** Under the buffered-bytes limit. */
  canTake(): boolean;
  send(frame: Buffer, format: RecordFormat): void;
  /** Resolves once the socket is under its limit; rejects when the session ends (closing a stuck socket). */
  writable(signal: AbortSignal): Promise<void>;
  /** Reports a failure of this partition to the client. */
  failed(topic: string, partition: number, error: Error): void;
}

export class PartitionFeed implements TailMember {
  readonly topic: string;
  readonly partition: number;
  position: number;
  readonly format: RecordFormat;
  readonly #core: HttpCore;
  readonly #tails: PartitionTails;
  readonly #outlet: FeedOutlet;
  readonly #signal: AbortSignal;

  constructor(
    where: { topic: string; partition: number; position: number; format: RecordFormat },
    core: HttpCore,
    tails: PartitionTails,
    outlet: FeedOutlet,
    signal: AbortSignal,
  ) {
    this.topic = where.topic;
    this.partition = where.partition;
    this.position = where.position;
    this.format = where.format;
    this.#core = core;
    this.#tails = tails;
    this.#outlet = outlet;
    this.#signal = signal;
    signal.addEventListener('abort', () => this.#tails.leave(this), { once: true });
  }

  start(): void {
    this.#readAlone();
  }

  canTake(): boolean {
    return this.#outlet.canTake();
  }

  send(frame: Buffer, format: RecordFormat): void {
    this.#outlet.send(frame, format);
  }

  leftBehind(): void {
    this.#readAlone();
  }

  failed(error: Error): void {
    if (!this.#signal.aborted) this.#outlet.failed(this.topic, this.partition, error);
  }

  #readAlone(): void {
    this.#catchUp().catch((error) => this.failed(error));
  }

  /** Reads on its own until the shared tail takes it. */
  async #catchUp(): Promise<void> {
    const stats = this.#tails.stats;
    while (!this.#signal.aborted && !this.#core.stopping) {
      await this.#outlet.writable(this.#signal);
      if (this.#signal.aborted) return;
      if (this.#tails.join(this)) return;
      let window: Awaited<ReturnType<HttpCore['read']>>;
      try {
        window = await this.#core.read(this.topic, this.partition, this.position, READ_LIMITS);
      } catch (error) {
        if (!(error instanceof CoreError) || error.errorName !== 'OFFSET_OUT_OF_RANGE') throw error;
        this.position = this.#core.partition(this.topic, this.partition).logStartOffset;
        continue;
      }
      stats.ownReads++;
      if (this.#signal.aborted) return;
      let delivered = true;
      for (const record of window.records) {
        if (record.offset < this.position) continue;
        if (!this.#outlet.canTake()) {
          delivered = false;
          break;
        }
        this.#outlet.send(recordFrame(this.topic, this.partition, record, this.format), this.format);
        stats.recordsSent++;
        this.position = record.offset + 1;
      }
      if (delivered) this.position = Math.max(this.position, window.nextOffset);
      if (window.records.length === 0 && delivered)
        await this.#core.waitForRecords(this.topic, this.partition, this.position, this.#signal);
    }
  }
}
