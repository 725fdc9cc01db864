// The tail caches of a broker share one bound: with thousands of partitions, 4 MiB each would add up to
// more memory than the machine has. The oldest cached appends go first, whichever partition holds them,
// and a read of a dropped append is served from the log with the same bytes.
import { describe, expect, it } from 'vitest';
import { LogManager } from '../../storage/index.js';
import { TailCache } from '../../storage/tail-cache.js';
import { TailCacheBudget } from '../../storage/tail-cache-budget.js';
import { config, makeBatch, withTempDir } from './helpers.js';

/** A cache entry of one batch of `bytes` bytes at `offset`. */
function add(cache: TailCache, offset: number, bytes: number): void {
  cache.add(Buffer.alloc(bytes), [0], [offset], [offset]);
}

describe('tail cache budget', () => {
  it('drops the oldest appends of any cache once the caches together hold more than the budget', () => {
    const budget = new TailCacheBudget(100);
    const idle = new TailCache(1000, budget);
    const busy = new TailCache(1000, budget);
    add(idle, 0, 60);
    add(busy, 0, 30);
    expect(budget.bytes).toBe(90);
    add(busy, 1, 30);
    expect(idle.firstOffset).toBe(Number.POSITIVE_INFINITY);
    expect(busy.firstOffset).toBe(0);
    expect(budget.bytes).toBe(60);
    add(busy, 2, 30);
    add(busy, 3, 30);
    expect(busy.firstOffset).toBe(1);
    expect(budget.bytes).toBe(90);
  });

  it('keeps the newest append even when it alone is over the budget', () => {
    const budget = new TailCacheBudget(10);
    const cache = new TailCache(1000, budget);
    add(cache, 0, 50);
    expect(cache.firstOffset).toBe(0);
    add(cache, 1, 50);
    expect(cache.firstOffset).toBe(1);
    expect(budget.bytes).toBe(50);
  });

  it('gets back the bytes a cache drops by its own bound or clears', () => {
    const budget = new TailCacheBudget(1000);
    const cache = new TailCache(100, budget);
    for (let offset = 0; offset < 10; offset++) add(cache, offset, 40);
    expect(cache.bytes).toBe(80);
    expect(budget.bytes).toBe(80);
    cache.clear();
    expect(budget.bytes).toBe(0);
    for (let offset = 10; offset < 1010; offset++) add(cache, offset, 1);
    expect(budget.bytes).toBe(100);
  });

  it('bounds the caches of all partitions of a LogManager; reads of dropped appends come from the log', async () => {
    await withTempDir(async (dataDir) => {
      const manager = await LogManager.open({
        dataDir,
        configFor: () => config(),
        maintenanceIntervalMs: 0,
        tailCacheTotalBytes: 64 * 1024,
      });
      const logs = await Promise.all(Array.from({ length: 20 }, (_, p) => manager.create('wide', p, config())));
      const written: Buffer[] = [];
      for (const [p, log] of logs.entries()) {
        const batch = makeBatch({ records: 4, payloadBytes: 16 * 1024, tag: p });
        written.push(batch);
        await log.append(batch);
      }
      expect(manager.tailCacheStats.bytes).toBeLessThanOrEqual(64 * 1024);
      expect(manager.tailCacheStats.maxBytes).toBe(64 * 1024);
      for (const [p, log] of logs.entries()) {
        const read = await log.read(0, { maxBytes: 1 << 20 });
        const bytes = Buffer.concat(read.chunks);
        expect(bytes.subarray(61).equals(written[p]!.subarray(61))).toBe(true);
        expect(read.nextOffset).toBe(4);
      }
      await manager.close();
      expect(manager.tailCacheStats.bytes).toBe(0);
    });
  });
});
