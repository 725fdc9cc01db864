// What the broker's composition root calls: opens `__share_group_state` (its own log manager under
// `<dataDir>/__share/`, so neither the topic registry nor the groups' internal logs ever see it), replays
// it into a coordinator, and closes both on stop.
import { join } from 'node:path';
import {
  type Clock,
  type FlushPolicy,
  LogManager,
  type Logger,
  type PartitionLog,
  resolvePartitionConfig,
  type StorageFs,
} from '../../../storage/index.js';
import type { PartitionWaiters } from '../fetch/waiters.js';
import { type Scheduler, systemScheduler } from '../groups/index.js';
import type { TopicRegistry } from '../registries/topics.js';
import type { ShareGroupsConfig } from './config.js';
import { ShareCoordinator } from './coordinator.js';
import { SHARE_STATE_TOPIC, ShareStateStore } from './state-store.js';

export const SHARE_DIR = '__share';

export interface ShareServiceOptions {
  dataDir: string;
  fs?: StorageFs;
  /** The broker's default flush policy: an ack is answered once its state is stored this durably. */
  flush: FlushPolicy;
  clock: Clock;
  logger: Logger;
  topics: TopicRegistry;
  waiters: PartitionWaiters;
  config: ShareGroupsConfig;
  scheduler?: Scheduler;
}

export interface ShareService {
  readonly coordinator: ShareCoordinator;
  readonly internalTopics: ReadonlyArray<{ name: string; partitions: number }>;
  internalLog(topic: string, partition: number): PartitionLog | undefined;
  close(): Promise<void>;
}

export async function startShareService(options: ShareServiceOptions): Promise<ShareService> {
  const partitionConfig = resolvePartitionConfig({
    retentionMs: -1,
    retentionBytes: -1,
    segmentBytes: options.config.stateSnapshotBytes,
    flush: options.flush,
  });
  const manager = await LogManager.open({
    dataDir: join(options.dataDir, SHARE_DIR),
    configFor: () => partitionConfig,
    // Nothing reads the state topic at its end (it is replayed from disk once, at start): a tail cache
    // would only hold every state batch written, up to its bound, for nobody.
    tailCacheBytes: 0,
    ...(options.fs ? { fs: options.fs } : {}),
    clock: options.clock,
    logger: options.logger,
  });
  try {
    const log = manager.get(SHARE_STATE_TOPIC, 0) ?? (await manager.create(SHARE_STATE_TOPIC, 0, partitionConfig));
    const scheduler = options.scheduler ?? { now: () => options.clock.now(), schedule: systemScheduler.schedule };
    const coordinator = new ShareCoordinator({
      store: new ShareStateStore(log, () => options.clock.now(), options.config.stateSnapshotBytes),
      topics: options.topics,
      waiters: options.waiters,
      scheduler,
      logger: options.logger,
      config: options.config,
    });
    await coordinator.start();
    return {
      coordinator,
      internalTopics: [{ name: SHARE_STATE_TOPIC, partitions: 1 }],
      internalLog: (topic, partition) => (topic === SHARE_STATE_TOPIC && partition === 0 ? log : undefined),
      async close() {
        coordinator.close();
        await manager.close();
      },
    };
  } catch (err) {
    await manager.close().catch(() => undefined);
    throw err;
  }
}
