// The idempotent-producer state machine of a partition: next sequence appended, retries of recent batches
// answered with their original offsets and not stored twice, gaps and stale epochs refused, state rolled
// back with the log after write/fsync failures, and rebuilt after a restart (clean or not).
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_FILE, FaultyFs, PartitionLog } from '../../storage/index.js';
import { lastSequenceOf, ProducerStateTable } from '../../storage/producer-state.js';
import { codeOf, config, idem, makeBatch, readAll, withTempDir } from './helpers.js';

const open = (dir: string, extra: Partial<Parameters<typeof PartitionLog.open>[0]> = {}) =>
  PartitionLog.open({ dir, topic: 't', partition: 0, config: config({ flush: { kind: 'always' } }), ...extra });

describe('idempotent producer state', () => {
  it('appends the next sequence, answers a retry with the original offsets and stores it once', async () => {
    await withTempDir(async (dir) => {
      const log = await open(dir);
      expect((await log.append(idem(7, 0, { records: 3 }))).baseOffset).toBe(0);
      await log.append(makeBatch({ tag: 99 })); // a non-idempotent producer in between: offset 3
      expect((await log.append(idem(7, 3, { records: 2 }))).baseOffset).toBe(4);
      // Retries of both batches: not stored again, original offsets.
      expect(await log.append(idem(7, 0, { records: 3 }))).toMatchObject({ baseOffset: 0, lastOffset: 2 });
      expect(await log.append(idem(7, 3, { records: 2 }))).toMatchObject({ baseOffset: 4, lastOffset: 5 });
      expect(log.logEndOffset).toBe(6);
      expect((await log.append(idem(7, 5))).baseOffset).toBe(6);
      await log.close();
    });
  });

  it('refuses a gap, a stale epoch, a new epoch not starting at 0 and an unknown producer not starting at 0', async () => {
    await withTempDir(async (dir) => {
      const log = await open(dir);
      await log.append(idem(1, 0, { epoch: 2 }));
      expect(await codeOf(log.append(idem(1, 2, { epoch: 2 })))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
      expect(await codeOf(log.append(idem(1, 1, { epoch: 1 })))).toBe('INVALID_PRODUCER_EPOCH');
      expect(await codeOf(log.append(idem(1, 5, { epoch: 3 })))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
      expect(await codeOf(log.append(idem(2, 4)))).toBe('UNKNOWN_PRODUCER_ID');
      expect(log.logEndOffset).toBe(1);
      expect(await codeOf(log.append(idem(1, 0, { epoch: 3 })))).toBe('NONE'); // epoch bump restarts at 0
      expect(await codeOf(log.append(idem(1, 1, { epoch: 2 })))).toBe('INVALID_PRODUCER_EPOCH');
      await log.close();
    });
  });

  it('remembers the last 5 batches: an older retry is a DUPLICATE_SEQUENCE_NUMBER, never stored again', async () => {
    await withTempDir(async (dir) => {
      const log = await open(dir);
      for (let seq = 0; seq < 7; seq++) await log.append(idem(3, seq));
      expect((await log.append(idem(3, 2))).baseOffset).toBe(2); // within the window
      expect(await codeOf(log.append(idem(3, 0)))).toBe('DUPLICATE_SEQUENCE_NUMBER');
      expect(log.logEndOffset).toBe(7);
      await log.close();
    });
  });

  it('wraps the sequence from 2^31-1 to 0', () => {
    const table = new ProducerStateTable();
    const top = 0x7fff_ffff;
    table.record({ producerId: 4, epoch: 0, firstSeq: top - 1, lastSeq: lastSequenceOf(top - 1, 1) }, 10, 11, 0);
    expect(lastSequenceOf(top - 1, 1)).toBe(top);
    expect(table.check({ producerId: 4, epoch: 0, firstSeq: 0, lastSeq: 2 }, new Map(), 't-0').duplicateOf).toBeNull();
    expect(() => table.check({ producerId: 4, epoch: 0, firstSeq: 1, lastSeq: 1 }, new Map(), 't-0')).toThrow(
      /expected 0/,
    );
    expect(lastSequenceOf(top, 2)).toBe(1);
  });

  it('a request that repeats stored batches and carries new ones appends only the new ones', async () => {
    await withTempDir(async (dir) => {
      const log = await open(dir);
      await log.append(idem(5, 0, { records: 2 }));
      const result = await log.append(Buffer.concat([idem(5, 0, { records: 2 }), idem(5, 2, { records: 3 })]));
      expect(result.baseOffset).toBe(0);
      expect(log.logEndOffset).toBe(5);
      expect((await readAll(log)).map((b) => [b.baseOffset, b.lastOffset])).toEqual([
        [0, 1],
        [2, 4],
      ]);
      await log.close();
    });
  });

  it('rolls the state back with the log after a failed fsync: the retry is appended, not taken for a duplicate', async () => {
    await withTempDir(async (dir) => {
      const fs = new FaultyFs();
      const log = await open(dir, { fs });
      await log.append(idem(9, 0));
      fs.failFsyncs({ times: 1, path: (p) => p.endsWith('.log') });
      // Two pipelined batches: both written, the fsync covering them fails, both are discarded.
      const [a, b] = await Promise.all([codeOf(log.append(idem(9, 1))), codeOf(log.append(idem(9, 2)))]);
      expect([a, b]).toEqual(['STORAGE_IO', 'STORAGE_IO']);
      expect(log.logEndOffset).toBe(1);
      // The later one alone is a gap now; the retries in order are appended (not answered as duplicates).
      expect(await codeOf(log.append(idem(9, 2)))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
      expect((await log.append(idem(9, 1))).baseOffset).toBe(1);
      expect((await log.append(idem(9, 2))).baseOffset).toBe(2);
      expect((await readAll(log)).map((x) => x.payload.equals(idem(9, x.baseOffset).subarray(61)))).toEqual([
        true,
        true,
        true,
      ]);
      await log.close();
    });
  });

  it('a failed write records nothing: the same batch is accepted when retried', async () => {
    await withTempDir(async (dir) => {
      const fs = new FaultyFs();
      const log = await open(dir, { fs });
      await log.append(idem(9, 0));
      fs.failWrites({ times: 1, path: (p) => p.endsWith('.log'), partialBytes: 20 });
      expect(await codeOf(log.append(idem(9, 1)))).toBe('STORAGE_IO');
      expect((await log.append(idem(9, 1))).baseOffset).toBe(1);
      expect(log.logEndOffset).toBe(2);
      await log.close();
    });
  });

  it('a rollback that drops more than the remembered batches rebuilds the state from disk', async () => {
    await withTempDir(async (dir) => {
      const fs = new FaultyFs();
      const log = await open(dir, { fs, config: config({ flush: { kind: 'os' } }) });
      for (let seq = 0; seq < 3; seq++) await log.append(idem(6, seq));
      await log.flush();
      for (let seq = 3; seq < 10; seq++) await log.append(idem(6, seq)); // 7 unflushed batches
      fs.failFsyncs({ times: 1, path: (p) => p.endsWith('.log') });
      expect(await codeOf(log.flush())).toBe('STORAGE_IO');
      expect(log.logEndOffset).toBe(3);
      expect(await codeOf(log.append(idem(6, 9)))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
      expect((await log.append(idem(6, 2))).baseOffset).toBe(2); // still a known duplicate
      expect((await log.append(idem(6, 3))).baseOffset).toBe(3);
      await log.close();
    });
  });

  it('survives a clean restart (table in the clean checkpoint, nothing replayed) and an unclean one (headers replayed)', async () => {
    await withTempDir(async (dir) => {
      let log = await open(dir);
      await log.append(idem(11, 0, { records: 4 }));
      await log.close();
      expect((await readdir(dir)).filter((n) => n.endsWith('.snapshot'))).toEqual([]);
      const checkpoint = JSON.parse(await readFile(join(dir, CHECKPOINT_FILE), 'utf8'));
      expect(checkpoint).toMatchObject({
        cleanShutdown: true,
        recoveryPoint: 4,
        producers: [[11, [[0, 0, 3, 0, 3]], expect.any(Number)]],
      });
      log = await open(dir);
      expect((await log.append(idem(11, 0, { records: 4 }))).baseOffset).toBe(0);
      await log.append(idem(11, 4, { records: 2 }));
      // Simulated crash: the log is not closed, the checkpoint still says unclean.
      const reopened = await open(dir);
      expect((await reopened.append(idem(11, 4, { records: 2 }))).baseOffset).toBe(4);
      expect(await codeOf(reopened.append(idem(11, 7)))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
      expect((await reopened.append(idem(11, 6))).baseOffset).toBe(6);
      await reopened.close();
      await log.close().catch(() => {});
    });
  });

  it('keeps its state across segment rolls and retention deleting old segments', async () => {
    await withTempDir(async (dir) => {
      const cfg = config({ flush: { kind: 'always' }, segmentBytes: 400, retentionBytes: 500 });
      let log = await open(dir, { config: cfg });
      for (let seq = 0; seq < 20; seq++) await log.append(idem(12, seq, { records: 1 }));
      await log.enforceRetention();
      expect(log.logStartOffset).toBeGreaterThan(0);
      const snapshots = (await readdir(dir)).filter((n) => n.endsWith('.snapshot'));
      expect(snapshots.length).toBeLessThanOrEqual(2);
      // Unclean reopen: replays only from the newest snapshot.
      log = await open(dir, { config: cfg });
      expect((await log.append(idem(12, 19))).baseOffset).toBe(19);
      expect((await log.append(idem(12, 20))).baseOffset).toBe(20);
      await log.close();
      log = await open(dir, { config: cfg });
      expect((await log.append(idem(12, 20))).baseOffset).toBe(20);
      expect(await codeOf(log.append(idem(12, 22)))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
      await log.close();
    });
  });

  it('ignores a garbled snapshot and replays from the log start instead', async () => {
    await withTempDir(async (dir) => {
      const cfg = config({ flush: { kind: 'always' }, segmentBytes: 250 });
      const log = await open(dir, { config: cfg });
      for (let seq = 0; seq < 6; seq++) await log.append(idem(13, seq));
      const snapshots = (await readdir(dir)).filter((n) => n.endsWith('.snapshot'));
      expect(snapshots.length).toBeGreaterThan(0);
      for (const name of snapshots) await writeFile(join(dir, name), '{not json');
      // Unclean reopen (the first log is never closed): the garbled snapshots are skipped.
      const reopened = await open(dir, { config: cfg });
      expect((await reopened.append(idem(13, 5))).baseOffset).toBe(5);
      expect((await reopened.append(idem(13, 6))).baseOffset).toBe(6);
      await reopened.close();
      await log.close().catch(() => {});
    });
  });
});
