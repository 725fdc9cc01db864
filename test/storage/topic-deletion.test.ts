// LogManager.deleteTopic: every legal name fits the file system, it works on a full disk, and a crash at any
// point leaves the topic wholly there or wholly gone at the next open.
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FaultyFs, LogManager, type PartitionConfig } from '../../storage/index.js';
import { config, makeBatch, readAll, withTempDir } from './helpers.js';

const configFor = (): PartitionConfig => config();
const open = (dataDir: string, fs?: FaultyFs) => LogManager.open({ dataDir, configFor, maintenanceIntervalMs: 0, fs });

async function fill(manager: LogManager, topic: string, partitions: number): Promise<void> {
  for (let p = 0; p < partitions; p++) await (await manager.create(topic, p, config())).append(makeBatch({ tag: p }));
}

const longest = 'x'.repeat(249);

/** The data directory's partition and trash directories, without its files (the clean base and its change journal). */
async function partitionDirs(dataDir: string): Promise<string[]> {
  return (await readdir(dataDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

describe('deleting a topic', () => {
  it('works for a 249-character name at partition 99,999, and the name can be created again', async () => {
    await withTempDir(async (dataDir) => {
      const manager = await open(dataDir);
      await (await manager.create(longest, 99_999, config())).append(makeBatch());
      await (await manager.create(longest, 0, config())).append(makeBatch());
      await manager.deleteTopic(longest);
      expect(manager.get(longest, 99_999)).toBeUndefined();
      for (const name of await readdir(dataDir)) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
      expect(await manager.clearTrash()).toBe(true);
      expect(await readdir(dataDir)).toEqual([]);
      const again = await manager.create(longest, 0, config());
      expect(again.logEndOffset).toBe(0);
      // A directory name past 255 bytes is refused up front instead of failing in mkdir.
      await expect(manager.create(longest, 100_000, config())).rejects.toMatchObject({ code: 'INVALID_PARTITION' });
      await manager.close();
    });
  });

  it('needs no free space: with every open and write failing ENOSPC, the data is gone and the space freed', async () => {
    await withTempDir(async (dataDir) => {
      const fs = new FaultyFs();
      const manager = await open(dataDir, fs);
      await fill(manager, 'full', 3);
      fs.fail('open', { code: 'ENOSPC' });
      fs.failWrites({ code: 'ENOSPC' });
      fs.failFsyncs({ code: 'ENOSPC' });
      await manager.deleteTopic('full');
      const left = await readdir(dataDir);
      expect(left.filter((n) => n.startsWith('full-'))).toEqual([]);
      for (const trash of left) expect(await readdir(`${dataDir}/${trash}`)).toEqual([]); // files removed
      expect(manager.isDeletingTopic('full')).toBe(true);
      expect(await manager.clearTrash()).toBe(true);
      expect(manager.isDeletingTopic('full')).toBe(false);
      await manager.close();
    });
  });

  it('a first move that fails changes nothing: the topic stays whole and writable', async () => {
    await withTempDir(async (dataDir) => {
      const fs = new FaultyFs();
      const manager = await open(dataDir, fs);
      await fill(manager, 'stays', 2);
      fs.fail('rename', { code: 'EIO' });
      await expect(manager.deleteTopic('stays')).rejects.toMatchObject({ code: 'STORAGE_IO' });
      fs.clearFaults();
      expect(manager.isDeletingTopic('stays')).toBe(false);
      for (const p of [0, 1]) {
        const log = manager.get('stays', p)!;
        await log.append(makeBatch());
        expect((await readAll(log)).length).toBe(2);
      }
      await manager.close();
    });
  });

  for (const movedBeforeCrash of [1, 2, 3]) {
    it(`a crash after ${movedBeforeCrash} of 4 directories moved: the next open finishes the deletion`, async () => {
      await withTempDir(async (dataDir) => {
        const fs = new FaultyFs();
        const manager = await open(dataDir, fs);
        await fill(manager, 'doomed', 4);
        await fill(manager, 'other', 1);
        // Every move after the first `movedBeforeCrash` fails: as if the process died there.
        let renames = 0;
        fs.fail('rename', { code: 'EIO', path: () => ++renames > movedBeforeCrash });
        await manager.deleteTopic('doomed');
        fs.clearFaults();
        await manager.close();
        expect((await readdir(dataDir)).filter((n) => n.startsWith('doomed-'))).toHaveLength(4 - movedBeforeCrash);

        const reopened = await open(dataDir);
        expect(reopened.isDeletingTopic('doomed')).toBe(true);
        expect(reopened.partitions().map((l) => l.topic)).toEqual(['other']);
        await expect(reopened.create('doomed', 0, config())).rejects.toMatchObject({ code: 'TOPIC_BEING_DELETED' });
        expect(await reopened.clearTrash()).toBe(true);
        expect(await partitionDirs(dataDir)).toEqual(['other-0']);
        expect((await reopened.create('doomed', 0, config())).logEndOffset).toBe(0);
        await reopened.close();
      });
    });
  }

  it('a move that keeps failing at open is logged and retried, never a reason not to open', async () => {
    await withTempDir(async (dataDir) => {
      const manager = await open(dataDir);
      await fill(manager, 'stuck', 2);
      const fs = new FaultyFs();
      await manager.close();
      // Leave partition 0 moved, 1 not (as after a crash), then open with every rename failing.
      const first = await open(dataDir, fs);
      let renames = 0;
      fs.fail('rename', { code: 'EIO', path: () => ++renames > 1 });
      await first.deleteTopic('stuck');
      await first.close();
      fs.fail('rename', { code: 'EIO' });
      const reopened = await open(dataDir, fs);
      expect(reopened.partitions()).toEqual([]);
      expect(await reopened.clearTrash()).toBe(false); // partition 1 still to move: the evidence stays
      fs.clearFaults();
      await reopened.retryDeletions();
      expect(await reopened.clearTrash()).toBe(true);
      expect(await partitionDirs(dataDir)).toEqual([]);
      await reopened.close();
    });
  });
});
