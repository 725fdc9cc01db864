// What the broker's composition root calls: opens `__consumer_offsets`, replays it into a coordinator,
// and closes both in order on stop (coordinator first: pending joins answered, writes drained). In cluster
// mode (`replicated`) nothing is replayed at start: the coordinator is loaded when this broker becomes the
// leader of `__consumer_offsets` (src/broker/cluster/coordinator-handover.ts), and its writes go through
// the replicated log the option wraps around the partition.
import type { CleanerSettings, Clock, FlushPolicy, Logger, PartitionLog, StorageFs } from '../../../storage/index.js';
import { highWatermark } from '../high-watermark.js';
import { GroupCoordinator, type GroupCoordinatorConfig } from './coordinator.js';
import { openInternalLogs } from './offsets-log.js';
import { OFFSETS_TOPIC, type OffsetsLog, OffsetsStore } from './offsets-store.js';
import { systemScheduler, type Scheduler } from './scheduler.js';

export interface GroupServiceOptions {
  dataDir: string;
  /** The broker's file system (storage's nodeFs unless a test injects one). */
  fs?: StorageFs;
  /** Flush policy of `__consumer_offsets` (the broker's default). */
  flush: FlushPolicy;
  /** The internal topics' log cleaner (false: none) and `__consumer_offsets`' segment size. */
  cleaner?: CleanerSettings | false;
  offsetsSegmentBytes?: number;
  clock: Clock;
  logger: Logger;
  /** The broker's topics: a partition's log end offset, undefined when it does not exist. */
  topics: { log(topic: string, partition: number): PartitionLog | undefined };
  config?: Partial<GroupCoordinatorConfig>;
  /** Timers for session/rebalance timeouts; default: real timers on the given clock. */
  scheduler?: Scheduler;
  /** Cluster mode: `__consumer_offsets` is a replicated partition and the coordinator follows its leadership. */
  replicated?: {
    /** The log the store writes through (appends wait for the in-sync replicas). */
    wrap(log: PartitionLog): OffsetsLog;
    /** Whether this broker leads `__consumer_offsets` now. */
    isCoordinator(): boolean;
    /** Whether this broker leads the partition now (its high watermark is the partition's; else lag is unknown). */
    leads(topic: string, partition: number): boolean;
  };
}

export interface GroupService {
  readonly coordinator: GroupCoordinator;
  /** The internal topics these logs form (`__consumer_offsets`, one partition), for read-only listing. */
  readonly internalTopics: ReadonlyArray<{ name: string; partitions: number }>;
  /** An internal topic's partition log (read-only use: offsets lookups), or undefined. */
  internalLog(topic: string, partition: number): PartitionLog | undefined;
  close(): Promise<void>;
}

export async function startGroupService(options: GroupServiceOptions): Promise<GroupService> {
  const internal = await openInternalLogs(options);
  const scheduler = options.scheduler ?? { now: () => options.clock.now(), schedule: systemScheduler.schedule };
  const { replicated } = options;
  const coordinator = new GroupCoordinator({
    store: new OffsetsStore(replicated ? replicated.wrap(internal.offsetsLog.log) : internal.offsetsLog),
    topics: {
      logEndOffset: (topic, partition) => options.topics.log(topic, partition)?.logEndOffset,
      // The consumer-visible end (high watermark); in cluster mode only where this broker leads: a
      // follower's copy may be behind the leader's, so lag is unknown (-1) elsewhere.
      visibleEnd: (topic, partition) => {
        if (replicated && !replicated.leads(topic, partition)) return undefined;
        const log = options.topics.log(topic, partition);
        return log ? highWatermark(log) : undefined;
      },
    },
    scheduler,
    config: options.config,
    logger: options.logger,
    ...(replicated ? { isCoordinator: replicated.isCoordinator } : {}),
  });
  try {
    if (!replicated) await coordinator.start();
  } catch (err) {
    await internal.close().catch(() => undefined);
    throw err;
  }
  return {
    coordinator,
    internalTopics: [{ name: OFFSETS_TOPIC, partitions: 1 }],
    internalLog: (topic, partition) =>
      topic === OFFSETS_TOPIC && partition === 0 ? internal.offsetsLog.log : undefined,
    async close() {
      try {
        await coordinator.close();
      } finally {
        await internal.close();
      }
    },
  };
}
