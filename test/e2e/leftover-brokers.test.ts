// A test that times out before its cleanup must not leave a `sluice serve` child running after the run: the
// setup file kills what the test file left. This checks the killing itself on a real broker process.
import { afterAll, describe, expect, it } from 'vitest';
import { killTrackedChildren } from '../helpers/child-reaper.js';
import { startSluice } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

afterAll(removeTempDirs);

describe('brokers a test file leaves running', () => {
  it('are SIGKILLed, and only those still running', async () => {
    const stopped = await startSluice(['--data-dir', await tempDir('sluice-leftover-'), '--port', '0', '--no-http']);
    await stopped.kill();
    const left = await startSluice(['--data-dir', await tempDir('sluice-leftover-'), '--port', '0', '--no-http']);
    expect(await killTrackedChildren()).toBe(1);
    expect(await left.exited).toBe('SIGKILL');
  });
});
