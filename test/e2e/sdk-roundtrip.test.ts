// Produce → consume round trips through a real in-process broker.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompressionTypes, type Sluice } from '../../src/client/index.js';
import { partitionForKey } from '../../src/records/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { collect, sdkClient, startSdkBroker, str, type SdkBroker } from '../client/helpers.js';

let b: SdkBroker;
let sluice: Sluice;

beforeEach(async () => {
  b = await startSdkBroker();
  sluice = sdkClient(b.port);
});
afterEach(async () => b.stop());
afterAll(removeTempDirs);

async function createTopic(topic: string, numPartitions: number) {
  const admin = sluice.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions }] });
  await admin.disconnect();
}

describe('SDK round trips', () => {
  it('keeps null, empty and large keys, values and headers across partitions', async () => {
    await createTopic('rt', 3);
    const producer = sluice.producer();
    await producer.connect();
    const large = Buffer.alloc(300_000, 7);
    const messages = [
      { partition: 0, key: null, value: null },
      { partition: 1, key: '', value: '' },
      {
        partition: 2,
        key: large,
        value: large,
        headers: { big: large, none: undefined as unknown as null, multi: ['a', 'b'] },
      },
      { partition: 0, key: 'k', value: Buffer.from([0, 1, 2]), headers: {} },
    ];
    const result = await producer.send({ topic: 'rt', messages });
    expect(result.sort((x, y) => x.partition - y.partition)).toEqual([
      { topicName: 'rt', partition: 0, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '0' },
      { topicName: 'rt', partition: 1, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '0' },
      { topicName: 'rt', partition: 2, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '0' },
    ]);
    await producer.disconnect();

    const consumer = sluice.consumer({ maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['rt'], fromBeginning: true });
    const got = await collect(consumer, 4);
    await consumer.disconnect();
    expect(got).toHaveLength(4);
    const byPartition = (p: number) => got.filter((g) => g.partition === p).map((g) => g.message);
    const [nulls, kv] = byPartition(0);
    expect(nulls).toMatchObject({ offset: '0', key: null, value: null, headers: {} });
    expect(kv).toMatchObject({ offset: '1', headers: {} });
    expect(str(kv!.key)).toBe('k');
    expect([...kv!.value!]).toEqual([0, 1, 2]);
    const [empty] = byPartition(1);
    expect(empty!.key!.length).toBe(0);
    expect(empty!.value!.length).toBe(0);
    const [big] = byPartition(2);
    expect(big!.key!.equals(large)).toBe(true);
    expect(big!.value!.equals(large)).toBe(true);
    expect((big!.headers.big as Buffer).equals(large)).toBe(true);
    expect(big!.headers.none).toBeNull();
    expect((big!.headers.multi as Buffer[]).map(str)).toEqual(['a', 'b']);
    expect(Number(big!.timestamp)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('puts every key where murmur2 says', async () => {
    await createTopic('keys', 5);
    const producer = sluice.producer();
    await producer.connect();
    const keys = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const results = await Promise.all(
      keys.map((key) => producer.send({ topic: 'keys', messages: [{ key, value: key }] })),
    );
    for (let i = 0; i < keys.length; i++) {
      expect(results[i]![0]!.partition).toBe(partitionForKey(Buffer.from(keys[i]!), 5));
    }
    await producer.disconnect();
    const consumer = sluice.consumer({ maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'keys', fromBeginning: true });
    const got = await collect(consumer, keys.length);
    await consumer.disconnect();
    for (const g of got) expect(g.partition).toBe(partitionForKey(g.message.key!, 5));
  });

  it('round-trips gzip-compressed batches', async () => {
    await createTopic('gz', 1);
    const producer = sluice.producer();
    await producer.connect();
    const values = Array.from({ length: 500 }, (_, i) => `compressible value ${i} `.repeat(10));
    await producer.send({
      topic: 'gz',
      compression: CompressionTypes.GZIP,
      messages: values.map((value) => ({ value })),
    });
    await producer.disconnect();
    const consumer = sluice.consumer({ maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['gz'], fromBeginning: true });
    const got = await collect(consumer, values.length);
    await consumer.disconnect();
    expect(got.map((g) => str(g.message.value))).toEqual(values);
    expect(got.map((g) => g.message.offset)).toEqual(values.map((_, i) => String(i)));
  });
});
