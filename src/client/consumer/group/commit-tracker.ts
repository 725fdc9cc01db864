// Which consumed positions still need committing, and whether an automatic commit is due. kafkajs's
// run() options: autoCommitInterval (ms since the last commit) and autoCommitThreshold (messages consumed
// since the last commit); with neither set, every processed batch is committed (kafkajs's default).
// Only partitions whose position moved since their last commit are sent. With an interval the consumer also
// checks on a timer (nextCheckInMs), so the tail of a partition that went quiet is committed too. Once the
// interval has run out, a check that found nothing to commit (or a commit that failed, say in a rebalance) is
// repeated every `recheckMs` (the consumer's maxWaitTimeInMs: kafkajs checks once per fetch, and a fetch that
// gets no records ends after that long), not a whole interval later.
import { setTimeout as sleep } from 'node:timers/promises';
import type { TopicPartitionOffsetAndMetadata } from '../types.js';
import { topicPartitionKey } from '../../topic-partition.js';
import { OffsetStrings } from '../../decimal-strings.js';

/** Positions as strings for the commit, not by `String()`: why, in decimal-strings.ts. */
const commitOffsets = new OffsetStrings();

interface Position {
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: number;
}

export class CommitTracker {
  private readonly committed = new Map<string, number>();
  private lastCommit = Date.now();

  constructor(
    private readonly interval: number | null = null,
    private readonly threshold: number | null = null,
    private readonly recheckMs: number = interval ?? 0,
  ) {}

  /** Positions that moved since their last commit. */
  pending(states: Iterable<Position>): TopicPartitionOffsetAndMetadata[] {
    const out: TopicPartitionOffsetAndMetadata[] = [];
    for (const s of states) {
      if (s.nextOffset < 0 || this.committed.get(topicPartitionKey(s.topic, s.partition)) === s.nextOffset) continue;
      out.push({ topic: s.topic, partition: s.partition, offset: commitOffsets.of(s.nextOffset) });
    }
    return out;
  }

  /** Is an automatic commit of `pending` due now? */
  due(pending: TopicPartitionOffsetAndMetadata[]): boolean {
    if (pending.length === 0) return false;
    if (this.interval === null && this.threshold === null) return true;
    if (this.interval !== null && Date.now() - this.lastCommit >= this.interval) return true;
    if (this.threshold !== null) {
      let consumed = 0;
      for (const p of pending)
        consumed +=
          Number(p.offset) - (this.committed.get(topicPartitionKey(p.topic, p.partition)) ?? Number(p.offset));
      if (consumed >= this.threshold) return true;
    }
    return false;
  }

  /**
   * With autoCommitInterval: when the timer should next look for something to commit — when the interval
   * since the last commit ends, or `recheckMs` from now once it has (nothing was pending, or the commit
   * failed). Null without an interval.
   */
  nextCheckInMs(): number | null {
    if (this.interval === null) return null;
    const left = this.lastCommit + this.interval - Date.now();
    return left > 0 ? left : Math.min(this.interval, this.recheckMs);
  }

  /** Records offsets as committed (after a commit, or when a partition starts at its committed offset). */
  done(offsets: Iterable<{ topic: string; partition: number; offset: string | number }>): void {
    for (const o of offsets) this.committed.set(topicPartitionKey(o.topic, o.partition), Number(o.offset));
    this.lastCommit = Date.now();
  }

  forget(topic: string, partition: number): void {
    this.committed.delete(topicPartitionKey(topic, partition));
  }
}

/** How often waitIdle looks whether the runner's workers let go of the partitions. */
const IDLE_POLL_MS = 5;
/** How long waitIdle waits at most for a handler to finish a revoked partition's batch. */
const IDLE_WAIT_MS = 30_000;

/** Resolves once none of `states` is being handled by a runner worker (a revoked partition's last batch). */
export async function waitIdle(states: ReadonlyArray<{ busy: boolean }>, timeoutMs = IDLE_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (states.some((s) => s.busy) && Date.now() < deadline) await sleep(IDLE_POLL_MS);
}
