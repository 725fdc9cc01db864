// The log cleaner: the last record of every key stays with its offset, timestamp and headers; tombstones
// stay for delete.retention.ms after a cleaning saw them; idempotent producers' last batches survive; a
// full offset map cleans the prefix that fits; the swap survives a crash at each of its steps.
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CompressionCodec,
  FaultyFs,
  LogCleaner,
  PartitionLog,
  nodeFs,
  noopLogger,
  segmentFileName,
  writeInt64,
  Offsets,
  writeBatchCrc,
  type StorageFs,
} from '../../storage/index.js';
import { FakeClock, config, withTempDir } from './helpers.js';
import { keyedBatch, readRecords, testCodecs } from './compaction-helpers.js';

const DAY = 24 * 60 * 60 * 1000;

async function openLog(dir: string, clock: FakeClock, fs: StorageFs = nodeFs) {
  return PartitionLog.open({
    dir,
    topic: 't',
    partition: 0,
    config: config({ cleanupPolicy: 'compact', segmentBytes: 600, minCleanableDirtyRatio: 0.5 }),
    fs,
    clock,
  });
}

function cleanerFor(log: PartitionLog, clock: FakeClock, options: { dedupeBufferBytes?: number; fs?: StorageFs } = {}) {
  return new LogCleaner(
    {
      fs: options.fs ?? nodeFs,
      clock,
      logger: noopLogger,
      codecs: testCodecs,
      dedupeBufferBytes: options.dedupeBufferBytes,
    },
    () => [log],
  );
}

/** Appends `rounds` values of keys k0..k(keys-1), one batch of `keys` records per round. */
async function fill(log: PartitionLog, rounds: number, keys: number) {
  for (let round = 0; round < rounds; round++) {
    const records = Array.from({ length: keys }, (_, k) => ({
      key: `k${k}`,
      value: `v${round}-${k}`,
      headers: [['round', Buffer.from(String(round))]] as Array<[string, Buffer]>,
      timestamp: 1_700_000_000_000 + round,
    }));
    await log.append(await keyedBatch(records));
  }
}

/** key → latest record by offset (what the log holds before cleaning, computed from a full read). */
function latest(records: Awaited<ReturnType<typeof readRecords>>) {
  const map = new Map<string, (typeof records)[number]>();
  for (const r of records) if (r.key !== null) map.set(r.key, r);
  return map;
}

describe('log cleaner', () => {
  it('keeps the last record of every key with its offset, timestamp and headers, and drops the rest', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const log = await openLog(dir, clock);
      await fill(log, 30, 5);
      const before = await readRecords(log);
      const expected = latest(before);
      const segments = log.segmentCount;
      const cleaner = cleanerFor(log, clock);
      const result = await cleaner.clean(log);
      expect(result).not.toBeNull();
      expect(result!.recordsRemoved).toBeGreaterThan(0);
      // Full segments cannot be grouped; once cleaned, the next run merges them into one.
      await cleaner.clean(log);
      expect(log.segmentCount).toBeLessThan(segments);
      const after = await readRecords(log);
      // Every key's last record is there, unchanged; everything else kept is from the active segment.
      for (const [key, rec] of expected) expect(after.filter((r) => r.key === key).at(-1)).toEqual(rec);
      const activeBase = log.segments.at(-1)!.baseOffset;
      const sealedLatest = latest(before.filter((r) => r.offset < activeBase));
      for (const r of after.filter((r) => r.offset < activeBase))
        expect(sealedLatest.get(r.key!)?.offset).toBe(r.offset);
      // Offsets only ever go up, with gaps; the log end is unchanged.
      expect(after.map((r) => r.offset)).toEqual([...after.map((r) => r.offset)].sort((a, b) => a - b));
      expect(log.logEndOffset).toBe(150);
      // The cleaned log reopens (after a crash-like reopen without close, too) with the same records.
      await log.close();
      const reopened = await openLog(dir, clock);
      expect(await readRecords(reopened)).toEqual(after);
      await reopened.close();
    });
  });

  it('reads across a compacted gap: a fetch inside removed offsets returns the next kept batch', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const log = await openLog(dir, clock);
      await log.append(await keyedBatch([{ key: 'once', value: 'kept at 0' }]));
      await fill(log, 30, 5);
      await cleanerFor(log, clock).clean(log);
      const kept = (await readRecords(log)).map((r) => r.offset);
      expect(kept[0]).toBe(0);
      expect(kept[1]).toBeGreaterThan(1);
      const inGap = 1;
      const r = await log.read(inGap, { maxBytes: 1 << 20 });
      expect(r.bytes).toBeGreaterThan(0);
      expect(r.nextOffset).toBeGreaterThan(inGap);
      await log.close();
    });
  });

  it('keeps a tombstone for delete.retention.ms after the cleaning that saw it, then drops it', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const log = await openLog(dir, clock);
      await fill(log, 10, 3);
      await log.append(await keyedBatch([{ key: 'k1', value: null }]));
      // Seal the tombstone's segment with more records of another key.
      for (let i = 0; i < 10; i++) await log.append(await keyedBatch([{ key: 'other', value: `o${i}` }]));
      const cleaner = cleanerFor(log, clock);
      await cleaner.clean(log);
      let records = await readRecords(log);
      expect(records.filter((r) => r.key === 'k1')).toEqual([expect.objectContaining({ value: null })]);
      clock.advance(DAY - 1);
      await cleaner.clean(log);
      records = await readRecords(log);
      expect(records.filter((r) => r.key === 'k1')).toHaveLength(1);
      clock.advance(2);
      await cleaner.clean(log);
      records = await readRecords(log);
      expect(records.filter((r) => r.key === 'k1')).toEqual([]);
      expect(records.filter((r) => r.key === 'k0')).toHaveLength(1);
      await log.close();
    });
  });

  it("keeps an idempotent producer's last batch (emptied) so its next sequence is still accepted", async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const log = await openLog(dir, clock);
      const stamp = (batch: Buffer, seq: number) => {
        writeInt64(batch, Offsets.producerId, 7);
        batch.writeInt16BE(0, Offsets.producerEpoch);
        batch.writeInt32BE(seq, Offsets.baseSequence);
        writeBatchCrc(batch);
        return batch;
      };
      for (let seq = 0; seq < 10; seq++)
        await log.append(stamp(await keyedBatch([{ key: 'same', value: `v${seq}` }]), seq));
      // Another writer supersedes the producer's last record.
      for (let i = 0; i < 20; i++) await log.append(await keyedBatch([{ key: 'same', value: `w${i}` }]));
      await cleanerFor(log, clock).clean(log);
      await log.close();
      const reopened = await openLog(dir, clock);
      // The producer's next batch (sequence 10) is in order, not UNKNOWN_PRODUCER_ID or out of sequence.
      const next = await reopened.append(stamp(await keyedBatch([{ key: 'same', value: 'v10' }]), 10));
      expect(next.baseOffset).toBe(30);
      await reopened.close();
    });
  });

  it('cleans compressed batches, keeping their codec', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const log = await openLog(dir, clock);
      for (let round = 0; round < 20; round++) {
        const records = ['a', 'b', 'c'].map((key) => ({ key, value: `${key}${round}` }));
        await log.append(await keyedBatch(records, { compression: CompressionCodec.Gzip }));
      }
      const expected = latest(await readRecords(log));
      await cleanerFor(log, clock).clean(log);
      const after = await readRecords(log);
      for (const [key, rec] of expected) expect(after.filter((r) => r.key === key).at(-1)).toEqual(rec);
      expect(after.length).toBeLessThan(60);
      await log.close();
    });
  });

  it('with an offset map too small for every dirty key, cleans the prefix that fits and the rest later', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const log = await openLog(dir, clock);
      // 40 distinct keys per segment (roughly), a map of 16 slots: each run takes about one segment.
      for (let i = 0; i < 200; i++) await log.append(await keyedBatch([{ key: `key-${i % 60}`, value: `v${i}` }]));
      const expected = latest(await readRecords(log));
      const cleaner = cleanerFor(log, clock, { dedupeBufferBytes: 24 * 48 });
      const first = await cleaner.clean(log);
      expect(first).not.toBeNull();
      expect(first!.cleanedUpTo).toBeLessThan(log.segments.at(-1)!.baseOffset);
      for (let run = 0; run < 50; run++) {
        const r = await cleaner.clean(log);
        if (!r || r.cleanedUpTo >= log.segments.at(-1)!.baseOffset) break;
      }
      const after = await readRecords(log);
      for (const [key, rec] of expected) expect(after.filter((r) => r.key === key).at(-1)).toEqual(rec);
      await log.close();
    });
  });

  it('a crash after the swap is committed: the next open finishes it, nothing lost', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const faulty = new FaultyFs(nodeFs);
      const log = await openLog(dir, clock, faulty);
      await fill(log, 30, 5);
      const expected = latest(await readRecords(log));
      // The rename of the cleaned file fails: the swap record is on disk, the old segments too.
      faulty.fail('rename', { times: 1, path: (p) => p.endsWith(segmentFileName(0, '.log')) });
      await cleanerFor(log, clock, { fs: faulty }).clean(log);
      const names = await readdir(dir);
      expect(names.some((n) => n.endsWith('.swap'))).toBe(true);
      expect(names.some((n) => n.endsWith('.cleaned'))).toBe(true);
      await log.close().catch(() => {});
      const reopened = await openLog(dir, clock);
      const after = await readRecords(reopened);
      for (const [key, rec] of expected) expect(after.filter((r) => r.key === key).at(-1)).toEqual(rec);
      const left = await readdir(dir);
      expect(left.filter((n) => n.endsWith('.swap') || n.endsWith('.cleaned'))).toEqual([]);
      await reopened.close();
    });
  });

  it('a crash before the commit: the cleaned file is discarded and the old segments stand', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const log = await openLog(dir, clock);
      await fill(log, 30, 5);
      const before = await readRecords(log);
      await log.close();
      await writeFile(join(dir, `${segmentFileName(0, '.log')}.cleaned`), Buffer.from('half-written'));
      const reopened = await openLog(dir, clock);
      expect(await readRecords(reopened)).toEqual(before);
      expect((await readdir(dir)).filter((n) => n.endsWith('.cleaned'))).toEqual([]);
      await reopened.close();
    });
  });
});
