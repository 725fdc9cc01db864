// Long-poll fetch wake-ups. A fetch that found fewer than minBytes registers one callback on each of its
// partitions; a successful append (or a topic deletion, or shutdown) calls and drops every callback of
// that partition. Nothing polls storage on a timer: the only timer is the fetch's own maxWaitMs. A wait
// that is on no partition (a FetchPush stream out of credit) registers for shutdown alone (registerStop).
import { partitionKey } from '../partition-key.js';

export type Wake = () => void;

/** Emptied keys kept before a sweep drops them (and at most twice the keys with a waiter). */
const EMPTY_KEYS_KEPT = 1024;

// A partition's key stays in the map, with an empty set, after its waiters are woken or removed: a caught-up
// consumer's fetch re-arms on the same partition once per burst, and deleting and re-adding its key each
// time made the map reallocate its table twice per burst, tables that a long-lived map keeps past the next
// scavenge (promoted, then garbage for a full collection: bench/RESULTS.md, "the fetch waiters' map").
// Emptied keys are counted and swept once there are more than EMPTY_KEYS_KEPT of them and more than twice
// the keys with a waiter, so partitions no one waits on any more (a deleted topic's) cost a bounded amount.
export class PartitionWaiters {
  private readonly waiting = new Map<string, Set<Wake>>();
  private readonly stopWaiting = new Set<Wake>();
  private spare: Set<Wake> | null = null;
  /** Wakes registered on partitions (a wake on two partitions counts twice), and keys whose set is empty. */
  private parked = 0;
  private emptyKeys = 0;

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
      } else if (set.size === 0) this.emptyKeys--;
      else if (set.has(wake)) continue;
      set.add(wake);
      this.parked++;
    }
  }

  /** Undoes add(); `wake` may have been woken (and dropped) since. */
  remove(keys: readonly string[], wake: Wake): void {
    for (const key of keys) {
      const set = this.waiting.get(key);
      if (!set?.delete(wake)) continue;
      this.parked--;
      if (set.size === 0) this.emptied();
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
    if (this.parked === 0) return;
    const key = partitionKey(topic, partition);
    const set = this.waiting.get(key);
    if (!set || set.size === 0) return;
    // The woken are dropped first: a wake may register again on this partition (into the fresh set).
    this.waiting.set(key, this.spare ?? new Set());
    this.spare = null;
    this.parked -= set.size;
    this.emptied();
    for (const wake of set) wake();
    set.clear();
    this.spare = set;
  }

  /** Wakes every waiting fetch (shutdown). */
  notifyAll(): void {
    const sets = [...this.waiting.values(), new Set(this.stopWaiting)];
    this.waiting.clear();
    this.stopWaiting.clear();
    this.parked = 0;
    this.emptyKeys = 0;
    for (const set of sets) for (const wake of set) wake();
  }

  /** Wakes registered on partitions now. */
  get size(): number {
    return this.parked;
  }

  /** A key's set became empty; sweeps the emptied keys when they are too many. */
  private emptied(): void {
    this.emptyKeys++;
    if (this.emptyKeys <= EMPTY_KEYS_KEPT || this.emptyKeys <= 2 * (this.waiting.size - this.emptyKeys)) return;
    for (const [key, set] of this.waiting) if (set.size === 0) this.waiting.delete(key);
    this.emptyKeys = 0;
  }
}
