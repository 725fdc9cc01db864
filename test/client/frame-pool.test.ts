// The frame pool's process-wide step: once frames are allocated and not released (large records, left to
// the collector), it allocates and drops one block just under 32 MiB (glibc then keeps later frames' freed
// pages mapped); frames that come back (small records) never lead to it, and it happens once.
import { describe, expect, it } from 'vitest';
import {
  FRESH_FRAMES_BEFORE_THRESHOLD_BLOCK,
  MALLOC_THRESHOLD_BLOCK_BYTES,
  framePool,
} from '../../src/client/frame-pool.js';

const MiB = 1024 * 1024;

describe('frame pool', () => {
  it('frames released and taken again never lead to the block', () => {
    framePool.use(true);
    for (let i = 0; i < 4 * FRESH_FRAMES_BEFORE_THRESHOLD_BLOCK; i++) framePool.release(framePool.take(2 * MiB + i));
    expect(framePool.reused).toBeGreaterThan(3 * FRESH_FRAMES_BEFORE_THRESHOLD_BLOCK);
    expect(framePool.mallocThresholdBlocks).toBe(0);
    framePool.use(false);
  });

  it('frames left to the collector lead to one block just under 32 MiB, and only one', () => {
    expect(MALLOC_THRESHOLD_BLOCK_BYTES).toBeLessThanOrEqual(32 * MiB);
    expect(MALLOC_THRESHOLD_BLOCK_BYTES).toBeGreaterThan(16 * MiB);
    framePool.use(true);
    for (let i = 0; i < FRESH_FRAMES_BEFORE_THRESHOLD_BLOCK; i++) framePool.take(2 * MiB);
    expect(framePool.allocated).toBeGreaterThanOrEqual(FRESH_FRAMES_BEFORE_THRESHOLD_BLOCK);
    expect(framePool.mallocThresholdBlocks).toBe(1);
    for (let i = 0; i < 2 * FRESH_FRAMES_BEFORE_THRESHOLD_BLOCK; i++) framePool.take(2 * MiB);
    expect(framePool.mallocThresholdBlocks).toBe(1);
    framePool.use(false);
  });

  it('rounds frames up to whole MiB while a consumer runs, and allocates them as asked with none', () => {
    framePool.use(true);
    const frame = framePool.take(3 * MiB + 5);
    expect(frame.length).toBe(3 * MiB + 5);
    expect(frame.buffer.byteLength).toBe(4 * MiB);
    framePool.use(false);
    expect(framePool.take(3 * MiB + 5).buffer.byteLength).toBe(3 * MiB + 5);
  });
});
