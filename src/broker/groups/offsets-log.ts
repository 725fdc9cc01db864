// The internal topic `__consumer_offsets` on the storage engine. It lives in its own log manager under
// `<dataDir>/__internal/__consumer_offsets-0/` (same segment format as every partition, readable with
// `sluice dump-log`), so the topic registry never mistakes it for a user topic and clients can neither
// produce to it nor delete it. One partition: a single node has one coordinator for every group.
//
// Settings: cleanup.policy=compact (the log cleaner keeps the last record of every key: the latest commit of
// each group/topic/partition and each group's record; a deleted group's tombstones go after
// delete.retention.ms), no retention by time or size (offsets must not age out with segments; expiry is the
// coordinator's job, by tombstones), 64 MiB segments by default, and the broker's default flush policy.
import { join } from 'node:path';
import {
  iterateBatches,
  LogManager,
  resolvePartitionConfig,
  type CleanerSettings,
  type Clock,
  type FlushPolicy,
  type Logger,
  type PartitionLog,
  type StorageFs,
} from '../../../storage/index.js';
import { OFFSETS_TOPIC, type OffsetsLog } from './offsets-store.js';

export const INTERNAL_DIR = '__internal';
const READ_CHUNK_BYTES = 1024 * 1024;

/** Adapts one storage partition to the store's OffsetsLog. */
export class PartitionOffsetsLog implements OffsetsLog {
  constructor(readonly log: PartitionLog) {}

  async append(batch: Buffer): Promise<void> {
    await this.log.append(batch);
  }

  async *readAll(): AsyncIterable<Buffer> {
    let offset = this.log.logStartOffset;
    while (offset < this.log.logEndOffset) {
      const { chunks } = await this.log.read(offset, { maxBytes: READ_CHUNK_BYTES });
      if (chunks.length === 0) return;
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      let next = offset;
      for (const { header } of iterateBatches(bytes, { validate: false }))
        next = header.baseOffset + header.lastOffsetDelta + 1;
      if (next <= offset) return;
      yield bytes;
      offset = next;
    }
  }
}

export interface InternalLogs {
  offsetsLog: PartitionOffsetsLog;
  /** The internal topics' log manager (its cleaner compacts them). */
  manager: LogManager;
  close(): Promise<void>;
}

export async function openInternalLogs(options: {
  dataDir: string;
  fs?: StorageFs;
  flush: FlushPolicy;
  clock: Clock;
  logger: Logger;
  cleaner?: CleanerSettings | false;
  offsetsSegmentBytes?: number;
}): Promise<InternalLogs> {
  const config = resolvePartitionConfig({
    retentionMs: -1,
    retentionBytes: -1,
    segmentBytes: options.offsetsSegmentBytes ?? 64 * 1024 * 1024,
    flush: options.flush,
    cleanupPolicy: 'compact',
  });
  const manager = await LogManager.open({
    dataDir: join(options.dataDir, INTERNAL_DIR),
    configFor: () => config,
    ...(options.fs ? { fs: options.fs } : {}),
    clock: options.clock,
    logger: options.logger,
    ...(options.cleaner !== undefined ? { cleaner: options.cleaner } : {}),
  });
  try {
    const log = manager.get(OFFSETS_TOPIC, 0) ?? (await manager.create(OFFSETS_TOPIC, 0, config));
    return { offsetsLog: new PartitionOffsetsLog(log), manager, close: () => manager.close() };
  } catch (err) {
    await manager.close().catch(() => undefined);
    throw err;
  }
}
