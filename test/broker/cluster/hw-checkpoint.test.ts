// The high-watermark checkpoint remembers which partitions this broker held a replica of (a moved replica is
// recognised after a restart), and forgets one whose replica left, at the next write.
import { afterAll, describe, expect, it } from 'vitest';
import { HighWatermarkCheckpoint } from '../../../src/broker/cluster/hw-checkpoint.js';
import { nodeFs } from '../../../storage/index.js';
import { removeTempDirs, tempDir } from '../../helpers/temp-dir.js';

afterAll(removeTempDirs);

describe('HighWatermarkCheckpoint', () => {
  it('remembers held partitions across a reopen and forgets a moved one at the next write', async () => {
    const dir = await tempDir('sluice-hw-');
    const first = await HighWatermarkCheckpoint.open(nodeFs, dir);
    await first.write([
      { topic: 'orders', partition: 0, highWatermark: 12 },
      { topic: 'orders', partition: 1, highWatermark: 7 },
    ]);

    const reopened = await HighWatermarkCheckpoint.open(nodeFs, dir);
    expect(reopened.has('orders', 0)).toBe(true);
    expect(reopened.get('orders', 1)).toBe(7);
    expect(reopened.has('orders', 2)).toBe(false);

    reopened.forget('orders', 1);
    expect(reopened.has('orders', 1)).toBe(false);
    await reopened.write([{ topic: 'orders', partition: 0, highWatermark: 12 }]);
    const after = await HighWatermarkCheckpoint.open(nodeFs, dir);
    expect(after.has('orders', 1)).toBe(false);
    expect(after.get('orders', 0)).toBe(12);
  });

  it('a forgotten partition given back before the next write is kept', async () => {
    const dir = await tempDir('sluice-hw-');
    const checkpoint = await HighWatermarkCheckpoint.open(nodeFs, dir);
    await checkpoint.write([{ topic: 'orders', partition: 0, highWatermark: 3 }]);
    checkpoint.forget('orders', 0);
    await checkpoint.write([{ topic: 'orders', partition: 0, highWatermark: 5 }]);
    expect((await HighWatermarkCheckpoint.open(nodeFs, dir)).get('orders', 0)).toBe(5);
  });
});
