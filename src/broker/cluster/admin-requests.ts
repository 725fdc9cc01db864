// Kafka's admin APIs for the controller's work (ElectLeaders, AlterPartitionReassignments,
// ListPartitionReassignments), from any broker: each writes the same etcd request `sluice cluster
// elect-leaders` and `sluice cluster reassign` write (operations.ts), which the controller carries out
// (controller.ts), and reads the outcome from this broker's metadata cache.
import { randomUUID } from 'node:crypto';
import { EtcdError, type EtcdClient } from './etcd-client.js';
import type { ClusterKeys } from './keys.js';
import type { ClusterMetadataCache } from './metadata-cache.js';
import type { ElectLeadersRequest, ReassignmentRequest } from './records.js';

/** A reassignment under way, as ListPartitionReassignments shows it. */
export interface ReassignmentInProgress {
  topic: string;
  partition: number;
  /** The replica set now (targets and the replicas leaving, while the new ones catch up). */
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

/** How long an admin write waits for this broker's cache to show it (the watch is usually milliseconds behind). */
const CACHE_CATCH_UP_MS = 5000;

/** What AlterPartitionReassignments did to one partition. */
export type ReassignmentChange = 'started' | 'replaced' | 'cancelled' | 'none-in-progress';

export class ClusterAdminRequests {
  readonly #etcd: EtcdClient;
  readonly #keys: ClusterKeys;
  readonly #cache: ClusterMetadataCache;
  readonly #until: (condition: () => boolean, ms: number) => Promise<void>;

  constructor(options: {
    etcd: EtcdClient;
    keys: ClusterKeys;
    cache: ClusterMetadataCache;
    /** Resolves when `condition` holds after a cache change, or after `ms`. */
    until(condition: () => boolean, ms: number): Promise<void>;
  }) {
    this.#etcd = options.etcd;
    this.#keys = options.keys;
    this.#cache = options.cache;
    this.#until = options.until;
  }

  /**
   * Puts the election request and waits until the controller removed it (it then wrote what it elected).
   * After `waitMs` the request is withdrawn and an EtcdError (retriable) thrown.
   */
  async electLeaders(request: ElectLeadersRequest, waitMs: number): Promise<void> {
    const name = randomUUID();
    const key = this.#keys.electLeadersRequest(name);
    const put = await this.#etcd.put(key, JSON.stringify(request));
    // Done once the cache has seen the put and no longer holds the request (the controller's writes come
    // before its delete, so the cache then shows what it elected).
    const done = () => this.#cache.revision >= put && !this.#cache.electionRequests().has(name);
    await this.#until(done, waitMs);
    if (!done()) {
      await this.#etcd.delete(key).catch(() => {});
      throw new EtcdError(`no controller carried out the election within ${waitMs} ms`, true);
    }
  }

  /**
   * Starts a reassignment to `target` (replacing one under way: its original replicas are kept), or with
   * null cancels the one under way: the partition goes back to its original replicas (the replicas added
   * so far leave once the originals are in sync). Written by compare-and-swap on the request as read; resolves
   * once this broker's cache has seen the write (up to CACHE_CATCH_UP_MS), so a ListPartitionReassignments
   * sent here next shows it.
   */
  async alterReassignment(
    topic: string,
    partition: number,
    target: { replicas: number[]; throttleBytesPerSecond: number | null } | null,
  ): Promise<ReassignmentChange> {
    const key = this.#keys.reassignment(topic, partition);
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.#etcd.get(key);
      const under = current ? this.#cache.reassignment(topic, partition)?.value : undefined;
      const state = this.#cache.partition(topic, partition)?.value;
      const original = under?.originalReplicas ?? state?.replicas ?? [];
      let next: ReassignmentRequest | undefined;
      if (target) next = { ...target, originalReplicas: original };
      else if (current && under?.originalReplicas)
        next = {
          replicas: under.originalReplicas,
          throttleBytesPerSecond: null,
          originalReplicas: under.originalReplicas,
        };
      else if (!current) return 'none-in-progress';
      const written = await this.#etcd.compareAndSwap(
        [{ key, modRevision: current?.modRevision ?? 0 }],
        next ? [{ key, value: JSON.stringify(next) }] : [],
        next ? [] : [{ key }],
      );
      if (written.succeeded) {
        await this.#until(() => this.#cache.revision >= written.revision, CACHE_CATCH_UP_MS);
        return target ? (current ? 'replaced' : 'started') : 'cancelled';
      }
    }
    throw new EtcdError(`the reassignment of ${topic}-${partition} kept changing under this change`, true);
  }

  /** Every reassignment under way (of the partitions named, when `wanted` is given). */
  reassignments(wanted?: (topic: string, partition: number) => boolean): ReassignmentInProgress[] {
    const out: ReassignmentInProgress[] = [];
    for (const [topic, { value: spec }] of this.#cache.topics()) {
      for (let partition = 0; partition < spec.partitions; partition++) {
        if (wanted && !wanted(topic, partition)) continue;
        const request = this.#cache.reassignment(topic, partition)?.value;
        const state = this.#cache.partition(topic, partition)?.value;
        if (!request || !state) continue;
        const original = request.originalReplicas ?? state.replicas;
        out.push({
          topic,
          partition,
          replicas: state.replicas,
          addingReplicas: request.replicas.filter((r) => !original.includes(r)),
          removingReplicas: original.filter((r) => !request.replicas.includes(r)),
        });
      }
    }
    return out;
  }
}
