// The roll check holds per batch (issue 11, item 4): an append of several batches never grows a segment
// past segmentBytes nor past its 32-bit relative offsets, storage refuses batches whose offsets are not
// dense, and an append that spans segments is all-or-nothing when a later part of it fails.
import { readdir, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FaultyFs,
  InvalidRecordError,
  Offsets,
  PartitionLog,
  StorageIOError,
  nodeFs,
  segmentFileName,
  writeBatchCrc,
} from '../../storage/index.js';
import type { PartitionConfig, StorageFs } from '../../storage/index.js';
import { config, idem, makeBatch, readAll, withTempDir } from './helpers.js';

function openLog(dir: string, overrides: Partial<PartitionConfig> = {}, fs: StorageFs = nodeFs) {
  return PartitionLog.open({ dir: join(dir, 'p'), topic: 't', partition: 0, config: config(overrides), fs });
}

async function segmentFiles(dir: string): Promise<Array<{ name: string; bytes: number }>> {
  const names = (await readdir(join(dir, 'p'))).filter((n) => n.endsWith('.log')).sort();
  return Promise.all(names.map(async (name) => ({ name, bytes: (await stat(join(dir, 'p', name))).size })));
}

const KiB = 1024;
/** `n` batches of about 30 KiB each (one record each), tagged so their bytes differ. */
const batches = (n: number, tag = 0) =>
  Array.from({ length: n }, (_, i) => makeBatch({ payloadBytes: 30 * KiB, tag: tag + i }));

describe('the roll check holds per batch', () => {
  it('an append of 11 batches (330 KB) under segmentBytes 65536 fills segments of at most 65536 bytes', async () => {
    await withTempDir(async (dir) => {
      const log = await openLog(dir, { segmentBytes: 65536 });
      await log.append(makeBatch({ payloadBytes: 100 }));
      const result = await log.append(Buffer.concat(batches(11)));
      expect(result).toMatchObject({ baseOffset: 1, lastOffset: 11 });
      const files = await segmentFiles(dir);
      expect(files.every((f) => f.bytes <= 65536)).toBe(true);
      expect(files.length).toBe(6);
      expect((await readAll(log)).map((b) => b.baseOffset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      await log.close();
      const reopened = await openLog(dir, { segmentBytes: 65536 });
      expect((await readAll(reopened)).length).toBe(12);
      await reopened.close();
    });
  });

  it('four batches of 2^31 - 1 offsets in one append get a segment each, and read back after a restart', async () => {
    await withTempDir(async (dir) => {
      const span = 2 ** 31 - 1; // the most a dense batch can hold: recordCount is an int32
      const log = await openLog(dir);
      await log.append(Buffer.concat([0, 1, 2, 3].map((tag) => makeBatch({ records: span, tag }))));
      expect(log.logEndOffset).toBe(4 * span);
      expect(log.segmentCount).toBe(4);
      await log.close();
      const reopened = await openLog(dir);
      for (let i = 0; i < 4; i++) {
        const r = await reopened.read(i * span + 5, { maxBytes: 1 });
        expect(r.nextOffset).toBe((i + 1) * span);
      }
      expect((await readAll(reopened)).map((b) => b.baseOffset)).toEqual([0, span, 2 * span, 3 * span]);
      await reopened.close();
    });
  });
});

describe('storage defends its offsets itself', () => {
  it('refuses a batch whose lastOffsetDelta claims more offsets than it holds records; nothing stored', async () => {
    await withTempDir(async (dir) => {
      const log = await openLog(dir);
      const sparse = makeBatch();
      sparse.writeInt32BE(2 ** 31 - 1, Offsets.lastOffsetDelta);
      writeBatchCrc(sparse);
      const append = log.append(Buffer.concat([makeBatch(), sparse]));
      await expect(append).rejects.toBeInstanceOf(InvalidRecordError);
      await expect(append).rejects.toThrow(
        'batch 1 (at byte 93): it spans 2147483648 offsets but holds 1 records (an appended batch uses one offset per record)',
      );
      expect(log.logEndOffset).toBe(0);
      await log.close();
    });
  });

  it('refuses an append whose offsets would pass 2^53 - 1 (the largest offset a Number keeps exactly)', async () => {
    await withTempDir(async (dir) => {
      const base = Number.MAX_SAFE_INTEGER - 10;
      await mkdir(join(dir, 'p'));
      await writeFile(join(dir, 'p', segmentFileName(base, '.log')), Buffer.alloc(0));
      const log = await openLog(dir);
      expect(log.logEndOffset).toBe(base);
      await expect(log.append(makeBatch({ records: 11 }))).rejects.toThrow(/would pass 2\^53 - 1/);
      expect((await log.append(makeBatch({ records: 10 }))).lastOffset).toBe(Number.MAX_SAFE_INTEGER - 1);
      await log.close();
    });
  });
});

describe('an append spanning segments is all-or-nothing', () => {
  const second = (path: string) => path.endsWith(segmentFileName(2, '.log'));

  /** After a failed append of b1..b3 (b0 stored first): only b0 is there, and the log goes on densely. */
  async function expectOnlyFirst(dir: string, log: PartitionLog) {
    expect(log.logEndOffset).toBe(1);
    expect((await readAll(log)).map((b) => b.baseOffset)).toEqual([0]);
    expect((await segmentFiles(dir)).map((f) => f.name)).toEqual([segmentFileName(0, '.log')]);
    expect((await log.append(makeBatch({ tag: 9 }))).baseOffset).toBe(1);
    await log.close();
    const reopened = await openLog(dir, { segmentBytes: 65536 });
    expect((await readAll(reopened)).map((b) => b.baseOffset)).toEqual([0, 1]);
    await reopened.close();
  }

  it.each([
    ['the write of its second part fails', (fs: FaultyFs) => fs.failWrites({ path: second, times: 1 })],
    ['the write of its second part is torn', (fs: FaultyFs) => fs.failWrites({ path: second, partialBytes: 100 })],
    ['creating the next segment fails', (fs: FaultyFs) => fs.fail('open', { path: second, times: 1, code: 'EMFILE' })],
    ['the fsync sealing its first segment fails', (fs: FaultyFs) => fs.failFsyncs({ times: 1 })],
  ])('%s: nothing of it is stored, readable or left on disk', async (_name, arm) => {
    await withTempDir(async (dir) => {
      const fs = new FaultyFs();
      const log = await openLog(dir, { segmentBytes: 65536 }, fs);
      await log.append(batches(1, 100)[0]!);
      await log.flush();
      arm(fs);
      const seen: number[] = [];
      const append = log.append(Buffer.concat(batches(3)));
      // Readers polling while the append runs never see any part of it.
      const poll = (async () => {
        for (let i = 0; i < 50; i++) {
          seen.push(log.logEndOffset);
          await new Promise((r) => setImmediate(r));
        }
      })();
      await expect(append).rejects.toBeInstanceOf(StorageIOError);
      await poll;
      expect(Math.max(...seen)).toBe(1);
      await expectOnlyFirst(dir, log);
    });
  });

  it('an idempotent producer retrying a failed spanning append is stored once, and its sequence goes on', async () => {
    await withTempDir(async (dir) => {
      const fs = new FaultyFs();
      const open = () => openLog(dir, { segmentBytes: 200 }, fs); // two 93-byte batches a segment
      const log = await open();
      await log.append(idem(1, 0));
      await log.flush();
      fs.failWrites({ path: second, times: 1 });
      const retried = Buffer.concat([idem(1, 1), idem(1, 2), idem(1, 3)]);
      await expect(log.append(Buffer.from(retried))).rejects.toBeInstanceOf(StorageIOError);
      expect(log.logEndOffset).toBe(1);
      // Not mistaken for a duplicate of batches that are gone: appended, at the next offset.
      expect((await log.append(Buffer.from(retried))).baseOffset).toBe(1);
      expect(log.logEndOffset).toBe(4);
      await log.close();
      const reopened = await open();
      expect((await reopened.append(idem(1, 4))).baseOffset).toBe(4);
      expect((await reopened.append(idem(1, 2))).baseOffset).toBe(2); // a retry of a stored batch: its offset
      expect((await readAll(reopened)).map((b) => b.baseOffset)).toEqual([0, 1, 2, 3, 4]);
      await reopened.close();
    });
  });
});
