// Per assigned partition: where the next fetch starts, where delivery stands, and what is prefetched.
//
//   fetchOffset   next offset to ask the broker for (ahead of delivery by what is buffered)
//   nextOffset    next offset to hand to the application (resolved position; what a commit stores)
//   epoch         bumped by seek/reset: a fetch response or buffered batch from an older epoch is dropped
//   buffered      fetched record bytes waiting for the runner, bounded by `bufferedBytes`; decoded a
//                 slice at a time just before delivery (see decode.ts)
//   undelivered   decoded messages handed out but not consumed (the handler failed, or the partition was
//                 paused mid-batch): delivered again, before `buffered`, without fetching them again;
//                 `undeliveredNextOffset` is the offset after their slice (its trailing markers included)

import type { RetrySchedule } from '../retry.js';
import type { AbortedTransactionFilter } from './aborted-transactions.js';
import type { FetchedBatch } from './batch.js';

/** One fetch response's record bytes for one partition. */
export interface BufferedFetch {
  epoch: number;
  bytes: Buffer;
  /** Next batch to decode. */
  pos: number;
  /** End of the last complete batch. */
  end: number;
  /** The offset that fetch asked for: records below it are skipped. */
  fromOffset: number;
  highWatermark: number;
  /** read_committed with aborted transactions in the response: drops their batches (null: none to drop). */
  aborted: AbortedTransactionFilter | null;
  /**
   * Lets go of the response's frame (it goes back to the frame pool once every partition of the response
   * let go). By default called once the last slice was decoded (its records copied out), unless a message
   * views the frame (`aliased`); with reuseFetchBuffers, once the last slice was delivered and nothing of
   * it is kept.
   */
  release: (() => void) | null;
  /** Default mode: a decoded slice left messages viewing the frame, which must then never be reused. */
  aliased: boolean;
}

export class PartitionState {
  fetchOffset = -1;
  nextOffset = -1;
  epoch = 0;
  paused = false;
  /** A fetch including this partition is in flight. */
  fetching = false;
  /** A runner worker is delivering this partition's head batch. */
  busy = false;
  highWatermark = -1;
  bufferedBytes = 0;
  readonly buffered: BufferedFetch[] = [];
  undelivered: FetchedBatch | null = null;
  /** Offset after the slice `undelivered` came from, skipped batches included (null: not known). */
  undeliveredNextOffset: number | null = null;
  /** The reset policy when the position is out of range or unknown. */
  fromBeginning = false;
  /** Retries of a delivery that keeps failing (handler error, undecodable batch); null until one fails. */
  retries: RetrySchedule | null = null;
  /** Neither fetched nor delivered before this time (ms): a retry's backoff. */
  notBefore = 0;
  /** No fetch has returned records since the position was set: the next asks for less (fetcher.ts, First fetch). */
  firstFetch = true;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get hasPosition(): boolean {
    return this.fetchOffset >= 0;
  }

  /**
   * Moves both positions to `offset` and drops everything buffered or in flight. The dropped fetches' frames
   * go back to the frame pool, except the head fetch while a runner worker has the partition (`busy`: it may
   * be decoding that fetch, and then lets go of it when it sees the epoch moved, runner.ts takeBatch, or
   * delivering messages that view it, and then leaves it to the collector) and any frame a message views
   * (`aliased`).
   */
  seek(offset: number): void {
    this.epoch++;
    this.firstFetch = true;
    this.fetchOffset = offset;
    this.nextOffset = offset;
    this.dropBuffered(this.busy ? 1 : 0);
    this.undelivered = null;
    this.undeliveredNextOffset = null;
  }

  /**
   * The consumer stopped: what was fetched and not delivered is dropped, and the frames no message views go
   * back to the frame pool. Only once the runner has stopped: a decode in progress still reads its frame.
   */
  dropFetched(): void {
    this.dropBuffered(0);
  }

  /** Empties `buffered`, releasing the frames of its entries from `from` on that no message views. */
  private dropBuffered(from: number): void {
    for (let i = from; i < this.buffered.length; i++) {
      const entry = this.buffered[i]!;
      if (!entry.aliased) entry.release?.();
    }
    this.buffered.length = 0;
    this.bufferedBytes = 0;
  }

  /** Something is ready for the runner (decoded messages to deliver again, or fetched bytes). */
  get hasData(): boolean {
    return this.undelivered !== null || this.buffered.length > 0;
  }
}
