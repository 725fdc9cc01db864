// What a reader sees when the log end moves back (truncateTo, or the rollback after a failed fsync): never
// the discarded batches again, not even from the tail cache, and a truncation count that tells bytes read
// before the truncation from bytes read after it (the broker's fetch read-ahead relies on it).
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FaultyFs, PartitionLog, StorageIOError } from '../../storage/index.js';
import { config, makeBatch, readAll, withTempDir } from './helpers.js';

const open = (dir: string, fs = new FaultyFs()) =>
  PartitionLog.open({ dir, topic: 't', partition: 0, config: config({ flush: { kind: 'os' } }), fs });

describe('moving the log end back', () => {
  it('truncateTo: the count moves on, reads (tail cache included) show only the new batches at reused offsets', async () => {
    await withTempDir(async (root) => {
      const log = await open(join(root, 'p'));
      for (let tag = 0; tag < 4; tag++) await log.append(makeBatch({ records: 2, tag }));
      const cachedBefore = await log.read(4, { maxBytes: 1 << 20 });
      const countBefore = log.truncationCount;

      await log.truncateTo(4);
      expect(log.truncationCount).not.toBe(countBefore);
      expect(log.logEndOffset).toBe(4);
      const countAfter = log.truncationCount;

      await log.append(makeBatch({ records: 2, tag: 9 }));
      const reread = await log.read(4, { maxBytes: 1 << 20 });
      expect(reread.nextOffset).toBe(6);
      expect(Buffer.concat(reread.chunks)).not.toEqual(Buffer.concat(cachedBefore.chunks));
      expect((await readAll(log)).map((b) => b.payload)).toEqual([0, 1, 9].map((tag) => readAllPayload(tag)));
      // Appends are not truncations.
      expect(log.truncationCount).toBe(countAfter);
      await log.close();
    });
  });

  it('a failed fsync: the unflushed batches are gone for readers and the count moved on; later appends reuse the offsets', async () => {
    await withTempDir(async (root) => {
      const fs = new FaultyFs();
      const log = await open(join(root, 'p'), fs);
      await log.append(makeBatch({ records: 3, tag: 1 }));
      await log.flush();
      await log.append(makeBatch({ records: 2, tag: 2 }));
      expect((await log.read(3, { maxBytes: 1 << 20 })).bytes).toBeGreaterThan(0);
      const countBefore = log.truncationCount;

      fs.failFsyncs({ times: 1 });
      await expect(log.flush()).rejects.toBeInstanceOf(StorageIOError);
      expect(log.logEndOffset).toBe(3);
      expect(log.flushedOffset).toBe(3);
      expect(log.truncationCount).not.toBe(countBefore);
      expect((await log.read(3, { maxBytes: 1 << 20 })).bytes).toBe(0);

      expect((await log.append(makeBatch({ records: 1, tag: 3 }))).baseOffset).toBe(3);
      expect((await readAll(log)).map((b) => [b.baseOffset, b.lastOffset])).toEqual([
        [0, 2],
        [3, 3],
      ]);
      await log.close();
    });
  });
});

/** The opaque record bytes makeBatch writes for `tag` with its default payload size. */
function readAllPayload(tag: number): Buffer {
  const batch = makeBatch({ records: 2, tag });
  return batch.subarray(batch.length - 32);
}
