// Non-dense batches and multi-batch requests against segment limits, through the raw protocol (issue 11,
// item 4). Four 73-byte batches claiming 2^31 offsets each once moved the log end by 8.6 billion inside one
// segment, whose 32-bit relative index then wrapped: after a restart every fetch in it failed. And a request
// of several batches for one partition was rolled for once, writing a 332 KB segment under segment.bytes=65536.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/index.js';
import { batchOf, createTopic, produce, readAll, startBroker, values } from '../helpers/broker.js';
import { rawBatch } from '../helpers/raw-batch.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

afterAll(removeTempDirs);

async function segmentSizes(dir: string): Promise<number[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
  return Promise.all(names.map(async (n) => (await stat(join(dir, n))).size));
}

it('refuses four batches of one record claiming 2^31 offsets each; the log end stays put across a restart', async () => {
  const t = await startBroker();
  const c = await t.client();
  await createTopic(c, 'sparse', 1);
  await produce(c, 'sparse', 0, batchOf(['before']));
  const sparse = Array.from({ length: 4 }, () =>
    rawBatch({ records: [{ value: Buffer.from('hello') }], lastOffsetDelta: 2 ** 31 - 1 }),
  );
  expect(sparse[0]!.length).toBe(73);
  const res = await produce(c, 'sparse', 0, Buffer.concat(sparse));
  expect(res.errorCode).toBe(ErrorCode.INVALID_RECORD);
  expect(res.errorMessage).toMatch(
    /batch 0 \(at byte 0\): its record count 1 does not match lastOffsetDelta 2147483647/,
  );
  expect((await produce(c, 'sparse', 0, batchOf(['after']))).baseOffset).toBe(1);
  await t.stop();
  const again = await startBroker({ dataDir: t.dataDir });
  try {
    expect(values(await readAll(await again.client(), 'sparse', 0))).toEqual(['before', 'after']);
  } finally {
    await again.stop();
  }
});

it('a request of 11 batches (330 KB) for one partition under segment.bytes=65536 writes no segment past 65536', async () => {
  // The broker's default rather than the topic config: clients may not set segment.bytes this low.
  const t = await startBroker({ topicDefaults: { segmentBytes: 65536 } });
  try {
    const c = await t.client();
    await createTopic(c, 'rolled', 1);
    const big = 'x'.repeat(30_000);
    const batches = Array.from({ length: 11 }, (_, i) => batchOf([`${i}:${big}`]));
    const res = await produce(c, 'rolled', 0, Buffer.concat(batches));
    expect(res).toMatchObject({ errorCode: 0, baseOffset: 0 });
    const sizes = await segmentSizes(join(t.dataDir, 'rolled-0'));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(65536);
    expect(sizes.length).toBe(6);
    expect(values(await readAll(c, 'rolled', 0)).map((v) => v!.split(':')[0])).toEqual(
      Array.from({ length: 11 }, (_, i) => String(i)),
    );
  } finally {
    await t.stop();
  }
});
