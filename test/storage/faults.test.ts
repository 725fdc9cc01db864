import { describe, expect, it } from 'vitest';
import { cp, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FaultyFs, PartitionLog, StorageIOError } from '../../storage/index.js';
import type { FlushPolicy } from '../../storage/index.js';
import { FakeClock, config, makeBatch, readAll, withTempDir } from './helpers.js';

const isLog = (p: string) => p.endsWith('.log');

function openWith(dir: string, fs: FaultyFs, flush: FlushPolicy = { kind: 'os' }, clock = new FakeClock()) {
  return PartitionLog.open({
    dir,
    topic: 't',
    partition: 0,
    config: config({ flush, segmentBytes: 64 * 1024 }),
    fs,
    clock,
  });
}

async function logSize(dir: string): Promise<number> {
  return (await stat(join(dir, '00000000000000000000.log'))).size;
}

describe('write failures', () => {
  it('fails the append with a retriable error on ENOSPC, cuts the torn write back, and later appends continue densely', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'p');
      const fs = new FaultyFs();
      const log = await openWith(dir, fs);
      await log.append(makeBatch({ records: 2 }));
      const before = await logSize(dir);
      fs.failWrites({ code: 'ENOSPC', times: 1, path: isLog, partialBytes: 40 });
      const err = await log.append(makeBatch({ records: 3 })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageIOError);
      expect(err).toMatchObject({ code: 'STORAGE_IO', retriable: true, errno: 'ENOSPC' });
      expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
      expect(log.logEndOffset).toBe(2);
      expect(await logSize(dir)).toBe(before);
      expect((await log.append(makeBatch({ records: 1 }))).baseOffset).toBe(2);
      await log.close();
      const reopened = await openWith(dir, new FaultyFs());
      expect((await readAll(reopened)).map((b) => [b.baseOffset, b.lastOffset])).toEqual([
        [0, 1],
        [2, 2],
      ]);
      await reopened.close();
    });
  });

  it('goes offline when the torn write cannot be cut back, and a reopen recovers a consistent log', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'p');
      const fs = new FaultyFs();
      const log = await openWith(dir, fs);
      await log.append(makeBatch());
      fs.failWrites({ code: 'EIO', times: 1, path: isLog, partialBytes: 50 });
      fs.fail('truncate', { code: 'EIO', times: 1 });
      await expect(log.append(makeBatch())).rejects.toMatchObject({ code: 'STORAGE_IO', retriable: false });
      await expect(log.append(makeBatch())).rejects.toThrow(/offline/);
      const image = join(root, 'image');
      await cp(dir, image, { recursive: true }); // what a crash now would leave: 50 stray bytes
      expect(await logSize(image)).toBe(93 + 50);
      await log.close().catch(() => {});
      const reopened = await openWith(image, new FaultyFs());
      expect(reopened.logEndOffset).toBe(1);
      expect(await logSize(image)).toBe(93);
      expect((await reopened.append(makeBatch())).baseOffset).toBe(1);
      await reopened.close();
    });
  });
});

describe('fsync failures (flush: always)', () => {
  it('fails every append waiting on the failed fsync, moves the log end back, and keeps acknowledged data', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'p');
      const fs = new FaultyFs();
      const log = await openWith(dir, fs, { kind: 'always' });
      const acked = await Promise.all([log.append(makeBatch({ tag: 1 })), log.append(makeBatch({ tag: 2 }))]);
      expect(log.flushedOffset).toBe(2);
      fs.failFsyncs({ code: 'EIO', times: 1, path: isLog });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) => log.append(makeBatch({ tag: 10 + i }))),
      );
      const rejected = outcomes.filter((o) => o.status === 'rejected');
      expect(rejected.length).toBeGreaterThan(0);
      for (const r of rejected) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'STORAGE_IO' });
      const fulfilled = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      // Nothing reported stored that is not: the log end is exactly the acknowledged data.
      const ackedEnd = Math.max(2, ...fulfilled.map((r) => r.lastOffset + 1));
      expect(log.logEndOffset).toBe(ackedEnd);
      expect(log.flushedOffset).toBe(ackedEnd);
      const next = await log.append(makeBatch({ tag: 99 }));
      expect(next.baseOffset).toBe(ackedEnd);
      const image = join(root, 'image');
      await cp(dir, image, { recursive: true });
      await log.close();
      for (const d of [dir, image]) {
        const reopened = await openWith(d, new FaultyFs());
        const batches = await readAll(reopened);
        expect(batches.map((b) => b.baseOffset)).toEqual(Array.from({ length: ackedEnd + 1 }, (_, i) => i));
        expect(batches[0]!.payload[0]).toBe(31);
        expect(batches.at(-1)!.payload[0]).toBe((99 * 31) & 0xff);
        await reopened.close();
      }
      expect(acked.map((a) => a.baseOffset)).toEqual([0, 1]);
    });
  });

  it('shares fsyncs between concurrent appends (group commit)', async () => {
    await withTempDir(async (root) => {
      const fs = new FaultyFs();
      fs.syncDelayMs = 5;
      const log = await openWith(join(root, 'p'), fs, { kind: 'always' });
      await log.append(makeBatch());
      const before = fs.counts.sync;
      const results = await Promise.all(Array.from({ length: 64 }, (_, i) => log.append(makeBatch({ tag: i }))));
      const fsyncs = fs.counts.sync - before;
      expect(results.map((r) => r.baseOffset)).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
      expect(fsyncs).toBeGreaterThan(0);
      expect(fsyncs).toBeLessThan(16);
      expect(log.flushedOffset).toBe(65);
      await log.close();
    });
  });

  it('acknowledges flush: os appends before any fsync and flush() makes them durable', async () => {
    await withTempDir(async (root) => {
      const fs = new FaultyFs();
      const log = await openWith(join(root, 'p'), fs, { kind: 'os' });
      const syncs = fs.counts.sync;
      await log.append(makeBatch());
      await log.append(makeBatch());
      expect(fs.counts.sync).toBe(syncs);
      expect([log.flushedOffset, log.logEndOffset]).toEqual([0, 2]);
      await log.flush();
      expect(log.flushedOffset).toBe(2);
      await log.close();
    });
  });

  it('flushes interval partitions when maintenance finds the interval elapsed (fake clock)', async () => {
    await withTempDir(async (root) => {
      const clock = new FakeClock();
      const log = await openWith(join(root, 'p'), new FaultyFs(), { kind: 'interval', ms: 60_000 }, clock);
      await log.append(makeBatch());
      await log.runMaintenance();
      expect(log.flushedOffset).toBe(0);
      clock.advance(60_000);
      await log.runMaintenance();
      expect(log.flushedOffset).toBe(1);
      await log.close();
    });
  });

  it('fails the append whose roll cannot fsync the sealed segment, then recovers', async () => {
    await withTempDir(async (root) => {
      const fs = new FaultyFs();
      const dir = join(root, 'p');
      const log = await PartitionLog.open({ dir, topic: 't', partition: 0, config: config({ segmentBytes: 300 }), fs });
      await log.append(makeBatch({ payloadBytes: 100 }));
      await log.append(makeBatch({ payloadBytes: 100 }));
      fs.failFsyncs({ times: 1, path: isLog });
      await expect(log.append(makeBatch({ payloadBytes: 100 }))).rejects.toMatchObject({ code: 'STORAGE_IO' });
      // The first roll fsynced segment 0; batch 1 (flush: os, never fsynced) is dropped by the rollback.
      expect(log.logEndOffset).toBe(1);
      expect(log.segmentCount).toBe(2);
      expect((await log.append(makeBatch({ payloadBytes: 100 }))).baseOffset).toBe(1);
      await log.close();
      const reopened = await PartitionLog.open({
        dir,
        topic: 't',
        partition: 0,
        config: config({ segmentBytes: 300 }),
      });
      expect(reopened.logEndOffset).toBe(2);
      expect((await readAll(reopened)).map((b) => b.baseOffset)).toEqual([0, 1]);
      await reopened.close();
    });
  });
});
