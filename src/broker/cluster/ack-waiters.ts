// acks=-1's purgatory (Kafka's DelayedProduce): a produce whose records are appended on the leader waits here
// until the partition's high watermark passes its last offset (the ISR holds every record of it), or its
// timeout (REQUEST_TIMED_OUT: the records may still become committed; the producer retries, idempotence
// deduplicates), or the loss of leadership (NOT_LEADER_FOR_PARTITION: the new leader decides what stays).
//
// Per partition the waiters are kept in arrival order; a high watermark move releases every one it covers.
import { partitionKey } from '../partition-key.js';

export type AckOutcome = 'committed' | 'timed-out' | 'not-leader';

interface Waiter {
  /** Released once the high watermark is past this offset (the produce's last offset + 1). */
  end: number;
  settle(outcome: AckOutcome): void;
}

export class AckWaiters {
  readonly #byPartition = new Map<string, Waiter[]>();

  /** Resolves once the high watermark reaches `end`, after `timeoutMs`, or when leadership is lost. */
  wait(topic: string, partition: number, end: number, timeoutMs: number): Promise<AckOutcome> {
    const key = partitionKey(topic, partition);
    return new Promise((resolve) => {
      let list = this.#byPartition.get(key);
      if (!list) this.#byPartition.set(key, (list = []));
      const waiter: Waiter = {
        end,
        settle: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      };
      const timer = setTimeout(() => {
        const current = this.#byPartition.get(key);
        const at = current?.indexOf(waiter) ?? -1;
        if (at >= 0) current!.splice(at, 1);
        if (current?.length === 0) this.#byPartition.delete(key);
        resolve('timed-out');
      }, timeoutMs);
      list.push(waiter);
    });
  }

  /** The high watermark is now `highWatermark`: every waiter it covers is answered. */
  advanced(topic: string, partition: number, highWatermark: number): void {
    const key = partitionKey(topic, partition);
    const list = this.#byPartition.get(key);
    if (!list) return;
    // Appends are serial but a waiter registers after its append resolved: a later one can come first.
    const ready = list.filter((w) => w.end <= highWatermark);
    const rest = list.filter((w) => w.end > highWatermark);
    if (rest.length > 0) this.#byPartition.set(key, rest);
    else this.#byPartition.delete(key);
    for (const waiter of ready) waiter.settle('committed');
  }

  /** Leadership of the partition is lost (or the broker stops): every waiter is answered NOT_LEADER. */
  leadershipLost(topic: string, partition: number): void {
    const key = partitionKey(topic, partition);
    const list = this.#byPartition.get(key);
    if (!list) return;
    this.#byPartition.delete(key);
    for (const waiter of list) waiter.settle('not-leader');
  }

  /** Answers every waiter NOT_LEADER (the broker stops, or its lease lapsed). */
  closeAll(): void {
    const lists = [...this.#byPartition.values()];
    this.#byPartition.clear();
    for (const list of lists) for (const waiter of list) waiter.settle('not-leader');
  }
}
