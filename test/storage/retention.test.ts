import { describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PartitionLog } from '../../storage/index.js';
import type { PartitionConfig } from '../../storage/index.js';
import { FakeClock, config, makeBatch, readAll, withTempDir } from './helpers.js';

const HOUR = 3_600_000;

function openLog(dir: string, overrides: Partial<PartitionConfig>, clock: FakeClock) {
  return PartitionLog.open({ dir: join(dir, 'p'), topic: 't', partition: 0, config: config(overrides), clock });
}

/** 161-byte batches stamped with the fake clock's time. */
const batchAt = (clock: FakeClock) =>
  makeBatch({ payloadBytes: 100, baseTimestamp: clock.now(), maxTimestamp: clock.now() });

describe('rolling', () => {
  it('rolls when the next append would exceed segmentBytes', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const log = await openLog(dir, { segmentBytes: 500 }, clock);
      for (let i = 0; i < 9; i++) await log.append(batchAt(clock));
      // 3 batches of 161 bytes fit in 500; the 4th starts a new segment.
      expect(log.segmentCount).toBe(3);
      expect((await readdir(join(dir, 'p'))).filter((n) => n.endsWith('.log')).sort()).toEqual([
        '00000000000000000000.log',
        '00000000000000000003.log',
        '00000000000000000006.log',
      ]);
      // A batch larger than a segment still goes in (alone).
      await log.append(makeBatch({ payloadBytes: 800 }));
      expect(log.segmentCount).toBe(4);
      expect((await readAll(log)).length).toBe(10);
      await log.close();
    });
  });

  it('rolls by segmentMs on append and in maintenance, using the injected clock', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const log = await openLog(dir, { segmentMs: HOUR }, clock);
      await log.append(batchAt(clock));
      clock.advance(HOUR - 1);
      await log.append(batchAt(clock));
      expect(log.segmentCount).toBe(1);
      clock.advance(1);
      await log.append(batchAt(clock));
      expect(log.segmentCount).toBe(2);
      clock.advance(HOUR);
      await log.runMaintenance();
      expect(log.segmentCount).toBe(3);
      await log.runMaintenance(); // an empty active segment is never rolled
      expect(log.segmentCount).toBe(3);
      await log.close();
    });
  });
});

describe('retention', () => {
  it('deletes sealed segments older than retentionMs and moves the log start, never the active segment', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const log = await openLog(dir, { segmentBytes: 400, retentionMs: 10 * HOUR }, clock);
      for (let i = 0; i < 10; i++) {
        await log.append(batchAt(clock)); // two batches per segment
        clock.advance(HOUR);
      }
      expect(log.segmentCount).toBe(5);
      // Now = t0 + 10 h. Segment [0,1] has max timestamp t0 + 1 h: 9 h old, kept.
      expect(await log.enforceRetention()).toBe(0);
      clock.advance(2 * HOUR); // [0,1] is now 11 h old (deleted); [2,3] (newest t0 + 3 h) is 9 h old (kept)
      expect(await log.enforceRetention()).toBe(1);
      expect(log.logStartOffset).toBe(2);
      await expect(log.read(1, { maxBytes: 1000 })).rejects.toThrow(/out of range/);
      clock.advance(100 * HOUR);
      expect(await log.enforceRetention()).toBe(3);
      expect(log.segmentCount).toBe(1);
      expect(log.logStartOffset).toBe(8);
      expect((await readAll(log)).map((b) => b.baseOffset)).toEqual([8, 9]);
      await log.close();
      const reopened = await openLog(dir, { segmentBytes: 400, retentionMs: 10 * HOUR }, clock);
      expect([reopened.logStartOffset, reopened.logEndOffset]).toEqual([8, 10]);
      await reopened.close();
    });
  });

  it('deletes the oldest sealed segments while the partition exceeds retentionBytes', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const log = await openLog(dir, { segmentBytes: 400, retentionBytes: 1000 }, clock);
      for (let i = 0; i < 12; i++) await log.append(batchAt(clock));
      expect([log.segmentCount, log.sizeInBytes]).toEqual([6, 12 * 161]);
      // Kafka's rule: delete the oldest segment only while what remains is still >= retentionBytes.
      expect(await log.enforceRetention()).toBe(2);
      expect([log.segmentCount, log.sizeInBytes, log.logStartOffset]).toEqual([4, 8 * 161, 4]);
      await log.runMaintenance();
      expect(log.segmentCount).toBe(4);
      await log.close();
    });
  });
});
