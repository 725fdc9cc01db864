import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import {
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  ATTR_TRANSACTIONAL,
  CompressionCodec,
  PartitionLog,
  OffsetOutOfRangeError,
  InvalidRecordError,
  LogClosedError,
  Offsets,
  type RecordCodecs,
  writeBatchCrc,
  writeInt64,
} from '../../storage/index.js';
import { FakeClock, config, decodeBatches, makeBatch, readAll, timedBatch, withTempDir } from './helpers.js';
import { keyedBatch, testCodecs } from './compaction-helpers.js';

const open = (dir: string, overrides = {}, clock = new FakeClock(), tailCacheBytes?: number) =>
  PartitionLog.open({
    dir: join(dir, 'events-0'),
    topic: 'events',
    partition: 0,
    config: config(overrides),
    clock,
    tailCacheBytes,
  });

describe('PartitionLog append and read', () => {
  it('round-trips batches with dense offsets and unchanged record bytes', async () => {
    await withTempDir(async (dir) => {
      const log = await open(dir);
      const a = await log.append(makeBatch({ records: 3, tag: 1 }));
      const b = await log.append(Buffer.concat([makeBatch({ records: 2, tag: 2 }), makeBatch({ records: 1, tag: 3 })]));
      expect(a).toEqual({ baseOffset: 0, lastOffset: 2, recordCount: 3, logAppendTime: -1 });
      expect(b).toEqual({ baseOffset: 3, lastOffset: 5, recordCount: 3, logAppendTime: -1 });
      expect(log.logEndOffset).toBe(6);
      const batches = await readAll(log);
      expect(batches.map((x) => [x.baseOffset, x.lastOffset])).toEqual([
        [0, 2],
        [3, 4],
        [5, 5],
      ]);
      expect(batches[1]!.payload).toEqual(makeBatch({ records: 2, tag: 2 }).subarray(61));
      await log.close();
      const reopened = await open(dir);
      expect(reopened.logEndOffset).toBe(6);
      expect((await readAll(reopened)).map((x) => x.payload)).toEqual(batches.map((x) => x.payload));
      await reopened.close();
    });
  });

  it('finds the batch holding every offset of a multi-segment log, from disk and from the tail cache', async () => {
    await withTempDir(async (dir) => {
      for (const cache of [0, 4096]) {
        const log = await PartitionLog.open({
          dir: join(dir, `t-${cache}`),
          topic: 't',
          partition: cache,
          config: config({ segmentBytes: 2000, indexIntervalBytes: 150 }),
          tailCacheBytes: cache,
        });
        for (let i = 0; i < 120; i++)
          await log.append(makeBatch({ records: 1 + (i % 4), payloadBytes: 20 + (i % 7) * 10, tag: i }));
        expect(log.segmentCount).toBeGreaterThan(5);
        for (let offset = 0; offset < log.logEndOffset; offset++) {
          const r = await log.read(offset, { maxBytes: 1 });
          const [first, ...rest] = decodeBatches(Buffer.concat(r.chunks));
          expect(rest).toEqual([]);
          expect(first!.baseOffset).toBeLessThanOrEqual(offset);
          expect(first!.lastOffset).toBeGreaterThanOrEqual(offset);
        }
        await log.close();
      }
    });
  });

  it('returns at least one whole batch even when it exceeds maxBytes, and never more than maxBytes otherwise', async () => {
    await withTempDir(async (dir) => {
      const log = await open(dir, {}, new FakeClock(), 0);
      await log.append(makeBatch({ payloadBytes: 5000 }));
      for (let i = 0; i < 10; i++) await log.append(makeBatch({ payloadBytes: 100 }));
      const big = await log.read(0, { maxBytes: 10 });
      expect(big.bytes).toBe(5061);
      expect(decodeBatches(Buffer.concat(big.chunks))).toHaveLength(1);
      const some = await log.read(1, { maxBytes: 500 });
      expect(some.bytes).toBe(3 * 161);
      expect(decodeBatches(Buffer.concat(some.chunks)).map((b) => b.baseOffset)).toEqual([1, 2, 3]);
      await log.close();
    });
  });

  it('bounds reads by maxOffset (high watermark) and returns nothing at the log end', async () => {
    await withTempDir(async (dir) => {
      const log = await open(dir);
      for (let i = 0; i < 5; i++) await log.append(makeBatch({ records: 2 }));
      const r = await log.read(0, { maxBytes: 1 << 20, maxOffset: 6 });
      expect(decodeBatches(Buffer.concat(r.chunks)).map((b) => b.lastOffset)).toEqual([1, 3, 5]);
      expect(r.logEndOffset).toBe(10);
      expect((await log.read(10, { maxBytes: 100 })).bytes).toBe(0);
      expect((await log.read(6, { maxBytes: 100, maxOffset: 6 })).bytes).toBe(0);
      await log.close();
    });
  });

  it('rejects offsets outside the log with a message naming the valid range', async () => {
    await withTempDir(async (dir) => {
      const log = await open(dir);
      await log.append(makeBatch({ records: 3 }));
      const err = await log.read(4, { maxBytes: 100 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OffsetOutOfRangeError);
      expect((err as OffsetOutOfRangeError).code).toBe('OFFSET_OUT_OF_RANGE');
      expect((err as Error).message).toContain('0..3');
      await expect(log.read(-1, { maxBytes: 100 })).rejects.toBeInstanceOf(OffsetOutOfRangeError);
      await log.close();
    });
  });

  it('rejects a batch with a bad CRC without writing anything', async () => {
    await withTempDir(async (dir) => {
      const log = await open(dir);
      await log.append(makeBatch());
      const bad = makeBatch({ tag: 9 });
      bad[bad.length - 1]! ^= 0x01;
      const err = await log.append(Buffer.concat([makeBatch(), bad])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidRecordError);
      expect((err as InvalidRecordError).code).toBe('INVALID_RECORD');
      expect((err as Error).message).toMatch(/CRC/);
      await expect(log.append(Buffer.alloc(0))).rejects.toBeInstanceOf(InvalidRecordError);
      expect(log.logEndOffset).toBe(1);
      expect(log.sizeInBytes).toBe(93);
      await log.close();
    });
  });

  it('gives concurrent appends dense offsets in call order', async () => {
    await withTempDir(async (dir) => {
      const log = await open(dir, { segmentBytes: 4096 });
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => log.append(makeBatch({ records: 1 + (i % 3), tag: i }))),
      );
      let next = 0;
      for (const r of results) {
        expect(r.baseOffset).toBe(next);
        next = r.lastOffset + 1;
      }
      const batches = await readAll(log);
      expect(batches.map((b) => b.payload[0])).toEqual(results.map((_, i) => (i * 31) & 0xff));
      await log.close();
    });
  });

  it('patches the leader epoch when given and rejects calls after close', async () => {
    await withTempDir(async (dir) => {
      const log = await open(dir);
      await log.append(makeBatch(), { leaderEpoch: 7 });
      const r = await log.read(0, { maxBytes: 100 });
      expect(Buffer.concat(r.chunks).readInt32BE(12)).toBe(7);
      await log.close();
      await expect(log.append(makeBatch())).rejects.toBeInstanceOf(LogClosedError);
      await expect(log.read(0, { maxBytes: 1 })).rejects.toBeInstanceOf(LogClosedError);
    });
  });
});

describe('PartitionLog read limits (property)', () => {
  it('returns exactly the batches a reference model picks, from disk and from the tail cache', async () => {
    await withTempDir(async (dir) => {
      const sizes = Array.from({ length: 150 }, (_, i) => 10 + ((i * 37) % 200));
      const logs: PartitionLog[] = [];
      for (const cache of [0, 1 << 20]) {
        const log = await PartitionLog.open({
          dir: join(dir, `p-${cache}`),
          topic: 'p',
          partition: 0,
          config: config({ segmentBytes: 8000, indexIntervalBytes: 300 }),
          tailCacheBytes: cache,
        });
        for (let i = 0; i < sizes.length; i++)
          await log.append(makeBatch({ records: 1 + (i % 3), payloadBytes: sizes[i], tag: i }));
        logs.push(log);
      }
      const all = await readAll(logs[0]!);
      const end = logs[0]!.logEndOffset;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: end }),
          fc.integer({ min: 1, max: 3000 }),
          fc.integer({ min: 0, max: end + 5 }),
          async (offset, maxBytes, maxOffset) => {
            // Reference: batches of the segment holding `offset` (disk reads stop at a segment end; the cache does not).
            const fromIdx = all.findIndex((b) => b.lastOffset >= offset);
            for (const log of logs) {
              const r = await log.read(offset, { maxBytes, maxOffset });
              const got = decodeBatches(Buffer.concat(r.chunks));
              expect(r.bytes).toBe(got.reduce((n, b) => n + 61 + b.payload.length, 0));
              if (fromIdx < 0 || all[fromIdx]!.lastOffset >= maxOffset) {
                expect(got).toEqual([]);
                expect(r.nextOffset).toBe(offset);
                continue;
              }
              expect(got[0]).toEqual(all[fromIdx]);
              expect(got).toEqual(all.slice(fromIdx, fromIdx + got.length));
              expect(got.every((b) => b.lastOffset < maxOffset)).toBe(true);
              expect(got.length === 1 || r.bytes <= maxBytes).toBe(true);
              expect(r.nextOffset).toBe(got.at(-1)!.lastOffset + 1);
              // Maximal: the next batch would break a limit (or the segment ended, for disk reads).
              const nextBatch = all[fromIdx + got.length];
              if (
                nextBatch &&
                r.bytes + 61 + nextBatch.payload.length <= maxBytes &&
                nextBatch.lastOffset < maxOffset
              ) {
                expect(logs.indexOf(log)).toBe(0);
              }
            }
          },
        ),
        { numRuns: 300 },
      );
      for (const log of logs) await log.close();
    });
  });
});

describe('PartitionLog timestamps', () => {
  it('finds the earliest batch whose max timestamp is at or after the target', async () => {
    await withTempDir(async (dir) => {
      const log = await open(dir, { segmentBytes: 1000, indexIntervalBytes: 100 });
      const t0 = 1_700_000_000_000;
      // Timestamps rise by 10 ms per batch, with one out-of-order batch at offset 20.
      for (let i = 0; i < 60; i++) {
        const ts = i === 20 ? t0 + 5 : t0 + i * 10;
        await log.append(timedBatch([ts]));
      }
      expect(log.segmentCount).toBeGreaterThan(3);
      expect(await log.offsetForTimestamp(t0 - 1)).toEqual({ offset: 0, timestamp: t0 });
      expect(await log.offsetForTimestamp(t0 + 10)).toEqual({ offset: 1, timestamp: t0 + 10 });
      expect(await log.offsetForTimestamp(t0 + 301)).toEqual({ offset: 31, timestamp: t0 + 310 });
      for (let i = 1; i < 60; i++) {
        if (i === 20 || i === 21) continue;
        expect((await log.offsetForTimestamp(t0 + i * 10 - 5))?.offset).toBe(i);
      }
      expect(await log.offsetForTimestamp(t0 + 591)).toBeNull();
      await log.close();
      const reopened = await open(dir, { segmentBytes: 1000, indexIntervalBytes: 100 });
      expect(await reopened.offsetForTimestamp(t0 + 301)).toEqual({ offset: 31, timestamp: t0 + 310 });
      await reopened.close();
    });
  });
});

describe('PartitionLog lookups by time inside a batch', () => {
  // Ten records in one batch, one second apart (a producer's linger): Kafka answers with the first record
  // whose timestamp is at or after the target, and that record's timestamp.
  const t0 = 1_000_000;
  const tenRecords = Array.from({ length: 10 }, (_, i) => t0 + i * 1000);
  const openWith = (dir: string, codecs?: RecordCodecs, clock = new FakeClock()) =>
    PartitionLog.open({ dir: join(dir, 'tsq-0'), topic: 'tsq', partition: 0, config: config(), clock, codecs });

  /** Every lookup a user would try: at each record's timestamp, between two, before the first, after the last. */
  async function expectRecordLookups(log: PartitionLog, firstOffset: number): Promise<void> {
    for (let i = 0; i < 10; i++) {
      const record = { offset: firstOffset + i, timestamp: t0 + i * 1000 };
      expect(await log.offsetForTimestamp(t0 + i * 1000)).toEqual(record);
      expect(await log.offsetForTimestamp(t0 + i * 1000 - 500)).toEqual(record);
    }
    expect(await log.offsetForTimestamp(t0 + 9001)).toBeNull();
  }

  it('finds the record, not the batch, in an uncompressed batch', async () => {
    await withTempDir(async (dir) => {
      const log = await openWith(dir);
      await log.append(timedBatch([t0 - 3000, t0 - 2000]));
      await log.append(timedBatch(tenRecords));
      expect(await log.offsetForTimestamp(t0 - 2500)).toEqual({ offset: 1, timestamp: t0 - 2000 });
      await expectRecordLookups(log, 2);
      await log.close();
    });
  });

  it.each([
    ['gzip', CompressionCodec.Gzip],
    ['snappy', CompressionCodec.Snappy],
    ['lz4', CompressionCodec.Lz4],
    ['zstd', CompressionCodec.Zstd],
  ])('finds the record in a %s batch, with the codecs it is given', async (_name, compression) => {
    await withTempDir(async (dir) => {
      const log = await openWith(dir, testCodecs);
      await log.append(timedBatch([t0 - 3000, t0 - 2000]));
      await log.append(
        await keyedBatch(
          tenRecords.map((timestamp) => ({ key: null, value: 'v', timestamp })),
          { compression },
        ),
      );
      await expectRecordLookups(log, 2);
      await log.close();
    });
  });

  it('answers to the batch in a compressed batch when it has no codecs', async () => {
    await withTempDir(async (dir) => {
      const log = await openWith(dir);
      const records = tenRecords.map((timestamp) => ({ key: null, value: 'v', timestamp }));
      await log.append(await keyedBatch(records, { compression: CompressionCodec.Gzip }));
      expect(await log.offsetForTimestamp(t0 + 3000)).toEqual({ offset: 0, timestamp: t0 + 9000 });
      await log.close();
    });
  });

  it('gives every record of a LogAppendTime batch the batch maxTimestamp', async () => {
    await withTempDir(async (dir) => {
      const log = await openWith(dir);
      const batch = timedBatch(tenRecords);
      batch.writeInt16BE(batch.readInt16BE(Offsets.attributes) | ATTR_TIMESTAMP_TYPE_LOG_APPEND, Offsets.attributes);
      writeInt64(batch, Offsets.maxTimestamp, t0 + 50_000);
      writeBatchCrc(batch);
      await log.append(batch);
      expect(await log.offsetForTimestamp(t0 + 3000)).toEqual({ offset: 0, timestamp: t0 + 50_000 });
      expect(await log.offsetForTimestamp(t0 + 50_000)).toEqual({ offset: 0, timestamp: t0 + 50_000 });
      expect(await log.offsetForTimestamp(t0 + 50_001)).toBeNull();
      await log.close();
    });
  });

  it('never answers below the log start, even inside a batch', async () => {
    await withTempDir(async (dir) => {
      const log = await openWith(dir);
      await log.append(timedBatch(tenRecords));
      await log.deleteRecordsBefore(4);
      expect(await log.offsetForTimestamp(t0)).toEqual({ offset: 4, timestamp: t0 + 4000 });
      expect(await log.offsetForTimestamp(t0 + 6000)).toEqual({ offset: 6, timestamp: t0 + 6000 });
      await log.close();
    });
  });

  it('counts a transaction marker like any record, as Kafka does', async () => {
    await withTempDir(async (dir) => {
      const log = await openWith(dir, undefined, new FakeClock(t0 + 20_000));
      const batch = timedBatch(tenRecords);
      writeInt64(batch, Offsets.producerId, 7);
      batch.writeInt16BE(0, Offsets.producerEpoch);
      batch.writeInt32BE(0, Offsets.baseSequence);
      batch.writeInt16BE(batch.readInt16BE(Offsets.attributes) | ATTR_TRANSACTIONAL, Offsets.attributes);
      writeBatchCrc(batch);
      await log.append(batch);
      await log.appendMarker({ producerId: 7, producerEpoch: 0, commit: true, coordinatorEpoch: 0 });
      expect(await log.offsetForTimestamp(t0 + 8500)).toEqual({ offset: 9, timestamp: t0 + 9000 });
      // Past the last record: the marker (offset 10, stamped by the clock), where a consumer reads on from.
      expect(await log.offsetForTimestamp(t0 + 9500)).toEqual({ offset: 10, timestamp: t0 + 20_000 });
      await log.close();
    });
  });
});
