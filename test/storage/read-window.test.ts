import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { PartitionLog, ReadBufferPool } from '../../storage/index.js';
import type { StorageFs } from '../../storage/index.js';
import { config, decodeBatches, makeBatch, readAll, withTempDir } from './helpers.js';
import type { ReadBatch } from './helpers.js';
import { countingFs } from '../helpers/counting-fs.js';

const openLog = (dir: string, fs: StorageFs, overrides = {}) =>
  PartitionLog.open({
    dir: join(dir, 'replay-0'),
    topic: 'replay',
    partition: 0,
    config: config(overrides),
    tailCacheBytes: 0,
    fs,
  });

/** Reads from the log start to the end as a replay stream does: each read from where the last one ended. */
async function replay(log: PartitionLog, maxBytes: number, pool: ReadBufferPool, maxOffset = log.logEndOffset) {
  const frames: ReadBatch[][] = [];
  const leaseSizes = new Set<number>();
  let offset = log.logStartOffset;
  while (offset < maxOffset) {
    const r = await log.read(offset, { maxBytes, maxOffset, pool });
    if (r.bytes === 0) break;
    const batches = decodeBatches(Buffer.concat(r.chunks));
    frames.push(batches);
    expect(r.nextOffset).toBe(batches.at(-1)!.lastOffset + 1);
    if (batches.length > 1) expect(r.bytes).toBeLessThanOrEqual(maxBytes);
    if (r.lease) {
      leaseSizes.add(r.lease.length);
      pool.release(r.lease);
    }
    offset = r.nextOffset;
  }
  return { frames, leaseSizes };
}

/** A log in a directory of its own under `dir`: one batch per payload size, of one to three records. */
async function logOfBatches(dir: string, payloads: number[], indexIntervalBytes: number, segmentBytes: number) {
  const sub = join(dir, `p${Math.random().toString(36).slice(2)}`);
  const log = await openLog(sub, countingFs().fs, { indexIntervalBytes, segmentBytes });
  for (const [i, payloadBytes] of payloads.entries())
    await log.append(makeBatch({ records: 1 + (i % 3), payloadBytes, tag: i }));
  return log;
}

describe('segment reads end on a batch edge the offset index knows', () => {
  it('reads each byte of a replay of large batches from the file once', async () => {
    await withTempDir(async (dir) => {
      const { fs, logBytesRead } = countingFs();
      const log = await openLog(dir, fs, { segmentBytes: 1 << 30 });
      // 20 KiB batches (each gets an index entry) against 50 KiB reads: 2 batches a read, and the third
      // straddles the limit. A window of maxBytes + the index interval read it and dropped it.
      for (let i = 0; i < 40; i++) await log.append(makeBatch({ records: 4, payloadBytes: 20 * 1024, tag: i }));
      const before = logBytesRead();
      const pool = new ReadBufferPool(1 << 20);
      const { frames, leaseSizes } = await replay(log, 50 * 1024, pool);
      expect(frames.map((f) => f.length)).toEqual(Array.from({ length: 20 }, () => 2));
      expect(frames.flat().map((b) => b.baseOffset)).toEqual(Array.from({ length: 40 }, (_, i) => i * 4));
      expect(logBytesRead() - before).toBe(40 * (61 + 20 * 1024));
      // Reads of one size limit take buffers of one pool size class, whatever each read's length.
      expect(leaseSizes.size).toBe(1);
      await log.close();
    });
  });

  it('still returns a first batch larger than maxBytes whole, and the batches after it', async () => {
    await withTempDir(async (dir) => {
      const { fs } = countingFs();
      const log = await openLog(dir, fs);
      const sizes = [30_000, 200_000, 30_000, 30_000, 90_000, 100, 100, 100, 70_000];
      for (const [i, payloadBytes] of sizes.entries()) await log.append(makeBatch({ payloadBytes, tag: i }));
      const { frames } = await replay(log, 64 * 1024, new ReadBufferPool(1 << 20));
      expect(frames.map((f) => f.map((b) => b.payload.length))).toEqual([
        [30_000],
        [200_000],
        [30_000, 30_000],
        [90_000],
        [100, 100, 100],
        [70_000],
      ]);
      await log.close();
    });
  });

  it('reads a first batch larger than maxBytes once, into a pool buffer', async () => {
    await withTempDir(async (dir) => {
      const { fs, logBytesRead } = countingFs();
      const log = await openLog(dir, fs);
      for (let i = 0; i < 6; i++) await log.append(makeBatch({ payloadBytes: 200_000, tag: i }));
      const before = logBytesRead();
      const pool = new ReadBufferPool(1 << 20);
      let leases = 0;
      for (let offset = 0; offset < 6; offset++) {
        const r = await log.read(offset, { maxBytes: 64 * 1024, pool });
        expect(decodeBatches(Buffer.concat(r.chunks)).map((b) => b.baseOffset)).toEqual([offset]);
        if (r.lease) leases++;
      }
      expect(logBytesRead() - before).toBe(6 * 200_061);
      expect(leases).toBe(6);
      await log.close();
    });
  });

  it('reads a first batch larger than a window that began at an earlier batch into a pool buffer too', async () => {
    await withTempDir(async (dir) => {
      const { fs } = countingFs();
      const log = await openLog(dir, fs);
      // Ten small batches, then a large one with no index entry of its own: a read for its offset walks to
      // it from the index entry at 0, in a window sized for a 1-byte limit (a fetch short of memory).
      for (let i = 0; i < 10; i++) await log.append(makeBatch({ payloadBytes: 100, tag: i }));
      await log.append(makeBatch({ payloadBytes: 200_000, tag: 10 }));
      const pool = new ReadBufferPool(1 << 20);
      const first = await log.read(10, { maxBytes: 1, pool });
      expect(decodeBatches(Buffer.concat(first.chunks)).map((b) => b.payload.length)).toEqual([200_000]);
      expect(first.lease).not.toBeNull();
      pool.release(first.lease!);
      const again = await log.read(10, { maxBytes: 1, pool });
      expect(again.lease).toBe(first.lease); // the pool's buffer, used again
      await log.close();
    });
  });

  it('sizes a pooled read to a read size: a 1 MiB limit takes a 1 MiB buffer, not a size class above it', async () => {
    await withTempDir(async (dir) => {
      const { fs } = countingFs();
      const log = await openLog(dir, fs, { segmentBytes: 1 << 30 });
      for (let i = 0; i < 30; i++) await log.append(makeBatch({ payloadBytes: 200_000, tag: i }));
      const pool = new ReadBufferPool(8 << 20);
      const { frames, leaseSizes } = await replay(log, 1 << 20, pool);
      expect([...leaseSizes]).toEqual([1 << 20]);
      expect(frames.flat()).toHaveLength(30);
      // The limit shrank by the index interval and a batch header: still five 200 KB batches a read.
      expect(frames[0]).toHaveLength(5);
      // A stream's credit-sized read takes its limit exactly: 2.9 MiB would be lowered to 2 MiB, 10 batches.
      const exact = await log.read(0, { maxBytes: 2.9 * (1 << 20), pool, exactLimit: true });
      const lowered = await log.read(0, { maxBytes: 2.9 * (1 << 20), pool });
      expect(decodeBatches(Buffer.concat(exact.chunks))).toHaveLength(15);
      expect(decodeBatches(Buffer.concat(lowered.chunks))).toHaveLength(10);
      await log.close();
    });
  });

  it("lowers a pooled read's limit by at most a third: beside a large index interval a limit keeps its own", async () => {
    await withTempDir(async (dir) => {
      const { fs } = countingFs();
      // 64 KiB between index entries: a 100 KB limit's span is ~164 KB; its read size (128 KiB) would leave 65 KB.
      const log = await openLog(dir, fs, { indexIntervalBytes: 64 * 1024 });
      for (let i = 0; i < 8; i++) await log.append(makeBatch({ payloadBytes: 30_000, tag: i }));
      const { frames } = await replay(log, 100_000, new ReadBufferPool(1 << 20));
      expect(frames[0]).toHaveLength(3);
      await log.close();
    });
  });

  it('with oversizedFirstBatch false, returns nothing for a first batch over maxBytes, without reading it or the next segment', async () => {
    await withTempDir(async (dir) => {
      const { fs, logBytesRead } = countingFs();
      const log = await openLog(dir, fs, { segmentBytes: 150_000 });
      await log.append(makeBatch({ payloadBytes: 200_000, tag: 0 })); // fills its segment: the next rolls
      await log.append(makeBatch({ payloadBytes: 100, tag: 1 }));
      const before = logBytesRead();
      const pool = new ReadBufferPool(1 << 20);
      const strict = await log.read(0, { maxBytes: 64 * 1024, pool, oversizedFirstBatch: false });
      expect(strict.chunks).toEqual([]);
      expect(strict.nextOffset).toBe(0);
      expect(strict.lease).toBeNull();
      expect(logBytesRead() - before).toBeLessThanOrEqual(64 * 1024 + 8192);
      const whole = await log.read(0, { maxBytes: 64 * 1024, pool });
      expect(decodeBatches(Buffer.concat(whole.chunks)).map((b) => b.baseOffset)).toEqual([0]);
      await log.close();
    });
  });

  it('bounds a read by the high watermark inside a window that ends on a batch edge', async () => {
    await withTempDir(async (dir) => {
      const { fs } = countingFs();
      const log = await openLog(dir, fs);
      for (let i = 0; i < 10; i++) await log.append(makeBatch({ records: 2, payloadBytes: 10_000, tag: i }));
      const { frames } = await replay(log, 45_000, new ReadBufferPool(1 << 20), 7);
      expect(frames.map((f) => f.map((b) => b.baseOffset))).toEqual([[0, 2, 4]]);
      await log.close();
    });
  });

  it("foresees where a replay's reads of large batches end, from the index alone", async () => {
    await withTempDir(async (dir) => {
      const { fs } = countingFs();
      const log = await openLog(dir, fs, { segmentBytes: 1 << 30 });
      for (let i = 0; i < 40; i++) await log.append(makeBatch({ records: 4, payloadBytes: 20 * 1024, tag: i }));
      const pool = new ReadBufferPool(1 << 20);
      for (const exactLimit of [false, true]) {
        for (let offset = 0; offset < log.logEndOffset; ) {
          const options = { maxBytes: 50 * 1024, pool, exactLimit };
          const planned = log.plannedReadEnd(offset, options);
          const r = await log.read(offset, options);
          if (r.lease) pool.release(r.lease);
          expect(planned).toBe(r.nextOffset);
          offset = r.nextOffset;
        }
      }
      // Nothing to foresee past the end, below the start, or at the high watermark.
      expect(log.plannedReadEnd(log.logEndOffset, { maxBytes: 50 * 1024 })).toBeNull();
      expect(log.plannedReadEnd(-1, { maxBytes: 50 * 1024 })).toBeNull();
      expect(log.plannedReadEnd(8, { maxBytes: 50 * 1024, maxOffset: 8 })).toBeNull();
      await log.close();
    });
  });

  it('a foreseen read end is where the read ends, over segment rolls, batch sizes, limits and watermarks (property)', async () => {
    await withTempDir(async (dir) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: 12_000 }), { minLength: 1, maxLength: 40 }),
          fc.integer({ min: 1, max: 30_000 }),
          fc.integer({ min: 1, max: 5_000 }),
          fc.integer({ min: 20_000, max: 120_000 }),
          fc.boolean(),
          async (payloads, maxBytes, indexIntervalBytes, segmentBytes, exactLimit) => {
            const log = await logOfBatches(dir, payloads, indexIntervalBytes, segmentBytes);
            const pool = new ReadBufferPool(1 << 20);
            for (let offset = 0; offset < log.logEndOffset; offset++) {
              const maxOffset = offset + 1 + ((offset * 7) % (log.logEndOffset - offset));
              const options = { maxBytes, maxOffset, pool, exactLimit };
              const planned = log.plannedReadEnd(offset, options);
              const r = await log.read(offset, options);
              if (r.lease) pool.release(r.lease);
              if (planned !== null) expect(planned).toBe(r.nextOffset);
            }
            await log.close();
          },
        ),
        { numRuns: 30 },
      );
    });
  });

  it('returns every batch once, in order, over segment rolls and any batch sizes (property)', async () => {
    await withTempDir(async (dir) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: 12_000 }), { minLength: 1, maxLength: 60 }),
          fc.integer({ min: 1, max: 30_000 }),
          fc.integer({ min: 1, max: 5_000 }),
          fc.integer({ min: 20_000, max: 120_000 }),
          async (payloads, maxBytes, indexIntervalBytes, segmentBytes) => {
            const log = await logOfBatches(dir, payloads, indexIntervalBytes, segmentBytes);
            const all = await readAll(log);
            const { frames } = await replay(log, maxBytes, new ReadBufferPool(1 << 20));
            expect(frames.flat()).toEqual(all);
            expect(all).toHaveLength(payloads.length);
            await log.close();
          },
        ),
        { numRuns: 40 },
      );
    });
  });
});
