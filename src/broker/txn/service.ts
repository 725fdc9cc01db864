// What the broker's composition root calls: opens `__transaction_state` (compacted, its own log manager
// under `<dataDir>/__txn/`, so neither the topic registry nor the other internal logs ever see it),
// replays it into the transaction coordinator, and closes both on stop.
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
import { PartitionOffsetsLog, type Scheduler, systemScheduler } from '../groups/index.js';
import { TransactionCoordinator, TRANSACTION_STATE_TOPIC, type TxnCoordinatorConfig } from './coordinator.js';
import { LocalMarkerWriter } from './markers.js';
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
    const coordinator = new TransactionCoordinator({
      log: new PartitionOffsetsLog(log),
      producerIds: options.producerIds,
      markers: new LocalMarkerWriter({ log: options.log, appended: options.appended }),
      commitOffsets: options.commitOffsets,
      scheduler,
      logger: options.logger,
      ...(options.config ? { config: options.config } : {}),
    });
    await coordinator.start();
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
