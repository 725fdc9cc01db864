// The controller (Kafka's KafkaController, with etcd in ZooKeeper's place). Every broker runs one of these;
// only the one that holds /controller acts. Election: a compare-and-swap creating /controller (expected
// revision 0) tied to the broker's lease; when the holder's lease ends, the key goes and every other broker
// tries again. The winner's controller revision (the key's modRevision) fences its writes: each partition
// write is a transaction expecting both the partition's revision as read and that controller revision, so
// a deposed controller still acting on a stale view writes nothing.
//
// Duties, run after every metadata change (one pass at a time, a pass that was asked for during a pass
// runs after it): remove topics marked for deletion; give new topics' partitions their replicas and first
// leader; move leadership off dead brokers (leader-election.ts). Partition state is written here and
// nowhere else.
import type { Logger } from 'pino';
import { assignReplicas } from './assignment.js';
import type { EtcdClient } from './etcd-client.js';
import type { ClusterKeys } from './keys.js';
import { electLeader } from './leader-election.js';
import type { ClusterMetadataCache } from './metadata-cache.js';
import type { PartitionState } from './records.js';

export interface ControllerOptions {
  brokerId: number;
  etcd: EtcdClient;
  keys: ClusterKeys;
  cache: ClusterMetadataCache;
  logger: Logger;
  /** The lease of this broker's registration, or undefined while unregistered. */
  lease: () => string | undefined;
}

export class Controller {
  readonly #options: ControllerOptions;
  #running = false;
  #again = false;
  #closed = false;

  constructor(options: ControllerOptions) {
    this.#options = options;
  }

  /** True while this broker holds /controller (as the cache last saw it). */
  get active(): boolean {
    return this.#options.cache.controller?.value.brokerId === this.#options.brokerId;
  }

  close(): void {
    this.#closed = true;
  }

  /** Runs a pass now, or right after the running one. Never throws: failures are logged and retried on the next change. */
  poke(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void this.#pass()
      .catch((error: unknown) =>
        this.#options.logger.warn({ err: error }, 'controller pass failed; retrying on the next change'),
      )
      .finally(() => {
        this.#running = false;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }

  async #pass(): Promise<void> {
    const { cache, etcd, keys, brokerId, logger } = this.#options;
    const controller = cache.controller;
    if (!controller) {
      const lease = this.#options.lease();
      if (!lease) return;
      const won = await etcd.compareAndSwap(
        [{ key: keys.controller, modRevision: 0 }],
        [{ key: keys.controller, value: JSON.stringify({ brokerId }), lease }],
      );
      if (won.succeeded) logger.info({ brokerId, revision: won.revision }, 'elected controller');
      return; // the watch brings the new /controller; the next pass acts on it
    }
    if (controller.value.brokerId !== brokerId) return;
    const fence = { key: keys.controller, modRevision: controller.modRevision };
    const live = cache
      .brokers()
      .map((b) => b.id)
      .filter((id) => cache.isEligible(id));
    for (const [topic, { value: spec, modRevision }] of cache.topics()) {
      if (spec.deleting) {
        if (!(await this.#removeTopic(topic, modRevision, fence))) return;
        continue;
      }
      for (let p = 0; p < spec.partitions; p++) {
        if (this.#closed) return;
        const current = cache.partition(topic, p);
        let next: PartitionState | undefined;
        if (!current) {
          if (live.length < spec.replicationFactor) {
            logger.warn(
              { topic, partition: p, replicationFactor: spec.replicationFactor, liveBrokers: live.length },
              'cannot place a new partition: fewer live brokers than its replication factor',
            );
            continue;
          }
          const replicas = assignReplicas(topic, p, live, spec.replicationFactor);
          // Followers join the ISR once they have caught up with the leader; at birth only the leader is in it.
          next = { replicas, leader: replicas[0]!, leaderEpoch: 0, isr: [replicas[0]!] };
        } else {
          // A broker shutting down counts as gone: its leaderships move to other ISR members (controlled shutdown).
          next = electLeader(
            current.value,
            (id) => cache.isAlive(id),
            (id) => cache.isEligible(id),
          );
        }
        if (!next) continue;
        const key = keys.partition(topic, p);
        const written = await etcd.compareAndSwap(
          [fence, { key, modRevision: current?.modRevision ?? 0 }],
          [{ key, value: JSON.stringify(next) }],
        );
        if (!written.succeeded) {
          logger.info(
            { topic, partition: p },
            'partition state changed under the controller (or it was deposed): re-reading',
          );
          return;
        }
        if (current && next.leader !== current.value.leader)
          logger.info(
            { topic, partition: p, leader: next.leader, leaderEpoch: next.leaderEpoch, isr: next.isr },
            next.leader < 0 ? 'partition offline: no live in-sync replica' : 'moved partition leadership',
          );
      }
    }
  }

  /**
   * DeleteTopics marked the topic: its spec and every partition state go in one fenced transaction. Every
   * broker deletes its local logs when it sees the topic go (local-topics.ts). Returns false when the
   * transaction lost (the pass stops; the watch brings what changed).
   */
  async #removeTopic(
    topic: string,
    modRevision: number,
    fence: { key: string; modRevision: number },
  ): Promise<boolean> {
    const { etcd, keys, logger } = this.#options;
    const removed = await etcd.compareAndSwap(
      [fence, { key: keys.topic(topic), modRevision }],
      [],
      [{ key: keys.topic(topic) }, { key: keys.topicPartitions(topic), prefix: true }],
    );
    if (removed.succeeded) logger.info({ topic }, 'deleted topic from the cluster');
    return removed.succeeded;
  }
}
