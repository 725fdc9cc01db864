// The producer id allocator on its own: a cluster block source that cannot reserve (etcd unreachable) is a
// retriable ProducerIdError, nothing is handed out meanwhile, and the next call reserves again; an unwritable
// mark is a storage failure.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProducerIdError } from '../../src/broker/registries/errors.js';
import { ProducerIdAllocator, type ProducerIdBlockSource } from '../../src/broker/registries/producer-ids.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

afterAll(removeTempDirs);

class FlakyBlocks implements ProducerIdBlockSource {
  reachable = false;
  issuedBelow = 0;
  async reserve(floor: number, size: number): Promise<number> {
    if (!this.reachable) throw new Error('etcd at http://127.0.0.1:1 is unreachable');
    const start = Math.max(floor, 5000);
    this.issuedBelow = start + size;
    return start;
  }
}

describe('ProducerIdAllocator', () => {
  it('answers an unreachable block source with a retriable error and reserves once it is back', async () => {
    const blocks = new FlakyBlocks();
    const allocator = new ProducerIdAllocator(await tempDir('sluice-pid-'), undefined, 10, blocks);
    const failure = await allocator.allocate().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ProducerIdError);
    expect(failure).toMatchObject({ problem: 'blocks-unavailable' });
    expect((failure as Error).message).toContain('etcd at http://127.0.0.1:1 is unreachable');
    expect(allocator.wasIssued(0)).toBe(false);

    blocks.reachable = true;
    expect(await allocator.allocate()).toBe(5000);
    expect(await allocator.allocate()).toBe(5001);
  });

  it('answers a mark it cannot store with a storage failure', async () => {
    const dir = await tempDir('sluice-pid-');
    // `__internal` is a file, so the mark's directory cannot be made.
    await writeFile(join(dir, '__internal'), 'not a directory');
    const failure = await new ProducerIdAllocator(dir).allocate().catch((err: unknown) => err);
    expect(failure).toMatchObject({ name: 'ProducerIdError', problem: 'storage-failed' });
  });
});
