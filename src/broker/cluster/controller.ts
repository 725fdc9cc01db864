// The controller (Kafka's KafkaController, with etcd in ZooKeeper's place). Every broker runs one of these;
// only the one that holds /controller acts. Election: a compare-and-swap creating /controller (expected
// revision 0) tied to the broker's lease; when the holder's lease ends, the key goes and every other broker
// tries again. The winner's controller revision (the key's modRevision) fences its writes: each partition
// write is a transaction expecting both the partition's revision as read and that controller revision, so
// a deposed controller still acting on a stale view writes nothing.
//
// Duties, run after every metadata change (one pass at a time, a pass that was asked for during a pass
// runs after it): remove topics marked for deletion; give new topics' partitions their replicas and first
// leader; move leadership off dead brokers and brokers shutting down (leader-election.ts); preferred leader
// elections asked for by operators (/elect-leaders/<request>) and, when on, by the periodic imbalance check.
// Partition state is written here and nowhere else.
import type { Logger } from 'pino';
import { assignReplicas } from './assignment.js';
import { type EtcdClient, isEtcdUnreachable } from './etcd-client.js';
import type { ClusterKeys } from './keys.js';
import { electLeader, imbalancedBrokers, preferredLeader, uncleanLeader } from './leader-election.js';
import type { ClusterMetadataCache, Versioned } from './metadata-cache.js';
import { reassignmentStep } from './reassignment.js';
import type { ElectLeadersRequest, PartitionState, ReassignmentRequest } from './records.js';

/** The controller key's revision as this controller won it: every write expects it (a deposed one writes nothing). */
type Fence = { key: string; modRevision: number };

export interface ControllerOptions {
  brokerId: number;
  etcd: EtcdClient;
  keys: ClusterKeys;
  cache: ClusterMetadataCache;
  logger: Logger;
  /** The lease of this broker's registration, or undefined while unregistered. */
  lease: () => string | undefined;
  /** Automatic preferred leader elections (Kafka's auto.leader.rebalance.enable), or undefined for none. */
  rebalance?: { intervalMs: number; maxImbalancePercent: number };
}

export class Controller {
  readonly #options: ControllerOptions;
  #running = false;
  #again = false;
  #closed = false;
  #rebalanceDue = false;
  readonly #rebalanceTimer: NodeJS.Timeout | undefined;

  constructor(options: ControllerOptions) {
    this.#options = options;
    if (options.rebalance) {
      this.#rebalanceTimer = setInterval(() => {
        if (!this.active) return;
        this.#rebalanceDue = true;
        this.poke();
      }, options.rebalance.intervalMs);
      this.#rebalanceTimer.unref();
    }
  }

  /** True while this broker holds /controller (as the cache last saw it). */
  get active(): boolean {
    return this.#options.cache.controller?.value.brokerId === this.#options.brokerId;
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#rebalanceTimer);
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
      .catch((error: unknown) => {
        const level = isEtcdUnreachable(error) ? 'debug' : 'warn';
        this.#options.logger[level]({ err: error }, 'controller pass failed; retrying on the next change');
      })
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
        if (!(await this.#write(topic, p, current, next, fence))) return;
      }
    }
    if (this.#rebalanceDue) {
      this.#rebalanceDue = false;
      if (!(await this.#rebalance(fence))) return;
    }
    for (const [name, request] of cache.electionRequests()) {
      if (!(await this.#electPreferred(name, request, fence))) return;
    }
    for (const { topic, partition, state } of [...this.#placed()]) {
      const request = cache.reassignment(topic, partition);
      if (request && !(await this.#reassign(topic, partition, state, request, fence))) return;
    }
  }

  /** One step of a partition reassignment (reassignment.ts). False when a write lost (the pass stops). */
  async #reassign(
    topic: string,
    partition: number,
    state: Versioned<PartitionState>,
    request: Versioned<ReassignmentRequest>,
    fence: Fence,
  ): Promise<boolean> {
    const { cache, etcd, keys, logger } = this.#options;
    const step = reassignmentStep(state.value, request.value.replicas, (id) => cache.isEligible(id));
    if (step.kind === 'wait') return true;
    if (step.next && !(await this.#write(topic, partition, state, step.next, fence))) return false;
    if (step.kind === 'grow') {
      logger.info({ topic, partition, replicas: step.next.replicas }, 'reassignment: new replicas catching up');
      return true;
    }
    const key = keys.reassignment(topic, partition);
    const done = await etcd.compareAndSwap([fence, { key, modRevision: request.modRevision }], [], [{ key }]);
    if (done.succeeded) logger.info({ topic, partition, replicas: request.value.replicas }, 'reassignment done');
    return done.succeeded;
  }

  /** One partition's new state, by a fenced compare-and-swap on the state read. False when it lost (the pass stops). */
  async #write(
    topic: string,
    partition: number,
    current: Versioned<PartitionState> | undefined,
    next: PartitionState,
    fence: Fence,
  ): Promise<boolean> {
    const { etcd, keys, logger } = this.#options;
    const key = keys.partition(topic, partition);
    const written = await etcd.compareAndSwap(
      [fence, { key, modRevision: current?.modRevision ?? 0 }],
      [{ key, value: JSON.stringify(next) }],
    );
    if (!written.succeeded) {
      logger.info({ topic, partition }, 'partition state changed under the controller (or it was deposed): re-reading');
      return false;
    }
    if (current && next.leader !== current.value.leader)
      logger.info(
        { topic, partition, leader: next.leader, leaderEpoch: next.leaderEpoch, isr: next.isr },
        next.leader < 0 ? 'partition offline: no live in-sync replica' : 'moved partition leadership',
      );
    return true;
  }

  /** Every placed partition, with its state as the cache holds it. */
  *#placed(): Generator<{ topic: string; partition: number; state: Versioned<PartitionState> }> {
    const { cache } = this.#options;
    for (const [topic, { value: spec }] of cache.topics()) {
      if (spec.deleting) continue;
      for (let partition = 0; partition < spec.partitions; partition++) {
        const state = cache.partition(topic, partition);
        if (state) yield { topic, partition, state };
      }
    }
  }

  /**
   * An operator's preferred leader election (`sluice cluster elect-leaders`, ElectLeaders): each named
   * partition (or every one) is led by its first replica again where that one is eligible and in the ISR (an
   * unclean one: an offline partition by any eligible replica); then the request key is removed, which
   * tells the operator it is done.
   */
  async #electPreferred(name: string, request: Versioned<ElectLeadersRequest>, fence: Fence): Promise<boolean> {
    const { cache, etcd, keys, logger } = this.#options;
    const named =
      request.value.partitions && new Set(request.value.partitions.map((p) => `${p.topic}\0${p.partition}`));
    for (const { topic, partition, state } of this.#placed()) {
      if (named && !named.has(`${topic}\0${partition}`)) continue;
      const next =
        request.value.type === 'unclean'
          ? uncleanLeader(
              state.value,
              (id) => cache.isAlive(id),
              (id) => cache.isEligible(id),
            )
          : preferredLeader(state.value, (id) => cache.isEligible(id));
      if (next && !(await this.#write(topic, partition, state, next, fence))) return false;
    }
    const done = await etcd.compareAndSwap(
      [fence, { key: keys.electLeadersRequest(name), modRevision: request.modRevision }],
      [],
      [{ key: keys.electLeadersRequest(name) }],
    );
    if (done.succeeded)
      logger.info({ request: name, partitions: request.value.partitions }, 'preferred leader election done');
    return done.succeeded;
  }

  /**
   * Kafka's auto.leader.rebalance.enable: every leaderImbalanceCheckIntervalMs, the brokers whose share of
   * partitions led by another broker than them (their preferred ones) is above leaderImbalancePerBrokerPercent
   * get a preferred leader election of those partitions.
   */
  async #rebalance(fence: Fence): Promise<boolean> {
    const { cache, rebalance } = this.#options;
    if (!rebalance) return true;
    const placed = [...this.#placed()];
    const imbalanced = imbalancedBrokers(
      placed.map((p) => p.state.value),
      rebalance.maxImbalancePercent,
    );
    for (const { topic, partition, state } of placed) {
      if (!imbalanced.has(state.value.replicas[0] ?? -1)) continue;
      const next = preferredLeader(state.value, (id) => cache.isEligible(id));
      if (next && !(await this.#write(topic, partition, state, next, fence))) return false;
    }
    return true;
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
