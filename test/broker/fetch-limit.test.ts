// The broker's own bound on a fetch response (maxFetchBytes, Kafka's fetch.max.bytes): a client asking
// for more gets at most that much, except that a partition's first batch is always returned whole.
import { afterAll, afterEach, expect, it } from 'vitest';
import { DEFAULT_MAX_FETCH_BYTES, resolveBrokerConfig } from '../../src/broker/config.js';
import { FetchApi } from '../../src/protocol/index.js';
import { batchOf, createTopic, produce, recordsOf, startBroker, type TestBroker } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

let t: TestBroker | undefined;
afterEach(async () => t?.stop());
afterAll(removeTempDirs);

const askEverything = (fetchOffset = 0) => ({
  maxWaitMs: 0,
  minBytes: 1,
  maxBytes: 0x7fff_ffff,
  isolationLevel: 0,
  topics: [
    {
      name: 'big',
      partitions: [0, 1].map((partition) => ({ partition, fetchOffset, partitionMaxBytes: 0x7fff_ffff })),
    },
  ],
});

it('defaults to 50 MiB and refuses nonsense', () => {
  expect(resolveBrokerConfig({ dataDir: '/tmp/x' }).maxFetchBytes).toBe(DEFAULT_MAX_FETCH_BYTES);
  expect(DEFAULT_MAX_FETCH_BYTES).toBe(50 * 1024 * 1024);
  expect(() => resolveBrokerConfig({ dataDir: '/tmp/x', maxFetchBytes: 0 })).toThrow(/maxFetchBytes must be between 1/);
});

it('clamps maxBytes and partitionMaxBytes to maxFetchBytes, but returns a first batch whole', async () => {
  t = await startBroker({ maxFetchBytes: 10_000 });
  const client = await t.client();
  await createTopic(client, 'big', 2);
  const value = 'x'.repeat(3000); // one ~3 KB batch per produce
  for (let i = 0; i < 10; i++) await produce(client, 'big', 0, batchOf([value]));
  for (let i = 0; i < 10; i++) await produce(client, 'big', 1, batchOf([value]));

  const res = await client.request(FetchApi, askEverything());
  const [p0, p1] = res.topics[0]!.partitions;
  const sizes = [p0!, p1!].map((p) => p.records.reduce((n, c) => n + c.length, 0));
  // Without the cap the client would get all 20 batches (~60 KB).
  expect(sizes[0]! + sizes[1]!).toBeLessThanOrEqual(10_000);
  expect((await recordsOf(p0!)).length).toBe(3);
  expect(p1!.records).toEqual([]); // the budget is spent: answered empty, with its watermark
  expect(p1!.highWatermark).toBe(10);

  // One batch larger than the cap still comes back whole, so a consumer always makes progress.
  await produce(client, 'big', 0, batchOf(['y'.repeat(30_000)]));
  const huge = await client.request(FetchApi, askEverything(10));
  const records = await recordsOf(huge.topics[0]!.partitions[0]!);
  expect(records.map((r) => r.value?.length)).toEqual([30_000]);
});
