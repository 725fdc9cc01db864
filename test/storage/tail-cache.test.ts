// The tail cache serves a consumer at the end of the log from memory: whatever appends it holds (one or
// many batches each, small ones copied into its slabs, large ones held as they are, the oldest slabs
// dropped as it fills), a read returns exactly the whole batches the log would, from the batch holding the
// offset, within maxBytes (at least one batch) and below maxOffset, and what a read returned stays intact
// while later appends arrive.
import { describe, expect, it } from 'vitest';
import { TailCache } from '../../storage/tail-cache.js';

interface Batch {
  base: number;
  last: number;
  bytes: Buffer;
}

/** An append of `sizes.length` batches from `base`, each of sizes[i] bytes and counts[i] offsets. */
function makeAppend(base: number, sizes: number[], counts: number[], fill: number) {
  const batches: Batch[] = [];
  const positions: number[] = [];
  let position = 0;
  for (let i = 0; i < sizes.length; i++) {
    positions.push(position);
    const bytes = Buffer.alloc(sizes[i]!, (fill + i) & 0xff);
    batches.push({ base, last: base + counts[i]! - 1, bytes });
    base += counts[i]!;
    position += sizes[i]!;
  }
  const buffer = Buffer.concat(batches.map((b) => b.bytes));
  return {
    buffer,
    positions,
    baseOffsets: batches.map((b) => b.base),
    lastOffsets: batches.map((b) => b.last),
    batches,
  };
}

/** What a read must return, from the batches still cached (oldest first). */
function expected(cached: Batch[], offset: number, maxBytes: number, maxOffset: number) {
  const from = cached.findIndex((b) => b.last >= offset);
  const out: Batch[] = [];
  let total = 0;
  for (let i = from; from >= 0 && i < cached.length; i++) {
    const b = cached[i]!;
    if (b.last >= maxOffset || (total > 0 && total + b.bytes.length > maxBytes)) break;
    out.push(b);
    total += b.bytes.length;
  }
  return {
    bytes: Buffer.concat(out.map((b) => b.bytes)),
    nextOffset: out.length > 0 ? out.at(-1)!.last + 1 : offset,
  };
}

describe('tail cache', () => {
  it('reads whole batches across small and large appends of one and many batches, as the oldest are dropped', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const maxBytes = 300_000;
    const cache = new TailCache(maxBytes);
    const appended: Batch[] = [];
    let appendedBytes = 0;
    let largestSlab = maxBytes / 4;
    let next = 0;
    let firstOffset = 0;
    let earlier: { chunks: Buffer[]; bytes: Buffer } | null = null;
    for (let round = 0; round < 4000; round++) {
      const n = 1 + (random(4) === 0 ? random(5) : 0);
      // Mostly small batches (copied into slabs), now and then one over 16 KiB (held as it is).
      const sizes = Array.from({ length: n }, () => (random(150) === 0 ? 70_000 + random(20_000) : 20 + random(300)));
      const counts = Array.from({ length: n }, () => 1 + random(12));
      const append = makeAppend(next, sizes, counts, round);
      next = append.batches.at(-1)!.last + 1;
      cache.add(append.buffer, append.positions, append.baseOffsets, append.lastOffsets);
      appended.push(...append.batches);
      appendedBytes += append.buffer.length;

      // What is held: the batches from firstOffset to the newest, never fewer than before.
      expect(cache.firstOffset).toBeGreaterThanOrEqual(firstOffset);
      firstOffset = cache.firstOffset;
      const cached = appended.filter((b) => b.base >= firstOffset);
      expect(cached[0]!.base).toBe(firstOffset);
      const heldBytes = cached.reduce((sum, b) => sum + b.bytes.length, 0);
      // Counted: whole slabs, within the bound, and none dropped while there was room (a dropped slab
      // counted at most a quarter of the bound, or the largest append).
      largestSlab = Math.max(largestSlab, append.buffer.length);
      expect(cache.bytes).toBeGreaterThanOrEqual(heldBytes);
      expect(cache.bytes).toBeLessThanOrEqual(maxBytes);
      if (appendedBytes > maxBytes) expect(cache.bytes).toBeGreaterThan(maxBytes - largestSlab);

      // A read's views stay intact while later appends are copied into the same slab.
      if (earlier) expect(Buffer.concat(earlier.chunks).equals(earlier.bytes)).toBe(true);
      for (let i = 0; i < 3; i++) {
        const offset = firstOffset + random(next - firstOffset);
        const readMax = [1, 200, 5000][i]!;
        const maxOffset = random(3) === 0 ? offset + random(40) : next;
        const read = cache.read(offset, readMax, maxOffset);
        const want = expected(cached, offset, readMax, maxOffset);
        expect(Buffer.concat(read.chunks).equals(want.bytes)).toBe(true);
        expect(read.bytes).toBe(want.bytes.length);
        expect(read.nextOffset).toBe(want.nextOffset);
        earlier = { chunks: read.chunks, bytes: want.bytes };
      }
    }
  });

  it('copies small appends one after another into one slab, and holds a large one as it is', () => {
    const cache = new TailCache(4 * 1024 * 1024);
    const first = makeAppend(0, [100, 200], [1, 2], 1);
    const second = makeAppend(3, [300], [5], 2);
    cache.add(first.buffer, first.positions, first.baseOffsets, first.lastOffsets);
    cache.add(second.buffer, second.positions, second.baseOffsets, second.lastOffsets);
    // Both appends in the first slab (4 KiB, counted whole): a read of both is one view.
    expect(cache.bytes).toBe(4096);
    const both = cache.read(0, 1 << 20, 100);
    expect(both.chunks).toHaveLength(1);
    expect(both.chunks[0]!.equals(Buffer.concat([first.buffer, second.buffer]))).toBe(true);
    expect(both.chunks[0]!.buffer).not.toBe(first.buffer.buffer);

    const large = makeAppend(8, [100_000], [10], 3);
    cache.add(large.buffer, large.positions, large.baseOffsets, large.lastOffsets);
    expect(cache.bytes).toBe(4096 + 100_000);
    const read = cache.read(8, 1 << 20, 100);
    expect(read.chunks).toHaveLength(1);
    expect(read.chunks[0]!.buffer).toBe(large.buffer.buffer);
    expect(cache.read(0, 1 << 20, 100).chunks).toHaveLength(2);
  });

  it('copies an append from its first batch when its buffer starts with other bytes', () => {
    const cache = new TailCache(1 << 20);
    const append = makeAppend(0, [7, 50, 60], [1, 1, 1], 9);
    // The first "batch" stands for bytes before the batches: positions start after it.
    cache.add(append.buffer, append.positions.slice(1), [0, 1], [0, 1]);
    const read = cache.read(0, 1 << 20, 100);
    expect(read.bytes).toBe(110);
    expect(Buffer.concat(read.chunks).equals(append.buffer.subarray(7))).toBe(true);
  });

  it('reads right after its batch rows grow to thousands and shrink back to a few', () => {
    const cache = new TailCache(1 << 20);
    let next = 0;
    const add = (size: number) => {
      const append = makeAppend(next, [size], [1], next);
      cache.add(append.buffer, append.positions, append.baseOffsets, append.lastOffsets);
      next++;
      return append.buffer;
    };
    for (let i = 0; i < 10_000; i++) add(61);
    expect(cache.firstOffset).toBe(0);
    expect(cache.read(9_000, 61, next).chunks[0]!.equals(Buffer.alloc(61, 9_000 & 0xff))).toBe(true);
    // One append of nearly 1 MiB takes the others' room: all 10,000 go, and the cache goes on from there
    // (the next small append in a small slab, beside the large one).
    const large = add((1 << 20) - 8192);
    expect(cache.firstOffset).toBe(10_000);
    const small = add(100);
    const read = cache.read(10_000, 2 << 20, next);
    expect(cache.bytes).toBe((1 << 20) - 8192 + 4096);
    expect(Buffer.concat(read.chunks).equals(Buffer.concat([large, small]))).toBe(true);
    expect(read.nextOffset).toBe(10_002);
  });

  it('holds nothing after clear and reads nothing below what it holds', () => {
    const cache = new TailCache(1000);
    const append = makeAppend(10, [50, 60], [2, 3], 1);
    cache.add(append.buffer, append.positions, append.baseOffsets, append.lastOffsets);
    expect(cache.read(5, 1000, 100).bytes).toBe(110);
    expect(cache.read(12, 1000, 100).chunks[0]!.equals(append.batches[1]!.bytes)).toBe(true);
    expect(cache.read(15, 1000, 100)).toEqual({ chunks: [], bytes: 0, nextOffset: 15, pins: null });
    cache.clear();
    expect(cache.firstOffset).toBe(Number.POSITIVE_INFINITY);
    expect(cache.bytes).toBe(0);
    expect(cache.read(10, 1000, 100).bytes).toBe(0);
  });
});
