// Transactions in one partition: transactional batches hold the last stable offset back until their
// producer's marker; ABORT markers land in the aborted-transactions index (.txnindex), which survives a clean
// close, a crash (no close) and retention; markers fence older epochs; producers may not write control batches.
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  ATTR_TRANSACTIONAL,
  CONTROL_TYPE_ABORT,
  CONTROL_TYPE_COMMIT,
  buildControlBatch,
  FaultyFs,
  iterateBatches,
  Offsets,
  PartitionLog,
  readControlRecord,
  writeBatchCrc,
} from '../../storage/index.js';
import { codeOf, config, idem, makeBatch, readAll, withTempDir } from './helpers.js';

const open = (dir: string, segmentBytes = 1024 * 1024) =>
  PartitionLog.open({ dir, topic: 't', partition: 0, config: config({ flush: { kind: 'always' }, segmentBytes }) });

/** A transactional batch of producer `pid` at sequence `seq`. */
function txn(pid: number, seq: number, options: { records?: number; epoch?: number } = {}): Buffer {
  const buf = idem(pid, seq, options);
  buf.writeInt16BE(buf.readInt16BE(Offsets.attributes) | ATTR_TRANSACTIONAL, Offsets.attributes);
  writeBatchCrc(buf);
  return buf;
}

describe('transactions in a partition', () => {
  it('holds the last stable offset at the first open transaction until its marker, and indexes aborts', async () => {
    await withTempDir(async (dir) => {
      const log = await open(dir);
      await log.append(makeBatch()); // offset 0: plain
      await log.append(txn(1, 0, { records: 2 })); // 1..2
      await log.append(txn(2, 0)); // 3
      expect(log.firstUnstableOffset).toBe(1);
      const commit = await log.appendMarker({ producerId: 1, producerEpoch: 0, commit: true, coordinatorEpoch: 0 });
      expect(commit.baseOffset).toBe(4);
      expect(log.firstUnstableOffset).toBe(3);
      const abort = await log.appendMarker({ producerId: 2, producerEpoch: 0, commit: false, coordinatorEpoch: 0 });
      expect(abort.baseOffset).toBe(5);
      expect(log.firstUnstableOffset).toBe(-1);
      expect(log.abortedTransactions(0, 6)).toEqual([{ producerId: 2, firstOffset: 3, lastOffset: 5 }]);
      expect(log.abortedTransactions(0, 3)).toEqual([]);
      expect((await readdir(dir)).filter((n) => n.endsWith('.txnindex'))).toEqual(['00000000000000000000.txnindex']);
      // The markers are control batches in the log, COMMIT then ABORT.
      const bytes = Buffer.concat((await log.read(4, { maxBytes: 1 << 20 })).chunks);
      const types = [...iterateBatches(bytes)].map(({ position }) => readControlRecord(bytes, position)?.type);
      expect(types).toEqual([CONTROL_TYPE_COMMIT, CONTROL_TYPE_ABORT]);
      await log.close();
      const reopened = await open(dir);
      expect(reopened.abortedTransactions(0, 6)).toEqual([{ producerId: 2, firstOffset: 3, lastOffset: 5 }]);
      expect(reopened.firstUnstableOffset).toBe(-1);
      await reopened.close();
    });
  });

  it('recovers open transactions and aborted ones after a crash, across segment rolls', async () => {
    await withTempDir(async (dir) => {
      const log = await open(dir, 300);
      await log.append(txn(7, 0)); // 0
      for (let i = 0; i < 6; i++) await log.append(makeBatch({ tag: i })); // 1..6, rolls
      await log.appendMarker({ producerId: 7, producerEpoch: 0, commit: false, coordinatorEpoch: 3 }); // 7
      await log.append(txn(7, 1)); // 8: the next transaction, left open
      for (let i = 0; i < 4; i++) await log.append(makeBatch({ tag: i })); // 9..12
      expect(log.segmentCount).toBeGreaterThan(2);
      // Crash: never closed.
      const reopened = await open(dir, 300);
      expect(reopened.firstUnstableOffset).toBe(8);
      expect(reopened.abortedTransactions(0, 20)).toEqual([{ producerId: 7, firstOffset: 0, lastOffset: 7 }]);
      await reopened.appendMarker({ producerId: 7, producerEpoch: 0, commit: true, coordinatorEpoch: 3 });
      expect(reopened.firstUnstableOffset).toBe(-1);
      await reopened.close();
      await log.close().catch(() => {});
    });
  });

  it('fences a producer epoch older than a marker, and refuses control batches from producers', async () => {
    await withTempDir(async (dir) => {
      const log = await open(dir);
      await log.append(txn(3, 0, { epoch: 0 }));
      await log.appendMarker({ producerId: 3, producerEpoch: 1, commit: false, coordinatorEpoch: 0 });
      expect(await codeOf(log.append(txn(3, 1, { epoch: 0 })))).toBe('INVALID_PRODUCER_EPOCH');
      expect(await codeOf(log.append(txn(3, 0, { epoch: 1 })))).toBe('NONE');
      expect(
        await codeOf(log.appendMarker({ producerId: 3, producerEpoch: 0, commit: true, coordinatorEpoch: 0 })),
      ).toBe('INVALID_PRODUCER_EPOCH');
      const control = buildControlBatch({
        producerId: 3,
        producerEpoch: 1,
        commit: true,
        coordinatorEpoch: 0,
        timestamp: 1,
      });
      expect(await codeOf(log.append(control))).toBe('INVALID_RECORD');
      expect((await readAll(log)).length).toBe(3);
      await log.close();
    });
  });

  it('drops an ABORT marker discarded by a failed fsync from the aborted-transactions index', async () => {
    await withTempDir(async (dir) => {
      const fs = new FaultyFs();
      const openFaulty = () =>
        PartitionLog.open({ dir, topic: 't', partition: 0, config: config({ flush: { kind: 'always' } }), fs });
      const log = await openFaulty();
      await log.append(txn(2, 0)); // 0, acknowledged
      fs.failFsyncs({ code: 'EIO', times: 1, path: (p) => p.endsWith('.log') });
      const abort = { producerId: 2, producerEpoch: 0, commit: false, coordinatorEpoch: 0 };
      await expect(log.appendMarker(abort)).rejects.toMatchObject({ code: 'STORAGE_IO' });
      // The marker at 1 was discarded: the transaction is open again and nothing in the log is aborted.
      expect(log.logEndOffset).toBe(1);
      expect(log.firstUnstableOffset).toBe(0);
      expect(log.abortedTransactions(0, 10)).toEqual([]);
      // A plain record takes offset 1 now; the coordinator's retry lands after it.
      await log.append(makeBatch());
      expect((await log.appendMarker(abort)).baseOffset).toBe(2);
      expect(log.abortedTransactions(0, 10)).toEqual([{ producerId: 2, firstOffset: 0, lastOffset: 2 }]);
      await log.close();
      const reopened = await openFaulty();
      expect(reopened.abortedTransactions(0, 10)).toEqual([{ producerId: 2, firstOffset: 0, lastOffset: 2 }]);
      await reopened.close();
    });
  });
});
