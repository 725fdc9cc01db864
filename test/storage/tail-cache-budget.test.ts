// The tail caches of a broker share one bound: with thousands of partitions, 4 MiB each would add up to
// more memory than the machine has. The oldest cached slabs go first, whichever partition holds them,
// and a read of a dropped append is served from the log with the same bytes.
import { describe, expect, it } from 'vitest';
import { LogManager } from '../../storage/index.js';
import { TailCache } from '../../storage/tail-cache.js';
import { TailCacheBudget } from '../../storage/tail-cache-budget.js';
import { config, makeBatch, withTempDir } from './helpers.js';

const KiB = 1024;

/** A cache entry of one batch of `bytes` bytes at `offset` (over 16 KiB: held as it is, counted at its length). */
function add(cache: TailCache, offset: number, bytes: number): void {
  cache.add(Buffer.alloc(bytes), [0], [offset], [offset]);
}

describe('tail cache budget', () => {
  it('drops the oldest appends of any cache once the caches together hold more than the budget', () => {
    const budget = new TailCacheBudget(1000 * KiB);
    const idle = new TailCache(10_000 * KiB, budget);
    const busy = new TailCache(10_000 * KiB, budget);
    add(idle, 0, 600 * KiB);
    add(busy, 0, 300 * KiB);
    expect(budget.bytes).toBe(900 * KiB);
    add(busy, 1, 300 * KiB);
    expect(idle.firstOffset).toBe(Number.POSITIVE_INFINITY);
    expect(busy.firstOffset).toBe(0);
    expect(budget.bytes).toBe(600 * KiB);
    add(busy, 2, 300 * KiB);
    add(busy, 3, 300 * KiB);
    expect(busy.firstOffset).toBe(1);
    expect(budget.bytes).toBe(900 * KiB);
  });

  it('keeps the newest append even when it alone is over the budget', () => {
    const budget = new TailCacheBudget(10 * KiB);
    const cache = new TailCache(10_000 * KiB, budget);
    add(cache, 0, 100 * KiB);
    expect(cache.firstOffset).toBe(0);
    add(cache, 1, 100 * KiB);
    expect(cache.firstOffset).toBe(1);
    expect(budget.bytes).toBe(100 * KiB);
  });

  it('gets back the bytes a cache drops by its own bound or clears', () => {
    const budget = new TailCacheBudget(10_000 * KiB);
    const cache = new TailCache(1000 * KiB, budget);
    for (let offset = 0; offset < 10; offset++) add(cache, offset, 400 * KiB);
    expect(cache.bytes).toBe(800 * KiB);
    expect(budget.bytes).toBe(800 * KiB);
    cache.clear();
    expect(budget.bytes).toBe(0);
    // 1,000 one-byte appends are copied into the cache's first slab, counted whole.
    for (let offset = 10; offset < 1010; offset++) add(cache, offset, 1);
    expect(cache.firstOffset).toBe(10);
    expect(budget.bytes).toBe(4 * KiB);
  });

  it("counts small appends by the slabs they are copied into, and drops an idle cache's slab whole", () => {
    const budget = new TailCacheBudget(60 * KiB);
    const idle = new TailCache(4096 * KiB, budget);
    const busy = new TailCache(4096 * KiB, budget);
    add(idle, 0, 100);
    expect(budget.bytes).toBe(4 * KiB);
    // The busy cache's slabs double (4, 8, 16, 32 KiB): the fourth takes the total over 60 KiB, and the
    // oldest slab, the idle cache's, goes.
    let offset = 0;
    while (busy.bytes < 28 * KiB) add(busy, offset++, 1000);
    expect(idle.firstOffset).toBe(0);
    expect(budget.bytes).toBe(32 * KiB);
    while (busy.bytes === 28 * KiB) add(busy, offset++, 1000);
    expect(idle.firstOffset).toBe(Number.POSITIVE_INFINITY);
    expect(idle.bytes).toBe(0);
    expect(busy.firstOffset).toBe(0);
    expect(busy.bytes).toBe(60 * KiB);
    expect(budget.bytes).toBe(60 * KiB);
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
