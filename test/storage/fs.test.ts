// nodeFs file handles: small writes take a synchronous pwrite, large ones the thread pool; both must
// land at their position, in order, and report errors as rejected promises.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeFs } from '../../storage/index.js';

describe('nodeFs file handle writes', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-fs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes small and large buffers at their positions', async () => {
    const path = join(dir, 'f.log');
    const fh = await nodeFs.open(path, 'w+');
    const small = Buffer.alloc(100, 1);
    const large = Buffer.alloc(200 * 1024, 2);
    const tail = Buffer.alloc(10, 3);
    await fh.write(small, 0);
    await fh.write(large, small.length);
    await fh.write(tail, small.length + large.length);
    await fh.close();
    expect((await readFile(path)).equals(Buffer.concat([small, large, tail]))).toBe(true);
  });

  it('rejects (does not throw synchronously) when a small write fails', async () => {
    const fh = await nodeFs.open(join(dir, 'g.log'), 'w+');
    await fh.close();
    const result = fh.write(Buffer.alloc(10), 0);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toThrow();
  });
});
