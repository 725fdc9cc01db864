// What the coordinator keeps per share group: its members, its config, and one lane per share-partition
// (the partition's state machine plus the I/O bookkeeping around it). Plain holders: every transition
// happens in the coordinator (coordinator.ts) or the share-partition (share-partition.ts).
import type { TimerHandle } from '../groups/index.js';
import type { ReadShareRecords } from './record-reader.js';
import type { SharePartition } from './share-partition.js';
import type { ShareGroupConfig } from './state-codec.js';
import type { ForgottenPartition, ReplayedPartition } from './state-store.js';

export interface ShareMember {
  readonly id: string;
  readonly clientId: string;
  readonly clientHost: string;
  topics: readonly string[];
  maxInFlight: number;
  /** Expires the member's session (moved on when it fires early: see `seenAt`). */
  session: TimerHandle | null;
  /** When the member was last heard from (scheduler ms). */
  seenAt: number;
  /** Where this member's next fetch starts among its lanes (rotates, so no partition starves). */
  cursor: number;
}

export class ShareLane {
  /** A read from the log into the window is under way. */
  loading: Promise<void> | null = null;
  /** The read under way is of records past the window's end (not of parked records read back after a restart). */
  loadingAhead = false;
  /**
   * Records of the last log read not yet taken into the window (a read decodes whole batches, often more
   * than the window has room for); `readAheadNext` indexes the first one not taken.
   */
  readAhead: ReadShareRecords = { records: [], nextOffset: 0 };
  readAheadNext = 0;
  timer: TimerHandle | null = null;
  timerAt = Number.POSITIVE_INFINITY;
  /** Dead letters are being written (one writer per lane). */
  deadLettering = false;
  /** The wait before retrying a failed dead-letter write (grows while it keeps failing). */
  deadLetterRetryMs = 0;
  /** The latest state append of this lane (settled either way): dead letters wait for it. */
  committed: Promise<void> = Promise.resolve();

  constructor(
    readonly topic: string,
    readonly partition: number,
    public sp: SharePartition,
    public partitionEpoch: number,
  ) {}
}

export class ShareGroup {
  readonly members = new Map<string, ShareMember>();
  /** By partitionKey(topic, partition). */
  readonly lanes = new Map<string, ShareLane>();
  /** Long-polling fetches to wake when records may have become available. */
  readonly wakers = new Set<() => void>();

  constructor(
    readonly id: string,
    public epoch: number,
    public config: ShareGroupConfig,
    /** Share-partitions read back from the state topic and not yet opened as lanes. */
    readonly replayed: Map<string, ReplayedPartition> = new Map(),
    /**
     * Partitions of deleted topics: partitionKey → the epoch their state was forgotten at (a lane opened
     * again, for a topic created again under the name, takes the next epoch, so old values stay stale).
     */
    readonly forgotten: Map<string, ForgottenPartition> = new Map(),
  ) {}

  wake(): void {
    const wakers = [...this.wakers];
    this.wakers.clear();
    for (const wake of wakers) wake();
  }
}
