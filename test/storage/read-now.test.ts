// PartitionLog.readNow: the read of read() when memory serves it, in the call; null whenever read() would
// need a segment file, refuse the offset or find the log closed, so the caller's fallback to read() is always
// the same read.
import { describe, expect, it } from 'vitest';
import { PartitionLog } from '../../storage/index.js';
import { OffsetOutOfRangeError } from '../../storage/errors.js';
import { config, makeBatch, withTempDir } from './helpers.js';

describe('PartitionLog.readNow', () => {
  it("serves the tail cache's reads in the call, the same bytes and bounds read() gives", async () => {
    await withTempDir(async (dir) => {
      const log = await PartitionLog.open({ dir, topic: 't', partition: 0, config: config() });
      for (let i = 0; i < 5; i++) await log.append(makeBatch({ tag: i, records: 2 }));
      for (const [offset, maxBytes, maxOffset] of [
        [0, 1 << 20, 10],
        [3, 1, 10], // the first batch whole however small the limit
        [4, 1 << 20, 7],
        [10, 1 << 20, 10], // at the end: nothing to read
        [6, 1 << 20, 6], // at maxOffset: nothing to read
      ] as const) {
        const options = { maxBytes, maxOffset };
        const now = log.readNow(offset, options);
        expect(now).not.toBeNull();
        const read = await log.read(offset, options);
        expect(now!.bytes).toBe(read.bytes);
        expect(Buffer.concat(now!.chunks)).toEqual(Buffer.concat(read.chunks));
        expect([now!.nextOffset, now!.logStartOffset, now!.logEndOffset, now!.lease]).toEqual([
          read.nextOffset,
          read.logStartOffset,
          read.logEndOffset,
          null,
        ]);
      }
      await log.close();
    });
  });

  it('is null for a read that needs a segment file, which read() then serves', async () => {
    await withTempDir(async (dir) => {
      const log = await PartitionLog.open({ dir, topic: 't', partition: 0, config: config(), tailCacheBytes: 0 });
      for (let i = 0; i < 3; i++) await log.append(makeBatch({ tag: i }));
      expect(log.readNow(0, { maxBytes: 1 << 20 })).toBeNull();
      const read = await log.read(0, { maxBytes: 1 << 20 });
      expect([read.bytes > 0, read.nextOffset]).toEqual([true, 3]);
      // The end needs no file: answered in the call.
      expect(log.readNow(3, { maxBytes: 1 << 20 })).toMatchObject({ bytes: 0, nextOffset: 3 });
      await log.close();
    });
  });

  it('is null for an offset read() refuses, and on a closed log', async () => {
    await withTempDir(async (dir) => {
      const log = await PartitionLog.open({ dir, topic: 't', partition: 0, config: config() });
      await log.append(makeBatch({ records: 2 }));
      for (const offset of [-1, 3, 1.5, Number.NaN]) {
        expect(log.readNow(offset, { maxBytes: 100 })).toBeNull();
        await expect(log.read(offset, { maxBytes: 100 })).rejects.toBeInstanceOf(OffsetOutOfRangeError);
      }
      await log.close();
      expect(log.readNow(0, { maxBytes: 100 })).toBeNull();
      await expect(log.read(0, { maxBytes: 100 })).rejects.toThrow();
    });
  });
});
