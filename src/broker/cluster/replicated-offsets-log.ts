// `__consumer_offsets` in cluster mode: the group coordinator's store writes through this, with acks=-1
// semantics. An append is accepted only while this broker leads the partition, is stamped with the leader
// epoch (so a follower truncates a deposed coordinator's tail like any other partition's), and resolves
// once the in-sync replicas hold it (the high watermark passed it): a commit acknowledged to a consumer
// survives the coordinator's death. A write the ISR does not confirm in time fails with
// 'replication-timed-out' (REQUEST_TIMED_OUT, retriable); one cut short by a leadership move with
// 'not-coordinator' (the consumer looks its coordinator up again).
import type { PartitionLog } from '../../../storage/index.js';
import { GroupError } from '../groups/errors.js';
import { type OffsetsLog, PartitionOffsetsLog } from '../groups/index.js';
import type { ClusterView } from './cluster-node.js';

export interface ReplicatedOffsetsLogOptions {
  log: PartitionLog;
  /** The cluster, once this broker has joined it (undefined before). */
  cluster(): ClusterView | undefined;
  /** Wakes the followers' parked replica fetches on the partition. */
  notify(topic: string, partition: number): void;
  /** How long an append waits for the in-sync replicas. */
  timeoutMs: number;
}

export class ReplicatedOffsetsLog implements OffsetsLog {
  readonly #options: ReplicatedOffsetsLogOptions;
  readonly #reader: PartitionOffsetsLog;

  constructor(options: ReplicatedOffsetsLogOptions) {
    this.#options = options;
    this.#reader = new PartitionOffsetsLog(options.log);
  }

  async append(batch: Buffer): Promise<void> {
    const { log, notify, timeoutMs } = this.#options;
    const { topic, partition } = log;
    const cluster = this.#options.cluster();
    const replication = cluster?.replication;
    if (!cluster || !replication || !cluster.isLeader(topic, partition))
      throw new GroupError('not-coordinator', `this broker does not lead ${topic}-${partition} now`);
    const leaderEpoch = cluster.partition(topic, partition)?.leaderEpoch;
    const result = await log.append(batch, { leaderEpoch });
    notify(topic, partition);
    replication.appended(topic, partition);
    const outcome = await replication.awaitCommitted(topic, partition, result.lastOffset + 1, timeoutMs);
    if (outcome === 'not-leader')
      throw new GroupError(
        'not-coordinator',
        `this broker stopped leading ${topic}-${partition} before the in-sync replicas confirmed the write`,
      );
    if (outcome === 'timed-out')
      throw new GroupError(
        'replication-timed-out',
        `the in-sync replicas of ${topic}-${partition} did not confirm the write within ${timeoutMs} ms`,
      );
  }

  readAll(): AsyncIterable<Buffer> {
    return this.#reader.readAll();
  }
}
