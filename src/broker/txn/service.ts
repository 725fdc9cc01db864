// What the broker's composition root calls: opens `__transaction_state` (compacted, its own log manager
// under `<dataDir>/__txn/`, so neither the topic registry nor the other internal logs ever see it),
// replays it into the transaction coordinator, and closes both on stop. In cluster mode (`replicated`)
// nothing is replayed at start: the coordinator is loaded when this broker becomes the leader of
// `__transaction_state` (src/broker/cluster/coordinator-handover.ts), its state is written through the
// replicated log the option wraps around the partition, and its markers go to the partitions' leaders.
import { join } from 'node:path';
import {
  type CleanerSettings,
  type Clock,
  type FlushPolicy,
  LogManager,
  type Logger,
  type PartitionLog,
  resolvePartitionConfig,
  type StorageFs,
} from '../../../storage/index.js';
import { type OffsetsLog, PartitionOffsetsLog, type Scheduler, systemScheduler } from '../groups/index.js';
import { TransactionCoordinator, TRANSACTION_STATE_TOPIC, type TxnCoordinatorConfig } from './coordinator.js';
import { LocalMarkerWriter, type MarkerWriter } from './markers.js';
import type { PendingOffset } from './transaction.js';

export const TXN_DIR = '__txn';

export interface TxnServiceOptions {
  dataDir: string;
  fs?: StorageFs;
  /** The broker's default flush policy: a transaction's state is stored this durably before it is answered. */
  flush: FlushPolicy;
  cleaner?: CleanerSettings | false;
  clock: Clock;
  logger: Logger;
  producerIds: { allocate(): Promise<number> };
  /** The broker's partitions, where markers go. */
  log(topic: string, partition: number): PartitionLog | undefined;
  appended(topic: string, partition: number): void;
  commitOffsets(groupId: string, offsets: PendingOffset[]): Promise<void>;
  config?: Partial<TxnCoordinatorConfig>;
  scheduler?: Scheduler;
  /** Cluster mode: `__transaction_state` is a replicated partition and the coordinator follows its leadership. */
  replicated?: {
    /** The log the coordinator writes its state through (appends wait for the in-sync replicas). */
    wrap(log: PartitionLog): OffsetsLog;
    /** Whether this broker leads `__transaction_state` now. */
    isCoordinator(): boolean;
    /** The leader epoch of `__transaction_state`: the coordinator epoch markers carry. */
    coordinatorEpoch(): number;
    /** Writes markers into partitions led by any broker (instead of the local logs). */
    markers: MarkerWriter;
    /** Hands committed offsets to the group coordinator, wherever it is (instead of `commitOffsets`). */
    commitOffsets(groupId: string, offsets: PendingOffset[]): Promise<void>;
  };
}

export interface TxnService {
  readonly coordinator: TransactionCoordinator;
  readonly internalTopics: ReadonlyArray<{ name: string; partitions: number }>;
  internalLog(topic: string, partition: number): PartitionLog | undefined;
  close(): Promise<void>;
}

export async function startTxnService(options: TxnServiceOptions): Promise<TxnService> {
  const partitionConfig = resolvePartitionConfig({
    retentionMs: -1,
    retentionBytes: -1,
    segmentBytes: 64 * 1024 * 1024,
    flush: options.flush,
    cleanupPolicy: 'compact',
  });
  const manager = await LogManager.open({
    dataDir: join(options.dataDir, TXN_DIR),
    configFor: () => partitionConfig,
    ...(options.fs ? { fs: options.fs } : {}),
    clock: options.clock,
    logger: options.logger,
    ...(options.cleaner !== undefined ? { cleaner: options.cleaner } : {}),
  });
  try {
    const log =
      manager.get(TRANSACTION_STATE_TOPIC, 0) ?? (await manager.create(TRANSACTION_STATE_TOPIC, 0, partitionConfig));
    const scheduler = options.scheduler ?? { now: () => options.clock.now(), schedule: systemScheduler.schedule };
    const { replicated } = options;
    const coordinator = new TransactionCoordinator({
      log: replicated ? replicated.wrap(log) : new PartitionOffsetsLog(log),
      producerIds: options.producerIds,
      markers: replicated?.markers ?? new LocalMarkerWriter({ log: options.log, appended: options.appended }),
      commitOffsets: replicated?.commitOffsets ?? options.commitOffsets,
      scheduler,
      logger: options.logger,
      ...(options.config ? { config: options.config } : {}),
      ...(replicated ? { isCoordinator: replicated.isCoordinator, coordinatorEpoch: replicated.coordinatorEpoch } : {}),
    });
    if (!replicated) await coordinator.start();
    return {
      coordinator,
      internalTopics: [{ name: TRANSACTION_STATE_TOPIC, partitions: 1 }],
      internalLog: (topic, partition) => (topic === TRANSACTION_STATE_TOPIC && partition === 0 ? log : undefined),
      async close() {
        await coordinator.close();
        await manager.close();
      },
    };
  } catch (err) {
    await manager.close().catch(() => undefined);
    throw err;
  }
}
