// The consumer's allocator primer (src/client/consumer/allocator-primer.ts): one untouched block allocated
// and dropped once per process, whatever number of consumers start.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PRIMER_BYTES } from '../../src/client/consumer/allocator-primer.js';

// Test files may share a worker: each test gets the module fresh, as a new process would.
beforeEach(() => vi.resetModules());
afterEach(() => vi.restoreAllMocks());

describe('allocator primer', () => {
  it('allocates its block the first time only', async () => {
    const { primeAllocator } = await import('../../src/client/consumer/allocator-primer.js');
    const allocate = vi.spyOn(Buffer, 'allocUnsafeSlow');
    primeAllocator();
    primeAllocator();
    const primers = allocate.mock.calls.filter(([bytes]) => bytes === PRIMER_BYTES);
    expect(primers).toHaveLength(1);
  });

  it('leaves the block untouched: the process does not grow by its size', async () => {
    const { primeAllocator } = await import('../../src/client/consumer/allocator-primer.js');
    const before = process.memoryUsage().rss;
    primeAllocator();
    expect(process.memoryUsage().rss - before).toBeLessThan(PRIMER_BYTES / 2);
  });
});
