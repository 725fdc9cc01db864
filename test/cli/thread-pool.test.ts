// `sluice serve` sizes libuv's thread pool (its file work: fsyncs, large appends, segment reads) before Node
// loads the broker's modules (cli/launcher.cjs), and keeps a size the user set in UV_THREADPOOL_SIZE. What an
// operator would see with `ps -T`: the broker's thread count.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startSluice } from '../helpers/sluice-process.js';
import { tempDir } from '../helpers/temp-dir.js';

async function brokerThreads(env?: Record<string, string>): Promise<number> {
  const broker = await startSluice(['--data-dir', await tempDir(), '--port', '0', '--no-http'], 20_000, { env });
  try {
    return readdirSync(`/proc/${broker.child.pid}/task`).length;
  } finally {
    await broker.kill();
  }
}

describe('the broker thread pool', () => {
  it('has 16 threads unless UV_THREADPOOL_SIZE says otherwise', async () => {
    const byDefault = await brokerThreads({ UV_THREADPOOL_SIZE: '' }); // unset, whatever this runner's env says
    const usersFour = await brokerThreads({ UV_THREADPOOL_SIZE: '4' });
    // The same process but for the pool: 16 threads against the 4 the user asked for.
    expect(byDefault - usersFour).toBe(12);
  });
});
