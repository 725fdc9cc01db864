// The open segment file budget (file-pool.ts): a LogManager keeps at most its budget of segment files open
// once operations settle, reopens closed ones on demand with the right bytes, and reads racing retention on
// files the pool had closed return the right batch or OFFSET_OUT_OF_RANGE, never a file error.
import { describe, expect, it } from 'vitest';
import { LogManager, nodeFs, OffsetOutOfRangeError, openFileLimit, segmentFileBudget } from '../../storage/index.js';
import type { PartitionConfig, StorageFs } from '../../storage/index.js';
import { waitFor } from '../helpers/wait-for.js';
import { config, decodeBatches, makeBatch, readAll, withTempDir } from './helpers.js';

const until = (condition: () => boolean, message: string) => waitFor(condition, { message });

/** 161-byte batches whose payload says which partition and sequence number they are. */
const batch = (partition: number, n: number) => makeBatch({ payloadBytes: 100, tag: partition * 1000 + n });
const tagOf = (payload: Buffer) => payload[0]!; // makeBatch: payload[0] = (tag * 31) & 0xff

describe('open segment file budget', () => {
  it('reads the process limit and keeps half of it for segment files', () => {
    const limits =
      'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n';
    expect(openFileLimit(limits)).toBe(1024);
    expect(segmentFileBudget(1024)).toBe(512);
    expect(segmentFileBudget(256)).toBe(128);
    expect(segmentFileBudget(undefined)).toBe(512);
    expect(openFileLimit()).toBeGreaterThan(0); // this machine's /proc/self/limits
  });

  for (const flush of [{ kind: 'always' }, { kind: 'os' }] as const) {
    it(`flush=${flush.kind}: 20 partitions × many segments stay within a budget of 8 open files, reading right`, async () => {
      await withTempDir(async (dataDir) => {
        const cfg: PartitionConfig = config({ segmentBytes: 400, indexIntervalBytes: 0, flush });
        const manager = await LogManager.open({
          dataDir,
          configFor: () => cfg,
          maintenanceIntervalMs: 0,
          maxOpenSegmentFiles: 8,
        });
        const logs = await Promise.all(Array.from({ length: 20 }, (_, p) => manager.create('t', p, cfg)));
        for (let n = 0; n < 12; n++) await Promise.all(logs.map((log, p) => log.append(batch(p, n))));
        expect(logs[0]!.segmentCount).toBeGreaterThanOrEqual(4);
        // Unflushed active segments (flush=os) are flushed under pressure, then closed.
        await until(() => manager.fileStats.open <= 8, 'the open files to settle within the budget');
        for (const [p, log] of logs.entries()) {
          const batches = await readAll(log);
          expect(batches.map((b) => b.baseOffset)).toEqual(Array.from({ length: 12 }, (_, i) => i));
          expect(batches.map((b) => tagOf(b.payload))).toEqual(
            Array.from({ length: 12 }, (_, n) => ((p * 1000 + n) * 31) & 0xff),
          );
        }
        await until(() => manager.fileStats.open <= 8, 'the open files to settle after reading');
        const stats = manager.fileStats;
        expect(stats.budget).toBe(8);
        expect(stats.reopened).toBeGreaterThan(0);
        expect(stats.closedIdle).toBeGreaterThan(0);
        await manager.close();
        expect(manager.fileStats.open).toBe(0);

        // A restart with a budget far below the segment count opens (scanning where needed) within it too.
        const reopened = await LogManager.open({
          dataDir,
          configFor: () => cfg,
          maintenanceIntervalMs: 0,
          maxOpenSegmentFiles: 8,
        });
        await until(() => reopened.fileStats.open <= 8, 'the open files to settle after a restart');
        expect((await readAll(reopened.get('t', 19)!)).length).toBe(12);
        await reopened.close();
      });
    });
  }

  it('reads of segments the pool closed, racing retention that deletes them: right bytes or out of range', async () => {
    await withTempDir(async (dataDir) => {
      const cfg: PartitionConfig = config({ segmentBytes: 400, indexIntervalBytes: 0, flush: { kind: 'always' } });
      // Reopening a closed segment file is slow (a busy thread pool): retention's unlink can come first.
      let slowReopens = false;
      const fs: StorageFs = {
        ...nodeFs,
        async open(path, mode) {
          if (slowReopens && mode === 'r+') await new Promise((r) => setTimeout(r, 2 + Math.random() * 10));
          return nodeFs.open(path, mode);
        },
      };
      const manager = await LogManager.open({
        dataDir,
        configFor: () => cfg,
        maintenanceIntervalMs: 0,
        maxOpenSegmentFiles: 2,
        tailCacheBytes: 0,
        fs,
      });
      const log = await manager.create('t', 0, cfg);
      for (let n = 0; n < 120; n++) await log.append(batch(0, n));
      expect(log.segmentCount).toBeGreaterThanOrEqual(40);
      await until(() => manager.fileStats.open <= 2, 'idle files to close');
      slowReopens = true;
      const failures: unknown[] = [];
      let served = 0;
      let outOfRange = 0;
      let deleting = true;
      // Readers keep reading offsets at and above the moving log start while retention deletes below it.
      const readers = Array.from({ length: 8 }, async (_, r) => {
        for (let i = 0; deleting; i++) {
          const offset = Math.min(119, log.logStartOffset + ((i * 7 + r) % 12));
          try {
            const res = await log.read(offset, { maxBytes: 1 });
            const [first] = decodeBatches(Buffer.concat(res.chunks));
            if (first?.baseOffset !== offset || tagOf(first.payload) !== ((offset * 31) & 0xff))
              failures.push(`offset ${offset}: got ${first?.baseOffset}`);
            else served++;
          } catch (err) {
            if (err instanceof OffsetOutOfRangeError) outOfRange++;
            else failures.push(err);
          }
        }
      });
      for (let start = 3; start <= 117; start += 3) {
        await log.deleteRecordsBefore(start);
        await new Promise((r) => setTimeout(r, 1)); // readers get turns between the deletions
      }
      deleting = false;
      await Promise.all(readers);
      expect(failures).toEqual([]);
      expect(served).toBeGreaterThan(100);
      expect(served + outOfRange).toBeGreaterThan(100);
      await manager.close();
    });
  });
});
