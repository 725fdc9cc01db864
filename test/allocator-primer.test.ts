// The allocator primer (src/allocator-primer.ts): one untouched block allocated and dropped once per process,
// whatever number of consumers start or requests arrive; a broker primes on its first request frame that
// glibc would map.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_MMAP_THRESHOLD_BYTES, PRIMER_BYTES } from '../src/allocator-primer.js';

// Test files may share a worker: each test gets the modules fresh, as a new process would.
beforeEach(() => vi.resetModules());
afterEach(() => vi.restoreAllMocks());

describe('allocator primer', () => {
  it('allocates its block the first time only', async () => {
    const { primeAllocator } = await import('../src/allocator-primer.js');
    const allocate = vi.spyOn(Buffer, 'allocUnsafeSlow');
    primeAllocator();
    primeAllocator();
    const primers = allocate.mock.calls.filter(([bytes]) => bytes === PRIMER_BYTES);
    expect(primers).toHaveLength(1);
  });

  it('leaves the block untouched: the process does not grow by its size', async () => {
    const { primeAllocator } = await import('../src/allocator-primer.js');
    const before = process.memoryUsage().rss;
    primeAllocator();
    expect(process.memoryUsage().rss - before).toBeLessThan(PRIMER_BYTES / 2);
  });

  it('primes before the first block glibc would map, not before smaller ones', async () => {
    const { allocateLarge, allocatorPrimed } = await import('../src/allocator-primer.js');
    expect(allocateLarge(DEFAULT_MMAP_THRESHOLD_BYTES - 1)).toHaveLength(DEFAULT_MMAP_THRESHOLD_BYTES - 1);
    expect(allocatorPrimed()).toBe(false);
    expect(allocateLarge(DEFAULT_MMAP_THRESHOLD_BYTES)).toHaveLength(DEFAULT_MMAP_THRESHOLD_BYTES);
    expect(allocatorPrimed()).toBe(true);
  });

  it('a broker primes on its first large produce request, not for small ones, and stores every record', async () => {
    const { startBroker, createTopic, produce, batchOf, readAll } = await import('./helpers/broker.js');
    const { allocatorPrimed } = await import('../src/allocator-primer.js');
    const t = await startBroker();
    try {
      const client = await t.client();
      await createTopic(client, 'primed');
      expect((await produce(client, 'primed', 0, batchOf(['small']))).errorCode).toBe(0);
      expect(allocatorPrimed()).toBe(false);
      // ~200 KiB: more than one socket read, so the frame gets a buffer of its own.
      const values = Array.from({ length: 200 }, (_, i) => `${i}:`.padEnd(1024, 'x'));
      for (let round = 0; round < 3; round++)
        expect((await produce(client, 'primed', 0, batchOf(values))).errorCode).toBe(0);
      expect(allocatorPrimed()).toBe(true);
      const stored = await readAll(client, 'primed', 0);
      expect(stored.map((r) => r.value!.toString())).toEqual(['small', ...values, ...values, ...values]);
    } finally {
      await t.stop();
    }
  });
});
