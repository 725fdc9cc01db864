import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// A fresh module per test: the pool is process state, and these tests stop its last consumer.
async function freshPool() {
  vi.resetModules();
  return import('../../src/client/frame-pool.js');
}

const FRAME_BYTES = 2 * 1024 * 1024;

/** A fresh pool whose only consumer took a frame, released it, and stopped. */
async function stoppedWithOneFreeFrame() {
  const pool = await freshPool();
  pool.framePool.use(true);
  const first = pool.framePool.take(FRAME_BYTES);
  pool.framePool.release(first);
  pool.framePool.use(false);
  return { ...pool, first };
}

/** Whether two frames are the same memory (a boolean: a failed toBe on the buffers would print 2 MiB twice). */
function sameMemory(a: Buffer, b: Buffer): boolean {
  return a.buffer === b.buffer;
}

describe('frame pool after its last consumer stops', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands a consumer started again within KEEP_FREE_MS the memory the last one released', async () => {
    const { framePool, KEEP_FREE_MS, first } = await stoppedWithOneFreeFrame();
    vi.advanceTimersByTime(KEEP_FREE_MS - 1);
    framePool.use(true);
    const again = framePool.take(FRAME_BYTES);

    expect(sameMemory(again, first)).toBe(true);
    expect(framePool.reused).toBe(1);
    expect(framePool.allocated).toBe(1);
    framePool.use(false);
  });

  it('takes back frames released just after the stop (a stopped consumer handing back what it fetched ahead)', async () => {
    const { framePool } = await freshPool();
    framePool.use(true);
    const fetchedAhead = framePool.take(FRAME_BYTES);
    framePool.use(false);
    framePool.release(fetchedAhead);

    framePool.use(true);
    expect(sameMemory(framePool.take(FRAME_BYTES), fetchedAhead)).toBe(true);
    expect(framePool.released).toBe(1);
    framePool.use(false);
  });

  it('lets the free list go KEEP_FREE_MS after the last consumer stopped, and takes nothing back after that', async () => {
    const { framePool, KEEP_FREE_MS } = await freshPool();
    framePool.use(true);
    const first = framePool.take(FRAME_BYTES);
    const late = framePool.take(FRAME_BYTES);
    framePool.release(first);
    framePool.use(false);

    vi.advanceTimersByTime(KEEP_FREE_MS);
    framePool.release(late);
    framePool.use(true);
    const next = framePool.take(FRAME_BYTES);

    expect(sameMemory(next, first) || sameMemory(next, late)).toBe(false);
    expect(framePool.reused).toBe(0);
    expect(framePool.released).toBe(1);
    framePool.use(false);
  });

  it('keeps the list for a consumer that starts while the wait runs', async () => {
    const { framePool, KEEP_FREE_MS, first } = await stoppedWithOneFreeFrame();
    framePool.use(true); // started within the wait: the drop is called off
    vi.advanceTimersByTime(2 * KEEP_FREE_MS);

    expect(sameMemory(framePool.take(FRAME_BYTES), first)).toBe(true);
    framePool.use(false);
  });
});
