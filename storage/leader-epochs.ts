// The leader-epoch history of one partition (Kafka's LeaderEpochFileCache, KIP-101): for each leader epoch
// found in the log, the offset of its first batch, in increasing order of both. Replication asks it two
// things: a leader, "where does epoch E end in your log?" (the start of the first later epoch, or the log
// end for the latest), and a follower, "what is my last epoch?" before it truncates to the leader's answer.
//
// Derived data: built from batch headers the first time it is asked (one header walk over the segments;
// nothing is kept on disk), then kept by the append and truncation paths of the partition, in its queue.
// Batches with no epoch (-1: written on a single node) start no entry.
import type { Segment } from './segment.js';
import { walkHeaders } from './scan.js';

export interface EpochEnd {
  /** The largest epoch of the log at or below the one asked for; -1 when the log has none. */
  epoch: number;
  /** Where that epoch ends: the first offset of the next epoch, or the log end; -1 with epoch -1. */
  endOffset: number;
}

export class LeaderEpochs {
  /** [epoch, startOffset] pairs, both increasing. */
  readonly #entries: Array<[number, number]> = [];

  /** Builds the history from every batch header of `segments` (oldest first). */
  static async build(segments: readonly Segment[]): Promise<LeaderEpochs> {
    const epochs = new LeaderEpochs();
    for (const segment of segments) {
      const ok = await walkHeaders(segment.fh, 0, segment.size, (h) => {
        epochs.observe(h.leaderEpoch, h.baseOffset);
        return false;
      });
      if (!ok) throw new Error(`cannot read the batch headers of ${segment.logPath}`);
    }
    return epochs;
  }

  /** A batch of epoch `epoch` was written at `baseOffset` (after every batch already seen). */
  observe(epoch: number, baseOffset: number): void {
    if (epoch < 0) return;
    const last = this.#entries[this.#entries.length - 1];
    if (last && epoch <= last[0]) return;
    this.#entries.push([epoch, baseOffset]);
  }

  /** The newest epoch in the log, -1 when there is none. */
  get latest(): number {
    return this.#entries[this.#entries.length - 1]?.[0] ?? -1;
  }

  /** The log was truncated to `logEnd`: epochs that started at or after it are gone. */
  truncateTo(logEnd: number): void {
    while (this.#entries.length > 0 && this.#entries[this.#entries.length - 1]![1] >= logEnd) this.#entries.pop();
  }

  /** Kafka's OffsetForLeaderEpoch answer for `epoch`, given the log end now. */
  endOf(epoch: number, logEnd: number): EpochEnd {
    let found = -1;
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      if (this.#entries[i]![0] <= epoch) {
        found = i;
        break;
      }
    }
    if (found < 0) return { epoch: -1, endOffset: -1 };
    const next = this.#entries[found + 1];
    return { epoch: this.#entries[found]![0], endOffset: next ? next[1] : logEnd };
  }
}
