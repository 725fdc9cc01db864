// The change journal (storage/change-journal.ts): after a clean start, a partition's first use lists it,
// durably, before it may change, so that a crash recovers only what was used since the clean stop and every
// other partition starts dormant from the clean base. What can go wrong with that list (a torn or garbled
// file, a failing write, a topic deleted and created again under the same name) must never let a start
// trust a summary of a partition that changed.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CHANGE_JOURNAL_FILE,
  ChangeJournal,
  CLEAN_BASE_FILE,
  FaultyFs,
  LogManager,
  type Logger,
  parseChangeJournal,
} from '../../storage/index.js';
import { codeOf, config, idem, readAll, withTempDir } from './helpers.js';

const cfg = config({ segmentBytes: 1 << 20 });

/** A logger that keeps which partitions opened (recovered or not) and the warnings. */
function recording() {
  const opened: string[] = [];
  const warnings: string[] = [];
  const noop = () => {};
  const logger: Logger = {
    info: (obj: object, msg?: string) => {
      if (msg === 'partition opened') opened.push((obj as { partition: string }).partition);
    },
    warn: (_obj: object, msg?: string) => warnings.push(msg ?? ''),
    error: noop,
    debug: noop,
  };
  return { logger, opened, warnings };
}

const openManager = (dataDir: string, options: { fs?: FaultyFs; logger?: Logger } = {}) =>
  LogManager.open({ dataDir, configFor: () => cfg, maintenanceIntervalMs: 0, ...options });

/** Topic `t`, partitions 0..count-1, each with three records of idempotent producer 100 + p, then a clean stop. */
async function cleanStopWith(dataDir: string, count: number): Promise<void> {
  const manager = await openManager(dataDir);
  for (let p = 0; p < count; p++) await (await manager.create('t', p, cfg)).append(idem(100 + p, 0, { records: 3 }));
  await manager.close();
}

describe('the change journal file', () => {
  it('reads complete lines only: a torn last line is ignored, a garbled complete line makes it untrusted', () => {
    const parsed = parseChangeJournal(Buffer.from('t 1\nother *\nt 2'));
    expect(parsed?.length).toBe('t 1\nother *\n'.length);
    expect([parsed!.changed.has('t', 1), parsed!.changed.has('other', 7), parsed!.changed.has('t', 2)]).toEqual([
      true,
      true,
      false,
    ]);
    expect(parseChangeJournal(Buffer.from(''))?.changed.size).toBe(0);
    expect(parseChangeJournal(Buffer.from('t 1\n\x00\x00\x00\nt 2\n'))).toBeUndefined();
    expect(parseChangeJournal(Buffer.from('t one\n'))).toBeUndefined();
  });

  it('shares one write and fsync among the marks that wait, marks a partition once, and overwrites a torn tail', async () => {
    await withTempDir(async (dataDir) => {
      await writeFile(join(dataDir, CHANGE_JOURNAL_FILE), 't 0\nzz 9'); // "zz 9": a write a crash tore
      const fs = new FaultyFs();
      let readies = 0;
      const { journal, changed } = await ChangeJournal.open(fs, dataDir, {
        reset: false,
        ready: async () => {
          readies++;
        },
      });
      expect([changed!.has('t', 0), changed!.has('zz', 9)]).toEqual([true, false]);
      const marks = Array.from({ length: 50 }, (_, p) => journal.markPartition('t', p + 1));
      marks.push(journal.markPartition('t', 1), journal.markTopic('gone'));
      await Promise.all(marks);
      expect(fs.counts.sync).toBeLessThanOrEqual(2);
      expect(readies).toBe(fs.counts.sync);
      await journal.markPartition('t', 1);
      await journal.close();
      const lines = (await readFile(join(dataDir, CHANGE_JOURNAL_FILE), 'latin1')).split('\n');
      expect(lines[0]).toBe('t 0');
      expect(lines.filter((l) => l === 't 1')).toHaveLength(1);
      expect(lines).toContain('gone *');
      expect(lines.filter((l) => l.startsWith('zz'))).toEqual([]);
      const again = parseChangeJournal(await readFile(join(dataDir, CHANGE_JOURNAL_FILE)));
      expect(again!.changed.size).toBe(52);
    });
  });
});

describe('a crash after a clean start', () => {
  it('recovers the partitions used since and starts the others dormant, with every record and producer', async () => {
    await withTempDir(async (dataDir) => {
      await cleanStopWith(dataDir, 6);
      const started = await openManager(dataDir);
      expect((await started.get('t', 4)!.append(idem(104, 3))).baseOffset).toBe(3);
      // Never closed: the next open is a crash restart.
      const { logger, opened } = recording();
      const crashed = await openManager(dataDir, { logger });
      expect(opened).toEqual(['t-4']);
      for (let p = 0; p < 6; p++) {
        const log = crashed.get('t', p)!;
        expect(log.isDormant).toBe(p !== 4);
        expect(log.logEndOffset).toBe(p === 4 ? 4 : 3);
        // The producer's retry of its first batch is a duplicate, its next sequence appends.
        expect((await log.append(idem(100 + p, 0, { records: 3 }))).baseOffset).toBe(0);
        expect((await log.append(idem(100 + p, p === 4 ? 4 : 3))).baseOffset).toBe(p === 4 ? 4 : 3);
      }
      await crashed.close();
      await started.close().catch(() => {});
    });
  });

  it('never trusts the base for a topic deleted and created again under its name, same sizes and all', async () => {
    await withTempDir(async (dataDir) => {
      await cleanStopWith(dataDir, 1);
      const started = await openManager(dataDir);
      await started.deleteTopic('t');
      expect(await started.clearTrash()).toBe(true);
      // The new t-0 holds a batch of the same size as the old one, from another producer.
      await (await started.create('t', 0, cfg)).append(idem(200, 0, { records: 3 }));
      const crashed = await openManager(dataDir);
      const log = crashed.get('t', 0)!;
      expect(log.isDormant).toBe(false);
      expect((await log.append(idem(200, 0, { records: 3 }))).baseOffset).toBe(0);
      // The deleted topic's producer is unknown to the new partition.
      expect(await codeOf(log.append(idem(100, 3)))).toBe('UNKNOWN_PRODUCER_ID');
      await crashed.close();
      await started.close().catch(() => {});
    });
  });

  it('opens every partition when the journal is garbled, and says so', async () => {
    await withTempDir(async (dataDir) => {
      await cleanStopWith(dataDir, 3);
      const started = await openManager(dataDir);
      await started.get('t', 1)!.append(idem(101, 3));
      await writeFile(join(dataDir, CHANGE_JOURNAL_FILE), 'not a journal\n');
      const { logger, opened, warnings } = recording();
      const crashed = await openManager(dataDir, { logger });
      expect(opened.sort()).toEqual(['t-0', 't-1', 't-2']);
      expect(warnings).toContain('change journal is garbled; ignoring the clean base and opening every partition');
      expect(crashed.get('t', 1)!.logEndOffset).toBe(4);
      await crashed.close();
      await started.close().catch(() => {});
    });
  });

  it('a journal that cannot be written refuses the first use with a storage error, changes nothing, and works once it can', async () => {
    await withTempDir(async (dataDir) => {
      await cleanStopWith(dataDir, 2);
      const fs = new FaultyFs();
      const started = await openManager(dataDir, { fs });
      fs.fail('sync', { code: 'EIO', path: (path) => path.endsWith(CHANGE_JOURNAL_FILE) });
      const refused = await codeOf(started.get('t', 0)!.append(idem(100, 3)));
      expect(refused).toBe('STORAGE_IO');
      fs.clearFaults();
      expect((await started.get('t', 0)!.append(idem(100, 3))).baseOffset).toBe(3);
      expect((await readAll(started.get('t', 0)!)).length).toBe(2);
      const { logger, opened } = recording();
      const crashed = await openManager(dataDir, { logger });
      expect(opened).toEqual(['t-0']);
      expect(crashed.get('t', 0)!.logEndOffset).toBe(4);
      await crashed.close();
      await started.close().catch(() => {});
      expect(await readdir(dataDir)).not.toContain(CLEAN_BASE_FILE);
    });
  });
});
