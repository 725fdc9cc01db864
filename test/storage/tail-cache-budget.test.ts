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

  it("keeps a slab a read pinned counted after it is dropped, until the read's pins are released", () => {
    const budget = new TailCacheBudget(600 * KiB);
    const pinned = new TailCache(10_000 * KiB, budget);
    const busy = new TailCache(10_000 * KiB, budget);
    add(pinned, 0, 200 * KiB);
    const read = pinned.read(0, 1 << 20, 1, true, true);
    expect(read.bytes).toBe(200 * KiB);
    // Released while the slab is cached: nothing changes.
    const early = pinned.read(0, 1 << 20, 1, true, true);
    early.pins!.release();
    expect(budget.bytes).toBe(200 * KiB);
    // The busy cache's appends push the pinned slab out: it stays counted, so the busy cache keeps less.
    for (let offset = 0; offset < 4; offset++) add(busy, offset, 200 * KiB);
    expect(pinned.firstOffset).toBe(Number.POSITIVE_INFINITY);
    expect(budget.pinnedBytes).toBe(200 * KiB);
    expect(budget.bytes).toBe(600 * KiB);
    expect(busy.firstOffset).toBe(2);
    // The view is intact; once released, its bytes go back and the next append keeps one more slab.
    expect(read.chunks[0]!.length).toBe(200 * KiB);
    read.pins!.release();
    expect(budget.pinnedBytes).toBe(0);
    expect(budget.bytes).toBe(400 * KiB);
    add(busy, 4, 200 * KiB);
    expect(busy.firstOffset).toBe(2);
    expect(budget.bytes).toBe(600 * KiB);
  });

  it('keeps the slabs held and those pinned within the budget however many reads never let go: past half, reads copy', () => {
    const budget = new TailCacheBudget(256 * KiB);
    const caches = Array.from({ length: 64 }, () => new TailCache(4096 * KiB, budget));
    const next = caches.map(() => 0);
    const held: Array<{ chunks: Buffer[]; pins: { release(): void } | null }> = [];
    let copied = 0;
    for (let round = 0; round < 40; round++) {
      for (const [i, cache] of caches.entries()) {
        const bytes = 1000 + ((round * 7919 + i * 104_729) % 30_000);
        const batch = Buffer.alloc(bytes, (round + i) & 0xff);
        cache.add(batch, [0], [next[i]!], [next[i]!]);
        // A client that reads the newest batch of every partition and never takes its answers.
        const read = cache.read(next[i]!, 1 << 20, next[i]! + 1, true, true);
        expect(Buffer.concat(read.chunks).equals(batch)).toBe(true);
        if (read.pins === null) copied++;
        held.push(read);
        next[i]!++;
        // The newest slab is always kept, so the total may pass the budget by that one slab (at most 30 KiB).
        expect(budget.bytes).toBeLessThanOrEqual(256 * KiB + 30_000);
      }
    }
    expect(copied).toBeGreaterThan(0);
    expect(budget.pinnedBytes).toBeGreaterThan(0);
    for (const read of held) read.pins?.release();
    expect(budget.pinnedBytes).toBe(0);
    expect(budget.bytes).toBe(caches.reduce((sum, cache) => sum + cache.bytes, 0));
    // With the pins gone, reads pin again.
    const last = caches.length - 1;
    expect(caches[last]!.read(next[last]! - 1, 1 << 20, next[last]!, true, true).pins).not.toBeNull();
  });

  it('counts a pinned slab once however many reads pin it, and through a clear', () => {
    const budget = new TailCacheBudget(10_000 * KiB);
    const cache = new TailCache(10_000 * KiB, budget);
    for (let offset = 0; offset < 10; offset++) add(cache, offset, 100);
    const reads = [0, 3, 9].map((offset) => cache.read(offset, 1 << 20, 10, true, true));
    // Unpinned reads and empty reads hold nothing.
    expect(cache.read(0, 1 << 20, 10).pins).toBeNull();
    expect(cache.read(10, 1 << 20, 11, true, true).pins).toBeNull();
    expect(budget.bytes).toBe(4 * KiB);
    cache.clear();
    expect(budget.pinnedBytes).toBe(4 * KiB);
    expect(budget.bytes).toBe(4 * KiB);
    reads[0]!.pins!.release();
    reads[1]!.pins!.release();
    expect(budget.bytes).toBe(4 * KiB);
    reads[2]!.pins!.release();
    expect(budget.pinnedBytes).toBe(0);
    expect(budget.bytes).toBe(0);
  });

  it('pins every slab a read spans', () => {
    const budget = new TailCacheBudget(10_000 * KiB);
    const cache = new TailCache(10_000 * KiB, budget);
    // Two copy slabs (4 and 8 KiB) and a large append of its own.
    let offset = 0;
    while (cache.bytes < 12 * KiB) add(cache, offset++, 1000);
    add(cache, offset++, 20 * KiB);
    const read = cache.read(0, 1 << 20, offset, true, true);
    expect(read.chunks).toHaveLength(3);
    cache.clear();
    expect(budget.pinnedBytes).toBe(32 * KiB);
    expect(budget.bytes).toBe(32 * KiB);
    read.pins!.release();
    expect(budget.pinnedBytes).toBe(0);
    expect(budget.bytes).toBe(0);
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
