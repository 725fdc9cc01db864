// The fetch read-buffer pool: size classes, reuse, and the bound on what it keeps.
import { describe, expect, it } from 'vitest';
import { ReadBufferPool, readSizeAtMost, sizeClass } from '../../storage/read-buffer-pool.js';

const MiB = 1024 * 1024;

describe('ReadBufferPool', () => {
  it('rounds requests up to size classes that waste at most 1/8', () => {
    expect(sizeClass(1)).toBe(64 * 1024);
    expect(sizeClass(64 * 1024)).toBe(64 * 1024);
    expect(sizeClass(64 * 1024 + 1)).toBe(80 * 1024);
    expect(sizeClass(8 * MiB + 4096 + 61)).toBe(10 * MiB);
    for (const n of [70_000, 1_000_000, 3 * MiB + 5, 33 * MiB]) {
      expect(sizeClass(n)).toBeGreaterThanOrEqual(n);
      expect(sizeClass(n)).toBeLessThanOrEqual(n * 1.25);
    }
  });

  it('hands a released buffer to the next request of its class, and only then', () => {
    const pool = new ReadBufferPool(64 * MiB);
    const a = pool.acquire(1 * MiB);
    expect(a.length).toBe(1 * MiB);
    expect(pool.acquire(1 * MiB) === a).toBe(false); // still lent out
    pool.release(a);
    expect(pool.pooledBytes).toBe(1 * MiB);
    expect(pool.acquire(3 * MiB) === a).toBe(false); // another class
    expect(pool.acquire(1 * MiB - 100) === a).toBe(true);
    expect(pool.pooledBytes).toBe(0);
  });

  it('keeps at most maxPooledBytes of free buffers, once each, and ignores buffers not its own', () => {
    const pool = new ReadBufferPool(5 * MiB);
    const lent = Array.from({ length: 8 }, () => pool.acquire(MiB));
    for (const b of lent) pool.release(b);
    expect(pool.pooledBytes).toBe(5 * MiB);
    pool.release(pool.acquire(MiB));
    pool.release(lent[0]!); // twice
    expect(pool.pooledBytes).toBe(5 * MiB);
    const taken = new Set(Array.from({ length: 5 }, () => pool.acquire(MiB)));
    expect(taken.size).toBe(5);
    expect(pool.pooledBytes).toBe(0);
    pool.release(Buffer.alloc(MiB).subarray(0, 64 * 1024)); // a view: never pooled
    pool.release(Buffer.alloc(100_000)); // not a size class
    expect(pool.pooledBytes).toBe(0);
  });

  it('a release into a full pool drops free buffers of other classes first: a new read size is reused at once', () => {
    const pool = new ReadBufferPool(24 * MiB);
    const old = [pool.acquire(10 * MiB), pool.acquire(10 * MiB)];
    for (const b of old) pool.release(b);
    expect(pool.pooledBytes).toBe(20 * MiB);
    // Readers now ask for 3 MiB: each released one is kept, the 10 MiB ones make room.
    const lent = Array.from({ length: 4 }, () => pool.acquire(3 * MiB));
    for (const b of lent) pool.release(b);
    expect(pool.pooledBytes).toBeLessThanOrEqual(24 * MiB);
    const again = new Set(Array.from({ length: 4 }, () => pool.acquire(3 * MiB)));
    expect([...again].every((b) => lent.includes(b))).toBe(true);
    expect(pool.acquire(10 * MiB) === old[0] || pool.acquire(10 * MiB) === old[1]).toBe(true); // one was kept
  });

  it('read sizes are size classes at most the limit, two an octave', () => {
    expect(readSizeAtMost(1)).toBe(64 * 1024);
    expect(readSizeAtMost(MiB + 4096 + 61)).toBe(MiB);
    expect(readSizeAtMost(1.5 * MiB)).toBe(1.5 * MiB);
    expect(readSizeAtMost(2 * MiB - 1)).toBe(1.5 * MiB);
    for (const n of [70_000, 300_000, 1_000_000, 3 * MiB + 5, 33 * MiB]) {
      const size = readSizeAtMost(n);
      expect(sizeClass(size)).toBe(size);
      expect(size).toBeLessThanOrEqual(n);
      expect(size).toBeGreaterThan((n * 2) / 3);
    }
  });

  it('takes a free buffer of a larger class up to twice its own before allocating one', () => {
    const pool = new ReadBufferPool(64 * MiB);
    const big = pool.acquire(2 * MiB);
    const huge = pool.acquire(8 * MiB);
    pool.release(big);
    pool.release(huge);
    expect(pool.acquire(1 * MiB) === big).toBe(true); // 2 MiB: twice its class
    expect(pool.acquire(1 * MiB) === huge).toBe(false); // 8 MiB: too large to lend for 1 MiB
    expect(pool.pooledBytes).toBe(8 * MiB);
  });
});
