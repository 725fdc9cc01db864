// Writes of 64 KiB and more reserve space ahead in the active segment (Segment.reserveAhead): the file is
// longer than its batches while the segment is active, cut to them at the roll and at the close, and a crash
// leaves the reserved zeros as a torn tail that recovery cuts.
import { cp, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FaultyFs, PartitionLog, nodeFs } from '../../storage/index.js';
import type { Logger, PartitionConfig, StorageFs } from '../../storage/index.js';
import { config, makeBatch, readAll, withTempDir } from './helpers.js';

const KiB = 1024;
const MiB = 1024 * KiB;

function openLog(dir: string, overrides: Partial<PartitionConfig> = {}, fs: StorageFs = nodeFs, logger?: Logger) {
  return PartitionLog.open({ dir, topic: 't', partition: 0, config: config(overrides), fs, logger });
}

/** Each .log file's size on disk and the bytes its batches take (walked by their length fields). */
async function segmentFiles(dir: string): Promise<Array<{ fileBytes: number; batchBytes: number }>> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(dir, name));
      let end = 0;
      while (end + 12 <= bytes.length && bytes.readInt32BE(end + 8) > 0) end += bytes.readInt32BE(end + 8) + 12;
      return { fileBytes: (await stat(join(dir, name))).size, batchBytes: end };
    }),
  );
}

/** A partition under `root` whose file reads take 20 ms more: a reservation ahead (1 MiB reads of its zeros) lasts long. */
async function openSlowReadLog(root: string) {
  const dir = join(root, 'p');
  const fs = new FaultyFs(nodeFs);
  fs.readDelayMs = 20;
  return { dir, fs, log: await openLog(dir, { segmentBytes: 64 * MiB }, fs) };
}

/** The closed partition at `dir`: its file holds its batches and nothing after them, and they read back 0..count-1. */
async function expectExactlyBatches(dir: string, count: number): Promise<void> {
  const [closed] = await segmentFiles(dir);
  expect(closed!.fileBytes).toBe(closed!.batchBytes);
  const reopened = await openLog(dir, { segmentBytes: 64 * MiB });
  expect(reopened.logEndOffset).toBe(count);
  expect((await readAll(reopened, 16 * MiB)).map((b) => b.baseOffset)).toEqual([...Array(count).keys()]);
  await reopened.close();
}

/** `n` batches of about 100 KiB (one record each), tagged so their bytes differ. */
const large = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => makeBatch({ payloadBytes: 100 * KiB, tag: from + i }));

describe('space reserved ahead of large writes', () => {
  it('the active segment reserves space ahead; the roll cuts the sealed segment and the close the active one', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'p');
      const log = await openLog(dir, { segmentBytes: 3 * MiB });
      for (const batch of large(5)) await log.append(batch);
      const [active] = await segmentFiles(dir);
      expect(active!.batchBytes).toBe(5 * large(1)[0]!.length);
      expect(active!.fileBytes).toBeGreaterThan(active!.batchBytes);
      expect(active!.fileBytes).toBeLessThanOrEqual(3 * MiB);

      for (const batch of large(40, 5)) await log.append(batch);
      expect(log.segmentCount).toBeGreaterThan(1);
      const files = await segmentFiles(dir);
      for (const sealed of files.slice(0, -1)) expect(sealed.fileBytes).toBe(sealed.batchBytes);
      expect(files.every((f) => f.fileBytes <= 3 * MiB)).toBe(true);

      await log.close();
      for (const file of await segmentFiles(dir)) expect(file.fileBytes).toBe(file.batchBytes);
      const reopened = await openLog(dir, { segmentBytes: 3 * MiB });
      expect(reopened.logEndOffset).toBe(45);
      expect((await readAll(reopened, 8 * MiB)).map((b) => b.baseOffset)).toEqual([...Array(45).keys()]);
      await reopened.close();
    });
  });

  it('a crash with space reserved: recovery cuts the zeros, keeps every batch, and appends go on', async () => {
    await withTempDir(async (root) => {
      const live = join(root, 'live');
      const image = join(root, 'image');
      const log = await openLog(live);
      for (const batch of large(7)) await log.append(batch);
      await cp(live, image, { recursive: true });
      await log.close();
      const [crashed] = await segmentFiles(image);
      expect(crashed!.fileBytes).toBeGreaterThan(crashed!.batchBytes);

      const warnings: Array<{ reason?: string }> = [];
      const noop = () => {};
      const logger: Logger = { info: noop, debug: noop, error: noop, warn: (obj: object) => warnings.push(obj) };
      const recovered = await openLog(image, {}, nodeFs, logger);
      expect(recovered.logEndOffset).toBe(7);
      // The log says what it cut: zeros, not a corrupt batch.
      expect(warnings.map((w) => w.reason)).toEqual([
        'zeros after the last batch (space reserved ahead of the writes, or a torn write)',
      ]);
      const [cut] = await segmentFiles(image);
      expect(cut!.fileBytes).toBe(cut!.batchBytes);
      for (const batch of large(3, 7)) await recovered.append(batch);
      const read = await readAll(recovered, 8 * MiB);
      expect(read.map((b) => b.baseOffset)).toEqual([...Array(10).keys()]);
      await recovered.close();
      const closed = await segmentFiles(image);
      for (const file of closed) expect(file.fileBytes).toBe(file.batchBytes);
      expect(closed.reduce((sum, f) => sum + f.batchBytes, 0)).toBe(10 * large(1)[0]!.length);
    });
  });

  it('reserves no further ahead than the segment holds: one large write reads at most twice its bytes', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'p');
      const log = await openLog(dir, { segmentBytes: 64 * MiB });
      const [first] = large(1);
      await log.append(first!);
      const [once] = await segmentFiles(dir);
      expect(once!.batchBytes).toBe(first!.length);
      expect(once!.fileBytes).toBe(2 * first!.length);
      await log.close();
      // A segment written steadily reserves further each time (twice as far, up to 8 MiB ahead): ~20 MiB of
      // 100 KiB writes take a handful of reservations, not one per write or two.
      const fs = new FaultyFs(nodeFs);
      const steady = await openLog(join(root, 'q'), { segmentBytes: 64 * MiB }, fs);
      for (const batch of large(200)) await steady.append(batch);
      const [file] = await segmentFiles(join(root, 'q'));
      expect(file!.fileBytes - file!.batchBytes).toBeLessThanOrEqual(8 * MiB);
      expect(fs.counts.truncate).toBeGreaterThanOrEqual(6);
      expect(fs.counts.truncate).toBeLessThanOrEqual(12);
      await steady.close();
    });
  });

  it('appends go on while the next space is reserved: a large write starts that reservation without waiting for it', async () => {
    await withTempDir(async (root) => {
      const { dir, fs, log } = await openSlowReadLog(root);
      const batches = large(60);
      for (const batch of batches) await log.append(batch);
      // Later appends wrote while a reservation started by an earlier one was still reading.
      expect(fs.writesWhileReading).toBeGreaterThan(0);
      // The close waits for the reservation going on and cuts what it reserved.
      await log.close();
      const [closed] = await segmentFiles(dir);
      expect(closed!.batchBytes).toBe(60 * batches[0]!.length);
      await expectExactlyBatches(dir, 60);
    });
  });

  it('a write that fails while the next space is being reserved is cut back after that reservation, and appends go on', async () => {
    await withTempDir(async (root) => {
      const { dir, fs, log } = await openSlowReadLog(root);
      for (const batch of large(10)) await log.append(batch);
      // A torn write of the next batch: half of it written, then EIO.
      const [failing] = large(1, 10);
      fs.failWrites({ times: 1, partialBytes: failing!.length >> 1 });
      await expect(log.append(failing!)).rejects.toThrow(/nothing was stored/);
      for (const batch of large(5, 11)) await log.append(batch);
      await log.close();
      await expectExactlyBatches(dir, 15);
    });
  });

  it('small appends after a large one never land past the space it reserves before the file is extended', async () => {
    await withTempDir(async (root) => {
      const { dir, fs, log } = await openSlowReadLog(root);
      // The first large append reserves in its own call, to twice its end.
      await log.append(large(1)[0]!);
      // The second reaches that end and starts the next reservation (to about twice its own end). Its
      // extension now takes 200 ms; the small appends queued behind it write 300 KiB past its end meanwhile
      // unless the extension is done first, and an extension done after them would cut them off.
      fs.truncateDelayMs = 200;
      const small = Array.from({ length: 30 }, (_, i) => makeBatch({ payloadBytes: 10 * KiB, tag: 2 + i }));
      await Promise.all([log.append(large(1, 1)[0]!), ...small.map((batch) => log.append(batch))]);
      fs.truncateDelayMs = 0;
      await log.close();
      await expectExactlyBatches(dir, 32);
    });
  });

  it('smaller writes reserve nothing: the file holds exactly its batches', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'p');
      const log = await openLog(dir);
      for (let i = 0; i < 20; i++) await log.append(makeBatch({ payloadBytes: 30 * KiB, tag: i }));
      const [active] = await segmentFiles(dir);
      expect(active!.fileBytes).toBe(active!.batchBytes);
      await log.close();
    });
  });

  it.each([
    ['truncate', false],
    ['read', true],
  ] as const)(
    'a failed %s while reserving fails no append, and the close leaves the file exactly its batches',
    async (op, extended) => {
      await withTempDir(async (root) => {
        const dir = join(root, 'p');
        const fs = new FaultyFs(nodeFs);
        const log = await openLog(dir, {}, fs);
        await log.append(makeBatch({ payloadBytes: 30 * KiB }));
        fs.fail(op, { times: 1 });
        // Two writes stay within what the first reserves (as far as the segment then reaches).
        for (const batch of large(2)) await log.append(batch);
        const [active] = await segmentFiles(dir);
        expect(active!.fileBytes > active!.batchBytes).toBe(extended);
        await log.close();
        const [closed] = await segmentFiles(dir);
        expect(closed!.fileBytes).toBe(closed!.batchBytes);
        const reopened = await openLog(dir);
        expect(reopened.logEndOffset).toBe(3);
        await reopened.close();
      });
    },
  );
});
