// A partition holding a batch no consumer can decode, as only a front door that skips produce validation
// could store one now: the broker is stopped, the batch appended through storage, the broker restarted.
import { join } from 'node:path';
import { Broker } from '../../src/broker/index.js';
import { DEFAULT_PARTITION_CONFIG, PartitionLog } from '../../storage/index.js';
import { rawBatch } from './raw-batch.js';

/** A gzip-flagged batch whose payload is not gzip: valid layout and CRC, one record, undecodable. */
export const undecodableBatch = () =>
  rawBatch({ attributes: 1, section: Buffer.from('not gzip'), recordCount: 1, lastOffsetDelta: 0 });

/**
 * Stops `broker`, appends `batch` to `<topic>-<partition>` directly through storage, and starts a new
 * broker on the same data directory (port 0). Resolves with the new broker and its port.
 */
export async function appendBehindTheBroker(
  broker: Broker,
  dataDir: string,
  topic: string,
  partition: number,
  batch: Buffer,
): Promise<{ broker: Broker; port: number }> {
  await broker.stop();
  const log = await PartitionLog.open({
    dir: join(dataDir, `${topic}-${partition}`),
    topic,
    partition,
    config: DEFAULT_PARTITION_CONFIG,
  });
  await log.append(batch);
  await log.close();
  const restarted = new Broker({ port: 0, dataDir, shutdownTimeoutMs: 2000 });
  return { broker: restarted, port: await restarted.start() };
}
