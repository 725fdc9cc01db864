// What a partition writes when it is created, and when it closes without having changed since a clean
// open: the fsync-free paths that make 10,000 partitions start, stop and get created in seconds. Each
// test also checks the result a user relies on: the data and offsets after reopening (and after a crash).
import { cp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_FILE, FaultyFs, LogManager, PartitionLog } from '../../storage/index.js';
import type { StorageFs } from '../../storage/index.js';
import { config, idem, makeBatch, readAll, withTempDir } from './helpers.js';

const cfg = config({ segmentBytes: 4000, indexIntervalBytes: 200 });
const openAt = (dir: string, fs?: StorageFs) =>
  PartitionLog.open({ dir, topic: 't', partition: 0, config: cfg, ...(fs ? { fs } : {}) });

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = (await readFile(join(dir, name))).toString('hex');
  return out;
}

describe('partition creation', () => {
  it('makes the directory entry durable with one directory fsync and writes no checkpoint', async () => {
    await withTempDir(async (root) => {
      const fs = new FaultyFs();
      const log = await openAt(join(root, 'p'), fs);
      expect(fs.counts.syncDir).toBe(1);
      expect(fs.counts.sync).toBe(0);
      expect(await readdir(join(root, 'p'))).toEqual(['00000000000000000000.log']);
      await log.close();
    });
  });

  it('a new partition that crashed before any checkpoint reopens with every appended record', async () => {
    await withTempDir(async (root) => {
      const live = join(root, 'live');
      const log = await openAt(live);
      for (let i = 0; i < 30; i++) await log.append(makeBatch({ records: 2, payloadBytes: 40, tag: i }));
      await log.flush();
      await cp(live, join(root, 'crash'), { recursive: true }); // a crash image: no close ran
      await log.close();
      expect(await readdir(join(root, 'crash'))).not.toContain(CHECKPOINT_FILE);
      const reopened = await openAt(join(root, 'crash'));
      expect(reopened.logEndOffset).toBe(60);
      expect((await readAll(reopened)).map((b) => b.baseOffset)).toEqual(Array.from({ length: 30 }, (_, i) => i * 2));
      await reopened.close();
    });
  });
});

/** Writes with `write` and copies the directory while the log is still open (no close ran): a crash image. */
async function crashImage(root: string, write: (log: PartitionLog) => Promise<void>): Promise<string> {
  const live = join(root, 'live');
  const log = await openAt(live);
  await write(log);
  const image = join(root, 'crash');
  await cp(live, image, { recursive: true });
  await log.close();
  return image;
}

describe('opening a partition after a crash', () => {
  it('lists its directory once, and reads no checkpoint the listing does not hold', async () => {
    await withTempDir(async (root) => {
      const image = await crashImage(root, async (log) => {
        for (let i = 0; i < 5; i++) await log.append(makeBatch({ records: 2, payloadBytes: 40, tag: i }));
      });
      expect(await readdir(image)).not.toContain(CHECKPOINT_FILE);
      const fs = new FaultyFs();
      const reopened = await openAt(image, fs);
      expect([fs.counts.readdir, fs.counts.readFile]).toEqual([1, 0]);
      expect(reopened.logEndOffset).toBe(10);
      await reopened.close();
    });
  });

  it('lists its directory once, and finds the producer snapshot in that listing', async () => {
    await withTempDir(async (root) => {
      // Producer 7 writes into the first two segments only, producer 8 after it: 7's state is in a snapshot.
      let seven = 0;
      let lastOfSeven = -1;
      const image = await crashImage(root, async (log) => {
        for (; log.segmentCount < 2; seven += 2)
          lastOfSeven = (await log.append(idem(7, seven, { records: 2 }))).baseOffset;
        for (let eight = 0; log.segmentCount < 3; eight += 2) await log.append(idem(8, eight, { records: 2 }));
      });
      expect((await readdir(image)).some((n) => n.endsWith('.snapshot'))).toBe(true);
      const fs = new FaultyFs();
      const reopened = await openAt(image, fs);
      expect(fs.counts.readdir).toBe(1);
      const end = reopened.logEndOffset;
      // Producer 7's last batch again is known as a duplicate (from the snapshot), its next one is appended.
      expect((await reopened.append(idem(7, seven - 2, { records: 2 }))).baseOffset).toBe(lastOfSeven);
      expect(reopened.logEndOffset).toBe(end);
      expect((await reopened.append(idem(7, seven, { records: 2 }))).baseOffset).toBe(end);
      await reopened.close();
    });
  });
});

describe('closing a partition unchanged since a clean open', () => {
  it('rewrites nothing and leaves a log that reopens clean with the same records', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'p');
      const first = await openAt(dir);
      for (let i = 0; i < 40; i++) await first.append(makeBatch({ records: 1, payloadBytes: 150, tag: i }));
      await first.close();
      const before = await snapshot(dir);
      const fs = new FaultyFs();
      const idle = await openAt(dir, fs);
      expect((await readAll(idle)).length).toBe(40); // reads do not dirty it
      await idle.close();
      expect(fs.counts.sync + fs.counts.syncDir + fs.counts.rename + fs.counts.write).toBe(0);
      expect(await snapshot(dir)).toEqual(before);
      const again = await openAt(dir);
      expect(again.logEndOffset).toBe(40);
      expect(JSON.parse(await readFile(join(dir, CHECKPOINT_FILE), 'utf8')).cleanShutdown).toBe(true);
      await again.close();
    });
  });

  it('a partition appended to after a clean open is closed in full (indexes, checkpoint) again', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'p');
      const first = await openAt(dir);
      await first.append(makeBatch({ records: 1, payloadBytes: 150, tag: 1 }));
      await first.close();
      const fs = new FaultyFs();
      const second = await openAt(dir, fs);
      for (let i = 0; i < 20; i++) await second.append(makeBatch({ records: 1, payloadBytes: 150, tag: i }));
      await second.close();
      expect(fs.counts.sync).toBeGreaterThan(0);
      const third = await openAt(dir);
      expect(third.logEndOffset).toBe(21);
      expect(JSON.parse(await readFile(join(dir, CHECKPOINT_FILE), 'utf8'))).toMatchObject({
        cleanShutdown: true,
        recoveryPoint: 21,
      });
      await third.close();
    });
  });
});

describe('creating many partitions at once (LogManager)', () => {
  it('makes directories only, with no fsync; the first appends share data-directory fsyncs; every partition works after a reopen', async () => {
    await withTempDir(async (dataDir) => {
      const fs = new FaultyFs();
      const manager = await LogManager.open({ dataDir, configFor: () => cfg, fs, maintenanceIntervalMs: 0 });
      const before = { ...fs.counts };
      const logs = await Promise.all(Array.from({ length: 50 }, (_, p) => manager.create('t', p, cfg)));
      // No file opened and nothing fsynced: a partition's first segment, and the fsync of the data directory
      // that makes its directory entry durable, come with its first use.
      expect(fs.counts.open - before.open).toBe(0);
      expect(fs.counts.syncDir - before.syncDir).toBe(0);
      expect(await readdir(join(dataDir, 't-7'))).toEqual([]);
      const beforeAppends = fs.counts.syncDir;
      await Promise.all(logs.map((log) => log.append(makeBatch({ records: 1 }))));
      // One fsync per partition directory (its first segment), the data directory's shared.
      const dataDirSyncs = fs.counts.syncDir - beforeAppends - 50;
      expect(dataDirSyncs).toBeGreaterThanOrEqual(1);
      expect(dataDirSyncs).toBeLessThan(10);
      await manager.close();
      const reopened = await LogManager.open({ dataDir, configFor: () => cfg, maintenanceIntervalMs: 0 });
      expect(reopened.partitions().map((p) => p.logEndOffset)).toEqual(Array(50).fill(1));
      await reopened.close();
    });
  });
});

describe('a partition created and never written', () => {
  it('closes and reopens without writing anything, and then takes appends like any other', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'p');
      await (await openAt(dir)).close();
      expect(await readdir(dir)).toEqual(['00000000000000000000.log']);
      const fs = new FaultyFs();
      const reopened = await openAt(dir, fs);
      expect(reopened.logEndOffset).toBe(0);
      await reopened.close();
      expect(fs.counts.sync + fs.counts.syncDir + fs.counts.rename + fs.counts.write).toBe(0);
      const used = await openAt(dir);
      await used.append(makeBatch({ records: 3 }));
      await used.close();
      const last = await openAt(dir);
      expect(last.logEndOffset).toBe(3);
      expect(JSON.parse(await readFile(join(dir, CHECKPOINT_FILE), 'utf8'))).toMatchObject({
        cleanShutdown: true,
        recoveryPoint: 3,
      });
      await last.close();
    });
  });
});
