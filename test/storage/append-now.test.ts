import { afterEach, describe, expect, it, vi } from 'vitest';
import { PartitionLog } from '../../storage/index.js';
import { Segment } from '../../storage/segment.js';
import { config, makeBatch, readAll, withTempDir } from './helpers.js';

describe('append done in its call (Appender.appendNow) when nothing in it waits', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes a small append to an idle log synchronously, and the log reads as after any append', async () => {
    await withTempDir(async (dir) => {
      const log = await PartitionLog.open({ dir, topic: 't', partition: 0, config: config() });
      await log.append(makeBatch({ tag: 0 })); // the first append marks the checkpoint dirty (it waits)
      const now = vi.spyOn(Segment.prototype, 'writeNow');
      const queued = vi.spyOn(Segment.prototype, 'write');
      for (let i = 1; i <= 20; i++) {
        const pending = log.append(makeBatch({ tag: i, records: 2 }));
        // Done in the call: readers see it before the promise is awaited.
        expect(log.logEndOffset).toBe(1 + 2 * i);
        expect((await pending).baseOffset).toBe(1 + 2 * (i - 1));
      }
      expect(now).toHaveBeenCalledTimes(20);
      expect(queued).not.toHaveBeenCalled();
      expect((await readAll(log)).map((b) => b.baseOffset)).toEqual([
        0,
        ...Array.from({ length: 20 }, (_, i) => 1 + 2 * i),
      ]);
      await log.close();
    });
  });

  it('queues appends made while one waits, in call order, with dense offsets', async () => {
    await withTempDir(async (dir) => {
      const log = await PartitionLog.open({ dir, topic: 't', partition: 0, config: config() });
      // The first append waits (it marks the checkpoint dirty): the rest queue behind it.
      const appends = Array.from({ length: 10 }, (_, i) => log.append(makeBatch({ tag: i })));
      expect((await Promise.all(appends)).map((r) => r.baseOffset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect((await readAll(log)).map((b) => b.baseOffset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      await log.close();
    });
  });
});
