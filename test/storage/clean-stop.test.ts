// What a LogManager's close (a broker's clean stop) writes: each written partition's log fsynced, and one
// file, clean-shutdown.json (version 3), that stands for every listed partition's clean checkpoint, producer
// tables included (storage/clean-shutdown.ts). A data directory of the versions before (every partition's
// own clean partition.checkpoint, the clean-shutdown file version 2) still starts, its producers kept.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_FILE,
  CLEAN_SHUTDOWN_FILE,
  FaultyFs,
  LogManager,
  type Logger,
  PartitionLog,
  type StorageFs,
} from '../../storage/index.js';
import { codeOf, config, idem, readAll, timedBatch, withTempDir } from './helpers.js';

const cfg = config({ segmentBytes: 1 << 20, indexIntervalBytes: 4096 });
const PARTITIONS = 12;

/** A logger that keeps what partitions said when they opened. */
function openings() {
  const opened: Array<{ partition: string; recovered: boolean }> = [];
  const info = (obj: object, msg?: string) => {
    if (msg === 'partition opened') opened.push(obj as { partition: string; recovered: boolean });
  };
  const noop = () => {};
  const logger: Logger = { info, warn: noop, error: noop, debug: noop };
  return { logger, opened };
}

const openManager = (dataDir: string, options: { fs?: StorageFs; logger?: Logger } = {}) =>
  LogManager.open({ dataDir, configFor: () => cfg, maintenanceIntervalMs: 0, ...options });

/** Partitions t-0..t-11, each with three records of idempotent producer 100 + p (sequences 0..2). */
async function writePartitions(manager: LogManager): Promise<void> {
  const logs = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => manager.create('t', p, cfg)));
  await Promise.all(logs.map((log, p) => log.append(idem(100 + p, 0, { records: 3 }))));
}

/** The producer table of t-p works on: a retry of sequences 0..2 is a duplicate, 4 is out of order, 3 is next. */
async function expectProducerKept(manager: LogManager, p: number): Promise<void> {
  const log = manager.get('t', p)!;
  expect((await log.append(idem(100 + p, 0, { records: 3 }))).baseOffset).toBe(0);
  expect(await codeOf(log.append(idem(100 + p, 4)))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
  expect((await log.append(idem(100 + p, 3))).baseOffset).toBe(3);
}

describe('a clean stop of written partitions', () => {
  it('fsyncs each log once and writes one file for all their checkpoints, producer tables included', async () => {
    await withTempDir(async (dataDir) => {
      const fs = new FaultyFs();
      const manager = await openManager(dataDir, { fs });
      await writePartitions(manager);
      const before = { ...fs.counts };
      await manager.close();
      // One fdatasync per written log and one for the clean-shutdown file; one directory fsync (its rename).
      expect(fs.counts.sync - before.sync).toBe(PARTITIONS + 1);
      expect(fs.counts.syncDir - before.syncDir).toBe(1);
      expect(fs.counts.rename - before.rename).toBe(1);
      for (let p = 0; p < PARTITIONS; p++)
        expect(await readdir(join(dataDir, `t-${p}`))).toEqual(['00000000000000000000.log']);
      const file = JSON.parse(await readFile(join(dataDir, CLEAN_SHUTDOWN_FILE), 'utf8'));
      expect(file.version).toBe(3);
      const [topic] = file.topics;
      expect(topic.logEndOffset).toEqual(Array(PARTITIONS).fill(3));
      expect(topic.producers['7']).toEqual([[107, [[0, 0, 2, 0, 2]], expect.any(Number)]]);

      const { logger, opened } = openings();
      const reopened = await openManager(dataDir, { logger });
      expect(reopened.partitions().every((log) => log.isDormant)).toBe(true);
      for (const p of [0, 7, 11]) await expectProducerKept(reopened, p);
      expect((await readAll(reopened.get('t', 7)!)).map((b) => b.baseOffset)).toEqual([0, 3]);
      // Loaded from the file's entries: nothing scanned, nothing recovered.
      expect(opened.map((o) => [o.partition, o.recovered])).toEqual([
        ['t-0', false],
        ['t-7', false],
        ['t-11', false],
      ]);
      await reopened.close();
    });
  });

  it('a garbled producer table in the file costs that partition a recovery from its own files, nothing else', async () => {
    await withTempDir(async (dataDir) => {
      const first = await openManager(dataDir);
      await writePartitions(first);
      await first.close();
      const path = join(dataDir, CLEAN_SHUTDOWN_FILE);
      const file = JSON.parse(await readFile(path, 'utf8'));
      file.topics[0].producers['3'] = [['not', 'a', 'table']];
      await writeFile(path, JSON.stringify(file));
      const { logger, opened } = openings();
      const manager = await openManager(dataDir, { logger });
      expect(manager.partitions().every((log) => log.isDormant)).toBe(true);
      await expectProducerKept(manager, 3);
      await expectProducerKept(manager, 8);
      expect(opened.map((o) => [o.partition, o.recovered])).toEqual([
        ['t-3', true],
        ['t-8', false],
      ]);
      await manager.close();
    });
  });

  it('a crash after a clean start recovers only the partitions used since, producers included', async () => {
    await withTempDir(async (dataDir) => {
      const first = await openManager(dataDir);
      await writePartitions(first);
      await first.close();
      // A start keeps the clean-shutdown file as the clean base; a partition's first use lists it in the
      // change journal (durably) before it may change. A crash then leaves both.
      const started = await openManager(dataDir);
      await started.get('t', 2)!.append(idem(102, 3));
      await readAll(started.get('t', 9)!);
      expect((await readdir(dataDir)).filter((n) => !n.startsWith('t-')).sort()).toEqual([
        'changed-partitions',
        'clean-base.json',
      ]);
      const { logger, opened } = openings();
      const crashed = await openManager(dataDir, { logger });
      expect(opened.map((o) => [o.partition, o.recovered]).sort()).toEqual([
        ['t-2', true],
        ['t-9', true],
      ]);
      expect(crashed.partitions().filter((p) => p.isDormant)).toHaveLength(PARTITIONS - 2);
      expect(crashed.get('t', 2)!.logEndOffset).toBe(4);
      expect((await crashed.get('t', 2)!.append(idem(102, 3))).baseOffset).toBe(3);
      await expectProducerKept(crashed, 5);
      await expectProducerKept(crashed, 9);
      await crashed.close();
      await started.close().catch(() => {});
      // The clean stop after the crash restart lists every partition again and drops the base and its journal.
      const { logger: again, opened: openedAgain } = openings();
      const clean = await openManager(dataDir, { logger: again });
      expect(openedAgain).toEqual([]);
      expect(clean.partitions().every((p) => p.isDormant)).toBe(true);
      expect(await readdir(dataDir)).not.toContain('changed-partitions');
      await clean.close();
    });
  });

  it('after a crash restart, a clean stop rewrites nothing of the recovered short partitions', async () => {
    await withTempDir(async (dataDir) => {
      const first = await openManager(dataDir);
      await writePartitions(first); // never closed: the next open is a crash recovery
      const fs = new FaultyFs();
      const { logger, opened } = openings();
      const recovered = await openManager(dataDir, { fs, logger });
      expect(opened.filter((o) => o.recovered)).toHaveLength(PARTITIONS);
      const before = { ...fs.counts };
      await recovered.close();
      // Recovery fsynced the logs; their index files (none on disk, under 64 KiB of log each) are left to the next load.
      expect(fs.counts.sync - before.sync).toBe(1);
      expect(fs.counts.rename - before.rename).toBe(1);
      expect(await readdir(join(dataDir, 't-5'))).not.toContain('00000000000000000000.index');
      const again = await openManager(dataDir);
      await expectProducerKept(again, 5);
      await again.close();
      await first.close().catch(() => {});
    });
  });

  it('writes the active segment’s index files only when more than 64 KiB lie after their last entry', async () => {
    await withTempDir(async (dataDir) => {
      const manager = await openManager(dataDir);
      const [big, small] = await Promise.all([manager.create('t', 0, cfg), manager.create('t', 1, cfg)]);
      const t0 = 1_700_000_000_000;
      for (let i = 0; i < 100; i++) await big.append(timedBatch([t0 + i * 1000], 1000));
      for (let i = 0; i < 10; i++) await small.append(timedBatch([t0 + i * 1000], 1000));
      await manager.close();
      expect((await readdir(join(dataDir, 't-0'))).sort()).toEqual([
        '00000000000000000000.index',
        '00000000000000000000.log',
        '00000000000000000000.timeindex',
      ]);
      expect(await readdir(join(dataDir, 't-1'))).toEqual(['00000000000000000000.log']);
      const reopened = await openManager(dataDir);
      for (const [p, n] of [
        [0, 100],
        [1, 10],
      ] as const) {
        const log = reopened.get('t', p)!;
        expect((await readAll(log)).map((b) => b.baseOffset)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(await log.offsetForTimestamp(t0 + 7_500)).toEqual({ offset: 8, timestamp: t0 + 8_000 });
        expect((await log.read(n - 3, { maxBytes: 1 })).nextOffset).toBe(n - 2);
      }
      await reopened.close();
    });
  });
});

describe('a data directory of the versions before (own clean checkpoints, clean-shutdown.json version 2)', () => {
  it('starts its partitions dormant, loads them from their own checkpoints with their producers, and keeps them so', async () => {
    await withTempDir(async (dataDir) => {
      // What a previous release left: every partition closed on its own (partition.checkpoint, clean, with
      // its producer table), then the clean-shutdown file listing them, version 2 (no producers).
      for (let p = 0; p < PARTITIONS; p++) {
        const log = await PartitionLog.open({ dir: join(dataDir, `t-${p}`), topic: 't', partition: p, config: cfg });
        await log.append(idem(100 + p, 0, { records: 3 }));
        await log.close();
        const own = JSON.parse(await readFile(join(dataDir, `t-${p}`, CHECKPOINT_FILE), 'utf8'));
        expect(own).toMatchObject({
          cleanShutdown: true,
          recoveryPoint: 3,
          producers: [[100 + p, expect.any(Array), expect.any(Number)]],
        });
      }
      const lister = await openManager(dataDir);
      await lister.close();
      const v3 = JSON.parse(await readFile(join(dataDir, CLEAN_SHUTDOWN_FILE), 'utf8'));
      const topics = v3.topics.map(
        ({ producers: _p, ownCheckpoint: _o, ...columns }: Record<string, unknown>) => columns,
      );
      await writeFile(join(dataDir, CLEAN_SHUTDOWN_FILE), `${JSON.stringify({ version: 2, topics })}\n`);

      const { logger, opened } = openings();
      const manager = await openManager(dataDir, { logger });
      expect(manager.partitions().every((log) => log.isDormant)).toBe(true);
      await expectProducerKept(manager, 4);
      expect(opened).toEqual([expect.objectContaining({ partition: 't-4', recovered: false })]);
      await manager.close();
      // The rows nobody loaded are written back pointing at their own checkpoints.
      const after = JSON.parse(await readFile(join(dataDir, CLEAN_SHUTDOWN_FILE), 'utf8'));
      expect(after.version).toBe(3);
      expect([...after.topics[0].ownCheckpoint].sort((a: number, b: number) => a - b)).toEqual(
        Array.from({ length: PARTITIONS }, (_, p) => p).filter((p) => p !== 4),
      );
      const again = await openManager(dataDir);
      for (const p of [4, 9]) {
        const log = again.get('t', p)!;
        expect(await codeOf(log.append(idem(100 + p, 5)))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
        expect((await log.append(idem(100 + p, 0, { records: 3 }))).baseOffset).toBe(0);
      }
      await again.close();
    });
  });
});
