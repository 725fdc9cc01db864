// Lazy partitions (lazy-partition-log.ts, clean-shutdown.ts): after a clean shutdown a partition starts
// dormant and answers offsets and sizes from the clean-shutdown file, with nothing opened; its first read
// loads it and serves every record. After a crash there is no such file and every partition is recovered
// before the LogManager opens.
import { appendFile, cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLEAN_SHUTDOWN_FILE, FaultyFs, LogManager, type PartitionConfig, StorageError } from '../../storage/index.js';
import { FakeClock, config, makeBatch, readAll, timedBatch, withTempDir } from './helpers.js';

const HOUR = 3_600_000;
const cfg = config({ segmentBytes: 2000, indexIntervalBytes: 200 });

async function openManager(dataDir: string, options: { fs?: FaultyFs; clock?: FakeClock; cfg?: PartitionConfig } = {}) {
  const configFor = () => options.cfg ?? cfg;
  return LogManager.open({ dataDir, configFor, maintenanceIntervalMs: 0, ...options });
}

/** Partitions t-0..t-2 with 10, 20 and 0 batches of 2 records (several segments each), closed cleanly. */
async function writeAndClose(dataDir: string): Promise<void> {
  const manager = await openManager(dataDir);
  const logs = await Promise.all([0, 1, 2].map((p) => manager.create('t', p, cfg)));
  for (let i = 0; i < 10; i++) await logs[0]!.append(makeBatch({ records: 2, payloadBytes: 100, tag: i }));
  for (let i = 0; i < 20; i++) await logs[1]!.append(makeBatch({ records: 2, payloadBytes: 100, tag: 100 + i }));
  await manager.close();
}

describe('partitions after a clean shutdown', () => {
  it('start dormant with nothing opened, answer offsets and sizes, and serve every record on first read', async () => {
    await withTempDir(async (dataDir) => {
      await writeAndClose(dataDir);
      const sizes = await (async () => {
        const eager = await openManager(dataDir);
        const out = eager.partitions().map((p) => [p.logStartOffset, p.logEndOffset, p.sizeInBytes, p.segmentCount]);
        await eager.close();
        return out.sort((a, b) => a[1]! - b[1]!);
      })();

      const fs = new FaultyFs();
      const manager = await openManager(dataDir, { fs });
      expect(fs.counts.open).toBe(0);
      // Removed at open, before anything can change: a crash from now on recovers every partition.
      expect(await readdir(dataDir)).not.toContain(CLEAN_SHUTDOWN_FILE);
      const [p0, p1, p2] = [0, 1, 2].map((p) => manager.get('t', p)!);
      expect([p0, p1, p2].every((p) => p.isDormant)).toBe(true);
      expect([p2, p0, p1].map((p) => [p.logStartOffset, p.logEndOffset, p.sizeInBytes, p.segmentCount])).toEqual(sizes);
      expect(p0.logEndOffset).toBe(20);
      expect(p1.logEndOffset).toBe(40);

      const records = await readAll(p1);
      expect(records.map((b) => b.baseOffset)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
      expect(records[19]!.payload).toEqual(makeBatch({ records: 2, payloadBytes: 100, tag: 119 }).subarray(61));
      expect(p1.isDormant).toBe(false);
      expect(p0.isDormant).toBe(true);
      // An untouched partition closes without writing; an empty one takes its first append when loaded.
      expect((await p2.append(makeBatch({ records: 3 }))).baseOffset).toBe(0);
      await manager.close();

      const again = await openManager(dataDir);
      expect(
        again
          .partitions()
          .map((p) => `${p.partition}=${p.logEndOffset}`)
          .sort(),
      ).toEqual(['0=20', '1=40', '2=3']);
      expect(again.partitions().every((p) => p.isDormant)).toBe(true);
      expect((await readAll(again.get('t', 0)!)).length).toBe(10);
      await again.close();
    });
  });

  it('time lookups and a moved log start of a dormant partition are right', async () => {
    await withTempDir(async (dataDir) => {
      const manager = await openManager(dataDir);
      const log = await manager.create('t', 0, cfg);
      for (let i = 0; i < 10; i++) await log.append(timedBatch([1000 + i * 10]));
      await log.deleteRecordsBefore(4);
      await manager.close();

      const reopened = await openManager(dataDir);
      const dormant = reopened.get('t', 0)!;
      expect([dormant.isDormant, dormant.logStartOffset, dormant.logEndOffset]).toEqual([true, 4, 10]);
      expect(await dormant.offsetForTimestamp(1055)).toEqual({ offset: 6, timestamp: 1060 });
      expect(await dormant.offsetForTimestamp(5000)).toBeNull();
      expect(dormant.logStartOffset).toBe(4);
      await reopened.close();
    });
  });

  it('maintenance loads a dormant partition only when retention has something to delete', async () => {
    await withTempDir(async (dataDir) => {
      const clock = new FakeClock();
      const retained = config({ segmentBytes: 2000, retentionMs: 2 * HOUR });
      const manager = await openManager(dataDir, { clock, cfg: retained });
      for (const p of [0, 1]) {
        const log = await manager.create('t', p, retained);
        const ts = p === 0 ? clock.now() - 3 * HOUR : clock.now();
        for (let i = 0; i < 20; i++)
          await log.append(makeBatch({ payloadBytes: 200, baseTimestamp: ts, maxTimestamp: ts }));
        expect(log.segmentCount).toBeGreaterThan(2);
      }
      await manager.close();

      const reopened = await openManager(dataDir, { clock, cfg: retained });
      await reopened.runMaintenance();
      const [old, recent] = [reopened.get('t', 0)!, reopened.get('t', 1)!];
      expect(old.isDormant).toBe(false);
      // Every sealed segment expired and went; the active one stays (retention never deletes it).
      expect(old.segmentCount).toBe(1);
      expect(old.logStartOffset).toBeGreaterThan(0);
      expect(old.logEndOffset).toBe(20);
      expect(recent.isDormant).toBe(true);
      clock.advance(3 * HOUR);
      await reopened.runMaintenance();
      expect(recent.isDormant).toBe(false);
      expect(recent.segmentCount).toBe(1);
      await reopened.close();
    });
  });

  it('partitions nobody asked for are written back as read, one entry per topic; a version 1 file is still read', async () => {
    await withTempDir(async (dataDir) => {
      await writeAndClose(dataDir);
      const manager = await openManager(dataDir);
      expect((await readAll(manager.get('t', 1)!)).length).toBe(20);
      await manager.close();
      const file = JSON.parse(await readFile(join(dataDir, CLEAN_SHUTDOWN_FILE), 'utf8'));
      expect(file.version).toBe(3);
      expect(
        file.topics.map((t: { topic: string; partitions: number[] }) => [t.topic, [...t.partitions].sort()]),
      ).toEqual([['t', [0, 1, 2]]]);

      // The same partitions as version 1 rows (what a broker of the previous release wrote).
      const [t] = file.topics;
      let files = 0;
      const rows = t.partitions.map((partition: number, i: number) => {
        const count = t.segmentCount[i];
        const row = [
          't',
          partition,
          ...['logStartOffset', 'logEndOffset', 'sizeInBytes', 'segmentCount'].map((f) => t[f][i]),
          ...['oldestMaxTimestamp', 'oldestSize', 'activeRollBaseTime', 'activeSize'].map((f) => t[f][i]),
          t.segmentFiles.slice(2 * files, 2 * (files + count)),
        ];
        files += count;
        return row;
      });
      await writeFile(join(dataDir, CLEAN_SHUTDOWN_FILE), JSON.stringify({ version: 1, partitions: rows }));
      const fs = new FaultyFs();
      const again = await openManager(dataDir, { fs });
      expect(fs.counts.open).toBe(0);
      expect(
        again
          .partitions()
          .map((p) => `${p.partition}=${p.isDormant}:${p.logEndOffset}`)
          .sort(),
      ).toEqual(['0=true:20', '1=true:40', '2=true:0']);
      expect((await readAll(again.get('t', 0)!)).length).toBe(10);
      await again.close();
    });
  });

  it('a topic config change reaches its dormant partitions, also those nobody asked for yet', async () => {
    await withTempDir(async (dataDir) => {
      await writeAndClose(dataDir);
      const manager = await openManager(dataDir);
      const asked = manager.get('t', 0)!;
      manager.updateConfig('t', 3, config({ segmentBytes: 2000, retentionMs: 1234 }));
      const later = manager.get('t', 2)!;
      expect([asked.isDormant, later.isDormant]).toEqual([true, true]);
      expect([asked.config.retentionMs, later.config.retentionMs]).toEqual([1234, 1234]);
      await manager.close();
    });
  });

  it('a garbled clean-shutdown file is ignored: every partition is opened and recovered', async () => {
    await withTempDir(async (dataDir) => {
      await writeAndClose(dataDir);
      await writeFile(join(dataDir, CLEAN_SHUTDOWN_FILE), '{"version":1,"partitions":[["t",0,0,999');
      const manager = await openManager(dataDir);
      expect(manager.partitions().some((p) => p.isDormant)).toBe(false);
      expect(manager.get('t', 0)!.logEndOffset).toBe(20);
      await manager.close();
    });
  });
});

describe('partitions after a crash', () => {
  it('a partition changed since the clean start is recovered (torn tail cut) before the manager opens', async () => {
    await withTempDir(async (root) => {
      const dataDir = join(root, 'live');
      await writeAndClose(dataDir);
      const manager = await openManager(dataDir);
      const p0 = manager.get('t', 0)!;
      for (let i = 0; i < 5; i++) await p0.append(makeBatch({ records: 2, payloadBytes: 100, tag: 50 + i }));
      // A crash image: the live broker's files as they are now, plus half a batch at the end of t-0.
      const image = join(root, 'crash');
      await cp(dataDir, image, { recursive: true });
      const active = (await readdir(join(image, 't-0')))
        .filter((n) => n.endsWith('.log'))
        .sort()
        .at(-1)!;
      await appendFile(join(image, 't-0', active), makeBatch({ records: 2, payloadBytes: 100 }).subarray(0, 70));
      await manager.close();

      expect(await readdir(image)).not.toContain(CLEAN_SHUTDOWN_FILE);
      const recovered = await openManager(image);
      const [r0, r1] = [recovered.get('t', 0)!, recovered.get('t', 1)!];
      expect(r0.isDormant).toBe(false);
      expect(r0.logEndOffset).toBe(30);
      expect((await readAll(r0)).map((b) => b.lastOffset).at(-1)).toBe(29);
      expect(r1.logEndOffset).toBe(40);
      expect((await readAll(r1)).length).toBe(20);
      await recovered.close();
    });
  });

  it('partitions created and never used come back after a crash and take appends', async () => {
    await withTempDir(async (root) => {
      const dataDir = join(root, 'live');
      const manager = await openManager(dataDir);
      await Promise.all(Array.from({ length: 20 }, (_, p) => manager.create('t', p, cfg)));
      const image = join(root, 'crash');
      await cp(dataDir, image, { recursive: true });
      await manager.close();

      const recovered = await openManager(image);
      expect(recovered.partitions()).toHaveLength(20);
      const log = recovered.get('t', 13)!;
      expect([log.logStartOffset, log.logEndOffset]).toEqual([0, 0]);
      expect((await log.append(makeBatch({ records: 4 }))).baseOffset).toBe(0);
      expect((await readAll(log)).length).toBe(1);
      await recovered.close();
    });
  });
});

describe('a new partition whose first load fails', () => {
  it('answers every concurrent first use with a storage error and leaves no promise rejected unhandled', async () => {
    await withTempDir(async (dataDir) => {
      // The data directory's fsync fails: a new partition's first load needs it (its directory entry).
      const fs = new FaultyFs();
      const manager = await openManager(dataDir, { fs });
      fs.syncDir = (path: string) => Promise.reject(Object.assign(new Error(`EIO: fsync '${path}'`), { code: 'EIO' }));
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => void unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const log = await manager.create('new', 0, cfg);
        expect(log.isDormant).toBe(true);
        const uses = await Promise.allSettled([
          log.append(makeBatch({ records: 1 })),
          log.append(makeBatch({ records: 2 })),
          log.append(makeBatch({ records: 3 })),
        ]);
        for (const use of uses) {
          expect(use.status).toBe('rejected');
          expect((use as PromiseRejectedResult).reason).toBeInstanceOf(StorageError);
        }
        // Unhandled rejections are reported after the microtask queue drains: give the loop two turns.
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setImmediate(resolve));
        expect(unhandled).toEqual([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
        fs.syncDir = FaultyFs.prototype.syncDir;
        await manager.close();
      }
    });
  });
});
