import { describe, expect, it } from 'vitest';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  LogManager,
  parsePartitionDirName,
  readJsonFile,
  writeFileAtomic,
  nodeFs,
  LogClosedError,
} from '../../storage/index.js';
import type { PartitionConfig } from '../../storage/index.js';
import { FakeClock, config, makeBatch, withTempDir } from './helpers.js';

const HOUR = 3_600_000;

describe('LogManager', () => {
  it('opens every partition directory, creates idempotently, deletes, and survives a restart', async () => {
    await withTempDir(async (dataDir) => {
      const configFor = (): PartitionConfig => config();
      const manager = await LogManager.open({ dataDir, configFor, maintenanceIntervalMs: 0 });
      const a0 = await manager.create('orders.v1-eu', 0, config());
      const [again, a1, b0] = await Promise.all([
        manager.create('orders.v1-eu', 0, config()),
        manager.create('orders.v1-eu', 1, config()),
        manager.create('audit', 0, config()),
      ]);
      expect(again).toBe(a0);
      await a0.append(makeBatch({ records: 3 }));
      await a1.append(makeBatch({ records: 1 }));
      await b0.append(makeBatch({ records: 2 }));
      expect(manager.partitions()).toHaveLength(3);
      await manager.deleteTopic('audit');
      expect(manager.get('audit', 0)).toBeUndefined();
      expect(await manager.clearTrash()).toBe(true);
      expect((await readdir(dataDir)).sort()).toEqual(['orders.v1-eu-0', 'orders.v1-eu-1']);
      await mkdir(join(dataDir, 'not a partition'));
      await manager.close();
      await expect(a0.append(makeBatch())).rejects.toBeInstanceOf(LogClosedError);

      const reopened = await LogManager.open({ dataDir, configFor, maintenanceIntervalMs: 0 });
      expect(
        reopened
          .partitions()
          .map((p) => `${p.topic}/${p.partition}=${p.logEndOffset}`)
          .sort(),
      ).toEqual(['orders.v1-eu/0=3', 'orders.v1-eu/1=1']);
      await reopened.close();
    });
  });

  it('runs retention, segment.ms rolls and interval flushes in maintenance with a fake clock', async () => {
    await withTempDir(async (dataDir) => {
      const clock = new FakeClock();
      const cfg = config({ segmentMs: HOUR, retentionMs: 2 * HOUR, flush: { kind: 'interval', ms: 10 * 60_000 } });
      const manager = await LogManager.open({ dataDir, configFor: () => cfg, clock, maintenanceIntervalMs: 0 });
      const log = await manager.create('t', 0, cfg);
      await log.append(makeBatch({ baseTimestamp: clock.now(), maxTimestamp: clock.now() }));
      expect(log.flushedOffset).toBe(0);
      clock.advance(HOUR);
      await manager.runMaintenance(); // rolls the hour-old active segment and flushes
      expect([log.segmentCount, log.flushedOffset]).toEqual([2, 1]);
      clock.advance(HOUR + 1);
      await manager.runMaintenance(); // the sealed segment's newest batch is now > 2 h old
      expect([log.segmentCount, log.logStartOffset, log.logEndOffset]).toEqual([1, 1, 1]);
      await manager.close();
    });
  });

  it('parses partition directory names on the last dash', () => {
    expect(parsePartitionDirName('my-topic-12')).toEqual({ topic: 'my-topic', partition: 12 });
    expect(parsePartitionDirName('a.b_c-0')).toEqual({ topic: 'a.b_c', partition: 0 });
    expect(parsePartitionDirName('topic-')).toBeUndefined();
    expect(parsePartitionDirName('topic-1.deleted')).toBeUndefined();
    expect(parsePartitionDirName('bad topic-1')).toBeUndefined();
  });
});

describe('atomic metadata files', () => {
  it('writes atomically, reads back, and names a garbled file in the error', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'topics.json');
      expect(await readJsonFile(nodeFs, path)).toBeUndefined();
      await writeFileAtomic(nodeFs, path, JSON.stringify({ topics: ['a'] }));
      await writeFileAtomic(nodeFs, path, JSON.stringify({ topics: ['a', 'b'] }));
      expect(await readJsonFile(nodeFs, path)).toEqual({ topics: ['a', 'b'] });
      expect(await readdir(dir)).toEqual(['topics.json']);
      await writeFile(path, '{"topics": [');
      await expect(readJsonFile(nodeFs, path)).rejects.toThrow(/topics\.json/);
    });
  });
});
