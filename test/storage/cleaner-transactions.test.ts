// The cleaner and transactions (Kafka's rules): aborted data is removed at the first cleaning, committed data
// is compacted like any other, and a COMMIT/ABORT marker stays until no data of its transaction is left
// before it and delete.retention.ms has passed; an ABORT marker's .txnindex entry goes with it. Offsets are
// kept, and nothing at or after the first open transaction is cleaned.
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  ATTR_TRANSACTIONAL,
  CONTROL_TYPE_ABORT,
  CONTROL_TYPE_COMMIT,
  iterateBatches,
  isControlBatch,
  LogCleaner,
  Offsets,
  PartitionLog,
  nodeFs,
  noopLogger,
  readControlRecord,
  readInt64,
  writeBatchCrc,
  writeInt64,
} from '../../storage/index.js';
import { FakeClock, config, withTempDir } from './helpers.js';
import { type KV, keyedBatch, readRecords, testCodecs } from './compaction-helpers.js';

const DAY = 24 * 60 * 60 * 1000;

const openLog = (dir: string, clock: FakeClock) =>
  PartitionLog.open({
    dir,
    topic: 't',
    partition: 0,
    config: config({ cleanupPolicy: 'compact', segmentBytes: 600, deleteRetentionMs: DAY }),
    fs: nodeFs,
    clock,
  });

const cleanerFor = (log: PartitionLog, clock: FakeClock) =>
  new LogCleaner({ fs: nodeFs, clock, logger: noopLogger, codecs: testCodecs }, () => [log]);

/** A transactional batch of producer `pid` (epoch 0) starting at sequence `seq`. */
async function txnBatch(pid: number, seq: number, records: KV[]): Promise<Buffer> {
  const batch = await keyedBatch(records);
  writeInt64(batch, Offsets.producerId, pid);
  batch.writeInt16BE(0, Offsets.producerEpoch);
  batch.writeInt32BE(seq, Offsets.baseSequence);
  batch.writeInt16BE(batch.readInt16BE(Offsets.attributes) | ATTR_TRANSACTIONAL, Offsets.attributes);
  writeBatchCrc(batch);
  return batch;
}

const marker = (log: PartitionLog, producerId: number, commit: boolean) =>
  log.appendMarker({ producerId, producerEpoch: 0, commit, coordinatorEpoch: 0 });

/** Every marker in the log: [offset, producer id, COMMIT or ABORT]. */
async function markers(log: PartitionLog): Promise<Array<[number, number, string]>> {
  const out: Array<[number, number, string]> = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, { maxBytes: 1 << 20 });
    if (r.bytes === 0) break;
    const bytes = Buffer.concat(r.chunks);
    for (const { position, header } of iterateBatches(bytes)) {
      if (isControlBatch(bytes, position)) {
        const type = readControlRecord(bytes, position)?.type;
        const name = type === CONTROL_TYPE_COMMIT ? 'COMMIT' : type === CONTROL_TYPE_ABORT ? 'ABORT' : '?';
        out.push([header.baseOffset, readInt64(bytes, position + Offsets.producerId), name]);
      }
      offset = header.baseOffset + header.lastOffsetDelta + 1;
    }
  }
  return out;
}

/** Fills sealed segments with a key of no interest (the active segment takes the last ones). */
async function roll(log: PartitionLog, n = 15): Promise<void> {
  for (let i = 0; i < n; i++) await log.append(await keyedBatch([{ key: 'filler', value: `f${i}` }]));
}

/** The records of keys a and b (readRecords also returns the markers' control records and the fillers). */
const isData = (r: { key: string | null }) => r.key === 'a' || r.key === 'b';

const txnIndexFiles = async (dir: string) => (await readdir(dir)).filter((n) => n.endsWith('.txnindex'));

describe('cleaning transactional data', () => {
  it('removes aborted data at once and markers once their data is gone and delete.retention.ms passed', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const log = await openLog(dir, clock);
      await log.append(await txnBatch(1, 0, [{ key: 'a', value: 'a1' }])); // 0
      await marker(log, 1, true); // 1
      await log.append(
        await txnBatch(2, 0, [
          { key: 'a', value: 'a aborted' },
          { key: 'b', value: 'b aborted' },
        ]),
      ); // 2, 3
      await marker(log, 2, false); // 4
      await log.append(await txnBatch(1, 1, [{ key: 'a', value: 'a2' }])); // 5
      await marker(log, 1, true); // 6
      await log.append(await txnBatch(2, 2, [{ key: 'b', value: 'b2' }])); // 7
      await marker(log, 2, true); // 8
      await roll(log);
      expect(log.abortedTransactions(0, log.logEndOffset)).toEqual([{ producerId: 2, firstOffset: 2, lastOffset: 4 }]);
      const allMarkers = [
        [1, 1, 'COMMIT'],
        [4, 2, 'ABORT'],
        [6, 1, 'COMMIT'],
        [8, 2, 'COMMIT'],
      ];
      expect(await markers(log)).toEqual(allMarkers);

      const cleaner = cleanerFor(log, clock);
      await cleaner.clean(log);
      // Aborted records are gone, a1 lost to the committed a2; every marker stays (their data was just seen).
      const values = (await readRecords(log)).filter(isData);
      expect(values.map((r) => [r.offset, r.value])).toEqual([
        [5, 'a2'],
        [7, 'b2'],
      ]);
      expect((await markers(log)).map(([offset]) => offset)).toEqual([1, 4, 6, 8]);
      expect(log.abortedTransactions(0, log.logEndOffset)).toEqual([{ producerId: 2, firstOffset: 2, lastOffset: 4 }]);

      // No data of transactions 1 and 2 is left, but delete.retention.ms has not passed: markers stay.
      clock.advance(DAY - 1);
      await cleaner.clean(log);
      expect((await markers(log)).map(([offset]) => offset)).toEqual([1, 4, 6, 8]);

      clock.advance(2);
      await cleaner.clean(log);
      expect(await markers(log)).toEqual([
        [6, 1, 'COMMIT'],
        [8, 2, 'COMMIT'],
      ]);
      expect(log.abortedTransactions(0, log.logEndOffset)).toEqual([]);
      expect(await txnIndexFiles(dir)).toEqual([]);
      const after = await readRecords(log);
      expect(after.filter(isData).map((r) => [r.offset, r.value])).toEqual([
        [5, 'a2'],
        [7, 'b2'],
      ]);

      // Reopened (producer state and index rebuilt from the cleaned files): the same log, no open transaction,
      // and producer 2 goes on at its next sequence.
      await log.close();
      const reopened = await openLog(dir, clock);
      expect(await readRecords(reopened)).toEqual(after);
      expect(await markers(reopened)).toEqual([
        [6, 1, 'COMMIT'],
        [8, 2, 'COMMIT'],
      ]);
      expect(reopened.firstUnstableOffset).toBe(-1);
      expect(reopened.abortedTransactions(0, reopened.logEndOffset)).toEqual([]);
      const next = await reopened.append(await txnBatch(2, 3, [{ key: 'b', value: 'b3' }]));
      expect(next.baseOffset).toBe(reopened.logEndOffset - 1);
      await reopened.close();
    });
  });

  it('cleans nothing at or after the first open transaction', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const log = await openLog(dir, clock);
      for (let i = 0; i < 20; i++) await log.append(await keyedBatch([{ key: 'k', value: `before ${i}` }])); // 0..19
      await log.append(await txnBatch(3, 0, [{ key: 'k', value: 'open' }])); // 20: never ended
      for (let i = 0; i < 12; i++) await log.append(await keyedBatch([{ key: 'k', value: `after ${i}` }])); // 21..
      expect(log.firstUnstableOffset).toBe(20);
      await cleanerFor(log, clock).clean(log);
      const offsets = (await readRecords(log)).map((r) => r.offset);
      // Before the open transaction: superseded records removed. From it on: everything still there.
      expect(offsets.filter((o) => o < 20).length).toBeLessThan(20);
      expect(offsets.filter((o) => o >= 20)).toEqual(Array.from({ length: 13 }, (_, i) => 20 + i));
      await log.close();
    });
  });
});
