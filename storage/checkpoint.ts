// The partition checkpoint file `partition.checkpoint` (JSON, written atomically; see README.md):
// log start offset (moved by retention and deleteRecordsBefore, so it must survive restarts), recovery
// point (every offset below it is fsynced and was verified), and the clean-shutdown flag.
import { join } from 'node:path';
import type { StorageFs } from './fs.js';
import { readJsonFile, writeFileAtomic } from './atomic.js';
import type { Logger } from './types.js';
import { isSnapshotProducers, type SnapshotProducer } from './producer-state.js';

export const CHECKPOINT_FILE = 'partition.checkpoint';

export interface PartitionCheckpoint {
  version: 1;
  topic: string;
  partition: number;
  logStartOffset: number;
  recoveryPoint: number;
  cleanShutdown: boolean;
  /**
   * Only in a clean-shutdown checkpoint, when idempotent producers wrote to the partition: the producer
   * table as of the log end (= recoveryPoint), so a clean start replays nothing (producer-snapshot.ts).
   */
  producers?: SnapshotProducer[];
}

function isCheckpoint(value: unknown): value is PartitionCheckpoint {
  const c = value as PartitionCheckpoint;
  return (
    typeof c === 'object' &&
    c !== null &&
    c.version === 1 &&
    Number.isSafeInteger(c.logStartOffset) &&
    c.logStartOffset >= 0 &&
    Number.isSafeInteger(c.recoveryPoint) &&
    c.recoveryPoint >= 0 &&
    typeof c.cleanShutdown === 'boolean' &&
    (c.producers === undefined || isSnapshotProducers(c.producers))
  );
}

/** Undefined when missing; a garbled checkpoint is logged and ignored (recovery then scans everything). */
export async function readCheckpoint(
  fs: StorageFs,
  dir: string,
  logger: Logger,
): Promise<PartitionCheckpoint | undefined> {
  const path = join(dir, CHECKPOINT_FILE);
  try {
    const value = await readJsonFile<unknown>(fs, path);
    if (value === undefined || isCheckpoint(value)) return value;
    logger.warn({ file: path }, 'checkpoint has unexpected fields; ignoring it and recovering the whole log');
  } catch (err) {
    if ((err as { code?: string }).code !== 'CORRUPT_METADATA') throw err;
    logger.warn({ file: path, err }, 'checkpoint is garbled; ignoring it and recovering the whole log');
  }
  return undefined;
}

export function writeCheckpoint(fs: StorageFs, dir: string, checkpoint: PartitionCheckpoint): Promise<void> {
  return writeFileAtomic(fs, join(dir, CHECKPOINT_FILE), `${JSON.stringify(checkpoint)}\n`);
}
