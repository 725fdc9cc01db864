import { describe, expect, it } from 'vitest';
import { cp, readdir, readFile, stat, truncate, writeFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { PartitionLog, CorruptLogError, CHECKPOINT_FILE, segmentFileName } from '../../storage/index.js';
import type { StorageFs } from '../../storage/index.js';
import { FaultyFs } from '../../storage/index.js';
import { config, decodeBatches, makeBatch, noSyncFs, readAll, timedBatch, withTempDir } from './helpers.js';

const cfg = config({ segmentBytes: 1500, indexIntervalBytes: 200 });
const openAt = (dir: string, options: { repair?: boolean; fs?: StorageFs } = {}) =>
  PartitionLog.open({ dir, topic: 't', partition: 0, config: cfg, fs: options.fs ?? noSyncFs, ...options });

/** Writes `count` batches and copies the directory while the log is still open: a crash image. */
async function crashImage(
  root: string,
  count: number,
  sizeOf = (i: number) => 20 + (i % 5) * 17,
): Promise<{ image: string; ends: number[] }> {
  const live = join(root, 'live');
  const image = join(root, 'image');
  const log = await openAt(live);
  const ends: number[] = [];
  for (let i = 0; i < count; i++)
    ends.push((await log.append(makeBatch({ records: 1 + (i % 3), payloadBytes: sizeOf(i), tag: i }))).lastOffset + 1);
  await cp(live, image, { recursive: true });
  await log.close();
  return { image, ends };
}

async function logFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
}

/** Byte positions of every batch in a .log file. */
async function batchPositions(file: string): Promise<number[]> {
  const bytes = await readFile(file);
  const positions: number[] = [];
  for (let p = 0; p < bytes.length; p += bytes.readInt32BE(p + 8) + 12) positions.push(p);
  return positions;
}

describe('recovery of a torn tail', () => {
  it('keeps exactly the complete batches when the last batch is cut at every byte', async () => {
    await withTempDir(async (root) => {
      const { image, ends } = await crashImage(root, 30);
      const last = join(image, (await logFiles(image)).at(-1)!);
      const positions = await batchPositions(last);
      const start = positions.at(-1)!;
      const size = (await stat(last)).size;
      expect((await logFiles(image)).length).toBeGreaterThan(2);
      for (let cut = start; cut < size; cut++) {
        const copy = join(root, `cut-${cut}`);
        await cp(image, copy, { recursive: true });
        await truncate(join(copy, last.slice(image.length + 1)), cut);
        const log = await openAt(copy);
        expect(log.logEndOffset).toBe(ends.at(-2));
        expect((await readAll(log)).map((b) => b.lastOffset + 1)).toEqual(ends.slice(0, -1));
        expect((await stat(join(copy, last.slice(image.length + 1)))).size).toBe(start);
        expect((await log.append(makeBatch())).baseOffset).toBe(ends.at(-2));
        await log.close();
        const again = await openAt(copy);
        expect(again.logEndOffset).toBe(ends.at(-2)! + 1);
        await again.close();
      }
    });
  });

  it('property: a cut anywhere in the active segment keeps every batch that ends before the cut', async () => {
    await withTempDir(async (root) => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 25 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          async (sizes, where) => {
            const dir = join(root, `p${run++}`);
            const { image, ends } = await crashImage(dir, sizes.length, (i) => sizes[i]!);
            const name = (await logFiles(image)).at(-1)!;
            const size = (await stat(join(image, name))).size;
            const cut = Math.floor(where * size);
            await truncate(join(image, name), cut);
            const log = await openAt(image);
            const kept = await readAll(log);
            const firstInSegment = Number(name.slice(0, 20));
            // Batches of the active segment survive iff they end at or before the cut.
            const survivors = ends.filter((_, i) => batchEndsBefore(ends, i, firstInSegment, sizes, cut));
            expect(kept.map((b) => b.lastOffset + 1)).toEqual(survivors);
            expect(log.logEndOffset).toBe(survivors.at(-1) ?? firstInSegment);
            await log.close();
          },
        ),
        { numRuns: 25 },
      );
    });
  });
});

/** True when batch i lies in the active segment (base >= segmentBase) and its bytes end at or before `cut`. */
function batchEndsBefore(ends: number[], i: number, segmentBase: number, sizes: number[], cut: number): boolean {
  const base = i === 0 ? 0 : ends[i - 1]!;
  if (base < segmentBase) return true;
  let position = 0;
  for (let j = 0; j <= i; j++) {
    const b = j === 0 ? 0 : ends[j - 1]!;
    if (b >= segmentBase) position += 61 + sizes[j]!;
  }
  return position <= cut;
}

describe('recovery of corrupt bytes', () => {
  it('truncates the tail at a flipped bit in the last segment', async () => {
    await withTempDir(async (root) => {
      const { image, ends } = await crashImage(root, 30);
      const name = (await logFiles(image)).at(-1)!;
      const positions = await batchPositions(join(image, name));
      const bytes = await readFile(join(image, name));
      const victim = positions.length - 2;
      bytes[positions[victim]! + 70]! ^= 0x10;
      await writeFile(join(image, name), bytes);
      const log = await openAt(image);
      const keptEnds = ends.slice(0, ends.length - 2);
      expect(log.logEndOffset).toBe(keptEnds.at(-1));
      expect((await readAll(log)).map((b) => b.lastOffset + 1)).toEqual(keptEnds);
      await log.close();
    });
  });

  it('reports a flipped bit in a sealed segment with file and position, and repairs it when asked', async () => {
    await withTempDir(async (root) => {
      const { image, ends } = await crashImage(root, 40);
      const names = await logFiles(image);
      const sealed = names[1]!;
      const positions = await batchPositions(join(image, sealed));
      const bytes = await readFile(join(image, sealed));
      bytes[positions[2]! + 40]! ^= 0x01; // inside the CRC-covered header (baseTimestamp)
      await writeFile(join(image, sealed), bytes);

      const err = await openAt(image).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptLogError);
      expect((err as CorruptLogError).file).toBe(join(image, sealed));
      expect((err as CorruptLogError).position).toBe(positions[2]);
      expect((err as Error).message).toContain(`${sealed} at byte ${positions[2]}`);
      expect((err as CorruptLogError).code).toBe('CORRUPT_LOG');

      const warnings: object[] = [];
      const logger = { info() {}, debug() {}, error() {}, warn: (o: object) => void warnings.push(o) };
      const repaired = await PartitionLog.open({
        dir: image,
        topic: 't',
        partition: 0,
        config: cfg,
        fs: noSyncFs,
        repair: true,
        logger,
      });
      const firstLost = Number(sealed.slice(0, 20)) + countOffsets(await readFile(join(image, sealed)), 2);
      expect(repaired.logEndOffset).toBe(firstLost);
      expect((await readAll(repaired)).map((b) => b.lastOffset + 1)).toEqual(ends.filter((e) => e <= firstLost));
      expect(await logFiles(image)).toEqual(names.slice(0, 2));
      expect(warnings).toContainEqual(expect.objectContaining({ file: join(image, sealed), position: positions[2] }));
      expect((await repaired.append(makeBatch())).baseOffset).toBe(firstLost);
      await repaired.close();
      const reopened = await openAt(image);
      expect(reopened.logEndOffset).toBe(firstLost + 1);
      await reopened.close();
    });
  });
});

/** Offsets held by the first `count` batches of a segment file. */
function countOffsets(bytes: Buffer, count: number): number {
  let offsets = 0;
  for (let p = 0, i = 0; i < count; i++, p += bytes.readInt32BE(p + 8) + 12) offsets += bytes.readInt32BE(p + 23) + 1;
  return offsets;
}

describe('index rebuild', () => {
  async function everyOffsetResolves(log: PartitionLog): Promise<void> {
    for (let offset = log.logStartOffset; offset < log.logEndOffset; offset++) {
      const [first] = decodeBatches(Buffer.concat((await log.read(offset, { maxBytes: 1 })).chunks));
      expect(first!.baseOffset <= offset && offset <= first!.lastOffset).toBe(true);
    }
  }

  async function closedLog(root: string): Promise<{ dir: string; t0: number }> {
    const dir = join(root, 'p');
    const log = await openAt(dir);
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 80; i++)
      await log.append(
        timedBatch(
          Array.from({ length: 1 + (i % 3) }, () => t0 + i * 100),
          10 + (i % 4) * 20,
        ),
      );
    await log.close();
    return { dir, t0 };
  }

  it('rebuilds deleted index files and answers every lookup correctly', async () => {
    await withTempDir(async (root) => {
      const { dir, t0 } = await closedLog(root);
      const indexes = (await readdir(dir)).filter((n) => n.endsWith('index'));
      expect(indexes.length).toBeGreaterThan(4);
      for (const name of indexes) await unlink(join(dir, name));
      const log = await PartitionLog.open({
        dir,
        topic: 't',
        partition: 0,
        config: cfg,
        fs: noSyncFs,
        tailCacheBytes: 0,
      });
      await everyOffsetResolves(log);
      expect((await log.offsetForTimestamp(t0 + 4050))?.timestamp).toBe(t0 + 4100);
      await log.close();
      expect((await readdir(dir)).filter((n) => n.endsWith('index')).sort()).toEqual(indexes.sort());
    });
  });

  it('rebuilds garbled index files, including entries that look valid but point mid-batch', async () => {
    await withTempDir(async (root) => {
      const { dir, t0 } = await closedLog(root);
      const names = (await readdir(dir)).filter((n) => n.endsWith('.index')).sort();
      await writeFile(join(dir, names[0]!), Buffer.from('not an index at all'));
      await writeFile(join(dir, names[1]!.replace('.index', '.timeindex')), Buffer.alloc(24, 0xff));
      // Plausible but wrong: shift every position of the third index by 3 bytes.
      const third = await readFile(join(dir, names[2]!));
      for (let p = 0; p < third.length; p += 8) third.writeUInt32BE(third.readUInt32BE(p + 4) + 3, p + 4);
      expect(third.length).toBeGreaterThan(0);
      await writeFile(join(dir, names[2]!), third);
      const log = await PartitionLog.open({
        dir,
        topic: 't',
        partition: 0,
        config: cfg,
        fs: noSyncFs,
        tailCacheBytes: 0,
      });
      await everyOffsetResolves(log);
      for (let i = 1; i < 80; i++)
        expect((await log.offsetForTimestamp(t0 + i * 100 - 50))?.timestamp).toBe(t0 + i * 100);
      await log.close();
    });
  });
});

describe('the checkpoint a crash recovery writes', () => {
  const checkpointOf = async (dir: string) => JSON.parse(await readFile(join(dir, CHECKPOINT_FILE), 'utf8'));
  const hasCheckpoint = async (dir: string) => (await readdir(dir)).includes(CHECKPOINT_FILE);

  it('writes none for a partition of one segment, and a second crash still recovers every batch', async () => {
    await withTempDir(async (root) => {
      const { image, ends } = await crashImage(root, 5);
      expect(await logFiles(image)).toHaveLength(1);
      expect(await hasCheckpoint(image)).toBe(false);
      const counting = new FaultyFs(noSyncFs);
      const recovered = await openAt(image, { fs: counting });
      expect(recovered.logEndOffset).toBe(ends.at(-1));
      // The active segment is scanned after any crash whatever the file says: no atomic write for it.
      expect(counting.counts.rename).toBe(0);
      expect(await hasCheckpoint(image)).toBe(false);
      const appended = await recovered.append(makeBatch({ tag: 99 }));
      const second = join(root, 'second');
      await cp(image, second, { recursive: true });
      await recovered.close();
      const again = await openAt(second);
      expect(again.logEndOffset).toBe(appended.lastOffset + 1);
      expect((await readAll(again)).map((b) => b.lastOffset + 1)).toEqual([...ends, appended.lastOffset + 1]);
      await again.close();
    });
  });

  it('writes the recovery point when it scanned sealed segments, so the next recovery trusts them', async () => {
    await withTempDir(async (root) => {
      const { image, ends } = await crashImage(root, 30);
      const segments = (await logFiles(image)).length;
      expect(segments).toBeGreaterThan(2);
      const recovered = await openAt(image);
      expect(await checkpointOf(image)).toMatchObject({ recoveryPoint: ends.at(-1), cleanShutdown: false });
      const second = join(root, 'second');
      await cp(image, second, { recursive: true });
      await recovered.close();
      const counting = new FaultyFs(noSyncFs);
      const again = await openAt(second, { fs: counting });
      expect(again.logEndOffset).toBe(ends.at(-1));
      // Only the active segment is scanned again: far fewer reads than one per sealed segment's batches.
      const sealedBatches = ends.length - (await batchPositions(join(second, (await logFiles(second)).at(-1)!))).length;
      expect(counting.counts.read).toBeLessThan(sealedBatches);
      await again.close();
    });
  });

  it('keeps a log start moved back to the recovered log end', async () => {
    await withTempDir(async (root) => {
      const { image, ends } = await crashImage(root, 5);
      const end = ends.at(-1)!;
      const checkpoint = { version: 1, topic: 't', partition: 0, cleanShutdown: false };
      await writeFile(
        join(image, CHECKPOINT_FILE),
        JSON.stringify({ ...checkpoint, logStartOffset: end + 10, recoveryPoint: 0 }),
      );
      const recovered = await openAt(image);
      expect(recovered.logStartOffset).toBe(end);
      expect(await checkpointOf(image)).toMatchObject({ logStartOffset: end });
      await recovered.close();
    });
  });

  it('maintenance writes the recovery point once a roll sealed a segment, not for appends inside the active one', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'p');
      const log = await PartitionLog.open({
        dir,
        topic: 't',
        partition: 0,
        config: config({ segmentBytes: 1500, indexIntervalBytes: 200, flush: { kind: 'always' } }),
        fs: noSyncFs,
      });
      await log.append(makeBatch({ payloadBytes: 100 }));
      await log.runMaintenance();
      expect(await hasCheckpoint(dir)).toBe(false);
      while (log.segmentCount < 2) await log.append(makeBatch({ payloadBytes: 100 }));
      const sealedAt = log.logEndOffset;
      await log.runMaintenance();
      expect(await checkpointOf(dir)).toMatchObject({ recoveryPoint: sealedAt, cleanShutdown: false });
      await log.append(makeBatch({ payloadBytes: 100 }));
      await log.runMaintenance();
      expect(await checkpointOf(dir)).toMatchObject({ recoveryPoint: sealedAt });
      await log.close();
    });
  });
});

describe('checkpoint', () => {
  it('opens a cleanly closed log without scanning it, and marks it unclean before the first new write', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'p');
      const log = await openAt(dir);
      for (let i = 0; i < 200; i++) await log.append(makeBatch({ payloadBytes: 100 }));
      const segments = log.segmentCount;
      await log.close();
      const counting = new FaultyFs(noSyncFs);
      const clean = await openAt(dir, { fs: counting });
      expect(clean.segmentCount).toBe(segments);
      expect(clean.logEndOffset).toBe(200);
      // Per segment: the batches after the last index entry (one read) and the first header (one read).
      expect(counting.counts.read).toBeLessThanOrEqual(2 * segments);
      const before = JSON.parse(await readFile(join(dir, CHECKPOINT_FILE), 'utf8'));
      expect(before.cleanShutdown).toBe(true);
      await clean.append(makeBatch());
      const after = JSON.parse(await readFile(join(dir, CHECKPOINT_FILE), 'utf8'));
      expect(after).toMatchObject({ cleanShutdown: false, recoveryPoint: 200 });
      // A crash now (copy while open) with a torn last batch: the tail is cut, the rest kept.
      const image = join(root, 'image');
      await cp(dir, image, { recursive: true });
      const last = (await logFiles(image)).at(-1)!;
      await truncate(join(image, last), (await stat(join(image, last))).size - 5);
      const recovered = await openAt(image);
      expect(recovered.logEndOffset).toBe(200);
      await recovered.close();
      await clean.close();
    });
  });

  it('survives a restart: deleteRecordsBefore moves the log start durably', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'p');
      const log = await openAt(dir, { fs: undefined });
      for (let i = 0; i < 50; i++) await log.append(makeBatch({ payloadBytes: 100 }));
      const segments = log.segmentCount;
      await log.deleteRecordsBefore(25);
      expect(log.logStartOffset).toBe(25);
      expect(log.segmentCount).toBeLessThan(segments);
      await expect(log.read(24, { maxBytes: 10 })).rejects.toThrow(/25\.\.50/);
      const image = join(root, 'image');
      await cp(dir, image, { recursive: true });
      await log.close();
      const checkpoint = JSON.parse(await readFile(join(dir, CHECKPOINT_FILE), 'utf8'));
      expect(checkpoint).toMatchObject({ logStartOffset: 25, recoveryPoint: 50, cleanShutdown: true });
      for (const d of [dir, image]) {
        const reopened = await openAt(d);
        expect(reopened.logStartOffset).toBe(25);
        expect(reopened.logEndOffset).toBe(50);
        expect((await readAll(reopened))[0]!.baseOffset).toBeLessThanOrEqual(25);
        await reopened.close();
      }
      expect(await logFiles(dir)).not.toContain(segmentFileName(0, '.log'));
    });
  });

  it('truncateTo drops everything at and after the offset, across segments, and survives reopen', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'p');
      const log = await openAt(dir);
      for (let i = 0; i < 60; i++) await log.append(makeBatch({ records: 2, payloadBytes: 80 }));
      const segments = log.segmentCount;
      await log.truncateTo(31); // inside the batch 30..31: that whole batch goes
      expect(log.logEndOffset).toBe(30);
      expect(log.segmentCount).toBeLessThan(segments);
      expect((await readAll(log)).at(-1)!.lastOffset).toBe(29);
      expect((await log.append(makeBatch())).baseOffset).toBe(30);
      await log.close();
      const reopened = await openAt(dir);
      expect(reopened.logEndOffset).toBe(31);
      await reopened.truncateTo(0);
      expect([reopened.logStartOffset, reopened.logEndOffset, reopened.segmentCount]).toEqual([0, 0, 1]);
      await reopened.close();
    });
  });
});
