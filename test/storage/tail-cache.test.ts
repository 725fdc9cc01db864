// The tail cache serves a consumer at the end of the log from memory: whatever appends it holds (one or
// many batches each, thousands of them, the oldest dropped as it fills), a read returns exactly the whole
// batches the log would, from the batch holding the offset, within maxBytes (at least one batch) and below
// maxOffset.
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
  it('reads whole batches across appends of one and many batches, as the oldest are dropped', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const cache = new TailCache(20_000);
    // The batches of the appends still held, oldest first.
    const appends: Batch[][] = [];
    let bytesHeld = 0;
    let next = 0;
    for (let round = 0; round < 3000; round++) {
      const n = 1 + (random(4) === 0 ? random(5) : 0);
      const sizes = Array.from({ length: n }, () => 20 + random(300));
      const counts = Array.from({ length: n }, () => 1 + random(12));
      const append = makeAppend(next, sizes, counts, round);
      next = append.batches.at(-1)!.last + 1;
      cache.add(append.buffer, append.positions, append.baseOffsets, append.lastOffsets);
      appends.push(append.batches);
      bytesHeld += append.buffer.length;
      while (bytesHeld > 20_000 && appends.length > 1)
        bytesHeld -= appends.shift()!.reduce((sum, b) => sum + b.bytes.length, 0);
      const cached = appends.flat();
      expect(cache.firstOffset).toBe(cached[0]!.base);
      expect(cache.bytes).toBe(bytesHeld);
      const first = cached[0]!.base;
      for (let i = 0; i < 3; i++) {
        const offset = first + random(next - first);
        const maxBytes = [1, 200, 5000][i]!;
        const maxOffset = random(3) === 0 ? offset + random(40) : next;
        const read = cache.read(offset, maxBytes, maxOffset);
        const want = expected(cached, offset, maxBytes, maxOffset);
        expect(Buffer.concat(read.chunks).equals(want.bytes)).toBe(true);
        expect(read.bytes).toBe(want.bytes.length);
        expect(read.nextOffset).toBe(want.nextOffset);
      }
    }
  });

  it('holds nothing after clear and reads nothing below what it holds', () => {
    const cache = new TailCache(1000);
    const append = makeAppend(10, [50, 60], [2, 3], 1);
    cache.add(append.buffer, append.positions, append.baseOffsets, append.lastOffsets);
    expect(cache.read(5, 1000, 100).bytes).toBe(110);
    expect(cache.read(12, 1000, 100).chunks[0]!.equals(append.batches[1]!.bytes)).toBe(true);
    expect(cache.read(15, 1000, 100)).toEqual({ chunks: [], bytes: 0, nextOffset: 15 });
    cache.clear();
    expect(cache.firstOffset).toBe(Number.POSITIVE_INFINITY);
    expect(cache.bytes).toBe(0);
    expect(cache.read(10, 1000, 100).bytes).toBe(0);
  });
});
