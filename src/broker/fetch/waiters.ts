// Long-poll fetch wake-ups. A fetch that found fewer than minBytes registers one callback on each of its
// partitions; a successful append (or a topic deletion, or shutdown) calls and drops every callback of
// that partition. Nothing polls storage on a timer: the only timer is the fetch's own maxWaitMs. A wait
// that is on no partition (a FetchPush stream out of credit) registers for shutdown alone (registerStop).
import { partitionKey } from '../partition-key.js';

export type Wake = () => void;

export class PartitionWaiters {
  private readonly waiting = new Map<string, Set<Wake>>();
  private readonly stopWaiting = new Set<Wake>();
  private spare: Set<Wake> | null = null;

  /** Registers `wake` on every partition; returns the function that unregisters it from all of them. */
  register(partitions: ReadonlyArray<{ topic: string; partition: number }>, wake: Wake): () => void {
    return this.registerKeys(
      partitions.map((p) => partitionKey(p.topic, p.partition)),
      wake,
    );
  }

  /** register() by partition keys (partition-key.ts), for a caller that keeps them across waits. */
  registerKeys(keys: readonly string[], wake: Wake): () => void {
    this.add(keys, wake);
    return () => this.remove(keys, wake);
  }

  /** registerKeys() without the closure, for a caller that keeps `wake` across waits (push-wait.ts). */
  add(keys: readonly string[], wake: Wake): void {
    for (const key of keys) {
      let set = this.waiting.get(key);
      if (!set) {
        set = this.spare ?? new Set();
        this.spare = null;
        this.waiting.set(key, set);
      }
      set.add(wake);
    }
  }

  /** Undoes add(); `wake` may have been woken (and dropped) since. */
  remove(keys: readonly string[], wake: Wake): void {
    for (const key of keys) {
      const set = this.waiting.get(key);
      if (!set) continue;
      set.delete(wake);
      if (set.size === 0) this.waiting.delete(key);
    }
  }

  /** Registers `wake` for shutdown only (notifyAll); returns the function that unregisters it. */
  registerStop(wake: Wake): () => void {
    this.stopWaiting.add(wake);
    return () => this.stopWaiting.delete(wake);
  }

  addStop(wake: Wake): void {
    this.stopWaiting.add(wake);
  }

  removeStop(wake: Wake): void {
    this.stopWaiting.delete(wake);
  }

  /** Wakes every fetch waiting on this partition. */
  notify(topic: string, partition: number): void {
    // Every append calls this: with nothing parked anywhere, not even the key is built.
    if (this.waiting.size === 0) return;
    const key = partitionKey(topic, partition);
    const set = this.waiting.get(key);
    if (!set) return;
    this.waiting.delete(key);
    for (const wake of set) wake();
    // The emptied set serves the next key to get a waiter (a caught-up stream re-arms once per burst).
    set.clear();
    this.spare = set;
  }

  /** Wakes every waiting fetch (shutdown). */
  notifyAll(): void {
    const sets = [...this.waiting.values(), new Set(this.stopWaiting)];
    this.waiting.clear();
    this.stopWaiting.clear();
    for (const set of sets) for (const wake of set) wake();
  }

  get size(): number {
    let n = 0;
    for (const set of this.waiting.values()) n += set.size;
    return n;
  }
}
