import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '../../storage/index.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('mapWithConcurrency', () => {
  it('keeps at most `limit` calls in flight and returns results in item order', async () => {
    let running = 0;
    let peak = 0;
    const items = Array.from({ length: 50 }, (_, i) => i);
    const results = await mapWithConcurrency(items, 4, async (n) => {
      running++;
      peak = Math.max(peak, running);
      for (let i = 0; i < (n % 3) + 1; i++) await tick();
      running--;
      return n * 2;
    });
    expect(results).toEqual(items.map((n) => n * 2));
    expect(peak).toBe(4);
  });

  it('starts nothing after the first failure, lets running calls settle, and rejects with that failure', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = mapWithConcurrency(
      Array.from({ length: 20 }, (_, i) => i),
      3,
      async (n) => {
        started.push(n);
        await tick();
        if (n === 1) throw new Error('disk on fire');
        await tick();
        settled++;
        return n;
      },
    );
    await expect(run).rejects.toThrow('disk on fire');
    expect(started).toEqual([0, 1, 2]);
    expect(settled).toBe(2);
  });

  it('handles an empty list', async () => {
    expect(await mapWithConcurrency([], 8, async () => 1)).toEqual([]);
  });
});
