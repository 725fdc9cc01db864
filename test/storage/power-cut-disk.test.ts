// The simulated disk of the power-cut tests must itself keep exactly what Linux promises and no more:
// data only after the file's fsync, names only after their directory's fsync, and nothing of an earlier
// boot may touch the disk after a cut.
import { describe, expect, it } from 'vitest';
import { PowerCutDisk, SECTOR_BYTES, writeFileAtomic, type StorageFs } from '../../storage/index.js';
import { rng } from '../reliability/lib/rng.js';

const ROOT = '/sim';

async function readOr(fs: StorageFs, path: string): Promise<string | undefined> {
  return (await fs.stat(path)) ? (await fs.readFile(path)).toString() : undefined;
}

describe('PowerCutDisk', () => {
  it('keeps file data only once the file was fsynced, and a new name only once its directory was', async () => {
    const disk = new PowerCutDisk(ROOT);
    const fs = disk.mount();
    const fh = await fs.open('/sim/a', 'w+');
    await fh.write(Buffer.from('synced'), 0);
    await fh.sync();
    await fh.write(Buffer.from('+unsynced'), 6);
    expect((await fs.readFile('/sim/a')).toString()).toBe('synced+unsynced'); // the page cache
    disk.cut();
    expect(await readOr(disk.mount(), '/sim/a'), 'the file was fsynced, its directory was not').toBeUndefined();

    const fs2 = disk.mount();
    const fh2 = await fs2.open('/sim/a', 'w+');
    await fh2.write(Buffer.from('synced'), 0);
    await fh2.sync();
    await fs2.syncDir('/sim');
    await fh2.write(Buffer.from('+unsynced'), 6);
    await fh2.truncate(3);
    disk.cut();
    expect(await readOr(disk.mount(), '/sim/a')).toBe('synced');
  });

  it('makes renames, unlinks and directories durable only through the parent directory fsync', async () => {
    const disk = new PowerCutDisk(ROOT);
    let fs = disk.mount();
    await writeFileAtomic(fs, '/sim/x', 'one');
    await fs.mkdir('/sim/d/e');
    await writeFileAtomic(fs, '/sim/d/e/f', 'deep'); // syncs /sim/d/e, but not /sim/d nor /sim
    disk.cut();
    fs = disk.mount();
    expect(await readOr(fs, '/sim/x')).toBe('one');
    expect(await fs.stat('/sim/d')).toBeUndefined();

    const fh = await fs.open('/sim/x.tmp', 'w+');
    await fh.write(Buffer.from('two'), 0);
    await fh.sync();
    await fh.close();
    await fs.rename('/sim/x.tmp', '/sim/x');
    await fs.unlink('/sim/x');
    expect(await fs.stat('/sim/x')).toBeUndefined();
    disk.cut();
    fs = disk.mount();
    expect(await readOr(fs, '/sim/x'), 'neither the rename nor the unlink was made durable').toBe('one');
    expect(await fs.readdir('/sim')).toEqual(['x']);
  });

  it('lets nothing of an earlier boot read or write after the cut', async () => {
    const disk = new PowerCutDisk(ROOT);
    const old = disk.mount();
    const fh = await old.open('/sim/a', 'w+');
    await old.syncDir('/sim');
    const cut = disk.cutAfter(0);
    await expect(fh.write(Buffer.from('late'), 0)).rejects.toMatchObject({ code: 'EIO' });
    expect((await cut).operation).toBe(2);
    await expect(fh.sync()).rejects.toMatchObject({ code: 'EIO' });
    await expect(fh.read(Buffer.alloc(1), 0, 1, 0)).rejects.toMatchObject({ code: 'EIO' });
    await expect(old.rename('/sim/a', '/sim/b')).rejects.toMatchObject({ code: 'EIO' });
    await expect(old.readdir('/sim')).rejects.toMatchObject({ code: 'EIO' });
    const fs = disk.mount();
    expect(await fs.readdir('/sim')).toEqual(['a']);
    expect((await fs.readFile('/sim/a')).length).toBe(0);
  });

  it('refuses paths outside its root', async () => {
    const fs = new PowerCutDisk(ROOT).mount();
    await expect(fs.mkdir('/elsewhere/x')).rejects.toMatchObject({ code: 'EXDEV' });
  });

  it('after a torn cut, a file is its durable bytes plus some written sectors, zeros elsewhere, at a length in between', async () => {
    const random = rng();
    const durable = Buffer.alloc(3 * SECTOR_BYTES + 100, 1);
    const appended = Buffer.alloc(5 * SECTOR_BYTES, 2);
    for (let round = 0; round < 50; round++) {
      const disk = new PowerCutDisk(ROOT);
      const fs = disk.mount();
      const fh = await fs.open('/sim/seg', 'w+');
      await fh.write(durable, 0);
      await fh.sync();
      await fs.syncDir('/sim');
      await fh.write(appended, durable.length);
      disk.cut({ unsynced: 'torn', random: random.next });
      const after = await disk.mount().readFile('/sim/seg');
      const context = `seed ${random.seed} round ${round}`;
      expect(after.length, context).toBeGreaterThanOrEqual(durable.length);
      expect(after.length, context).toBeLessThanOrEqual(durable.length + appended.length);
      expect(after.subarray(0, 3 * SECTOR_BYTES).equals(durable.subarray(0, 3 * SECTOR_BYTES)), context).toBe(true);
      const tail = [...after.subarray(durable.length)];
      expect(
        tail.every((b) => b === 0 || b === 2),
        context,
      ).toBe(true);
    }
  });

  it('leaves an atomically written file whole, old or new, wherever the power is cut', async () => {
    const random = rng();
    for (let at = 0; at < 8; at++) {
      for (const unsynced of ['lost', 'torn'] as const) {
        const disk = new PowerCutDisk(ROOT);
        await writeFileAtomic(disk.mount(), '/sim/meta.json', 'old');
        const fs = disk.mount();
        void disk.cutAfter(at, { unsynced, random: random.next });
        await writeFileAtomic(fs, '/sim/meta.json', 'new').catch(() => undefined);
        if (disk.armed) disk.cut({ unsynced, random: random.next });
        expect(
          await readOr(disk.mount(), '/sim/meta.json'),
          `cut after ${at} (${unsynced}), seed ${random.seed}`,
        ).toMatch(/^(old|new)$/);
      }
    }
  });
});
