// The frame pool's process-wide step: the first consumer to start allocates and drops one block just under
// 32 MiB (glibc then keeps later frames' freed pages mapped); no later start does it again.
import { describe, expect, it } from 'vitest';
import { MALLOC_THRESHOLD_BLOCK_BYTES, framePool } from '../../src/client/frame-pool.js';

describe('frame pool', () => {
  it('drops one block under 32 MiB when the first consumer starts, and never again', () => {
    expect(MALLOC_THRESHOLD_BLOCK_BYTES).toBeLessThanOrEqual(32 * 1024 * 1024);
    expect(MALLOC_THRESHOLD_BLOCK_BYTES).toBeGreaterThan(16 * 1024 * 1024);
    framePool.use(true);
    expect(framePool.mallocThresholdBlocks).toBe(1);
    framePool.use(true);
    framePool.use(false);
    framePool.use(false);
    framePool.use(true);
    framePool.use(false);
    expect(framePool.mallocThresholdBlocks).toBe(1);
  });

  it('rounds frames up to whole MiB while a consumer runs, and allocates them as asked with none', () => {
    framePool.use(true);
    const frame = framePool.take(3 * 1024 * 1024 + 5);
    expect(frame.length).toBe(3 * 1024 * 1024 + 5);
    expect(frame.buffer.byteLength).toBe(4 * 1024 * 1024);
    framePool.use(false);
    expect(framePool.take(3 * 1024 * 1024 + 5).buffer.byteLength).toBe(3 * 1024 * 1024 + 5);
  });
});
