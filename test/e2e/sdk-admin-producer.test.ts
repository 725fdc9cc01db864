// Admin calls, concurrent-send ordering and reconnection against a real in-process broker.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigResourceTypes, type Sluice } from '../../src/client/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { collect, LogSink, sdkClient, startSdkBroker, str, waitFor, type SdkBroker } from '../client/helpers.js';

let b: SdkBroker;
let sluice: Sluice;

beforeEach(async () => {
  b = await startSdkBroker();
  sluice = sdkClient(b.port);
});
afterEach(async () => b.stop());
afterAll(removeTempDirs);

describe('SDK admin', () => {
  it('creates, lists, describes, configures and deletes topics', async () => {
    const admin = sluice.admin();
    await admin.connect();
    expect(
      await admin.createTopics({
        topics: [{ topic: 'a', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '60000' }] }],
      }),
    ).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'a', numPartitions: 3 }] })).toBe(false); // existed
    expect(await admin.listTopics()).toContain('a');

    const { topics } = await admin.fetchTopicMetadata({ topics: ['a'] });
    expect(topics).toHaveLength(1);
    expect(topics[0]!.name).toBe('a');
    expect(topics[0]!.partitions.map((p) => p.partitionId)).toEqual([0, 1, 2]);
    expect(topics[0]!.partitions[0]).toMatchObject({
      partitionErrorCode: 0,
      leader: expect.any(Number),
      replicas: expect.any(Array),
      isr: expect.any(Array),
    });

    const described = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'a', configNames: ['retention.ms'] }],
      includeSynonyms: false,
    });
    expect(described.resources[0]).toMatchObject({
      resourceName: 'a',
      resourceType: ConfigResourceTypes.TOPIC,
      errorCode: 0,
    });
    expect(described.resources[0]!.configEntries).toEqual([
      expect.objectContaining({ configName: 'retention.ms', configValue: '60000', isDefault: false, configSource: 1 }),
    ]);

    const altered = await admin.alterConfigs({
      validateOnly: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: 'a', configEntries: [{ name: 'retention.ms', value: '120000' }] },
      ],
    });
    expect(altered.resources).toEqual([
      { errorCode: 0, errorMessage: '', resourceName: 'a', resourceType: ConfigResourceTypes.TOPIC },
    ]);
    const after = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'a', configNames: ['retention.ms'] }],
      includeSynonyms: false,
    });
    expect(after.resources[0]!.configEntries[0]!.configValue).toBe('120000');

    await admin.deleteTopics({ topics: ['a'] });
    expect(await admin.listTopics()).not.toContain('a');
    await admin.disconnect();
  });

  it('reports offsets per partition, by position and by timestamp', async () => {
    const admin = sluice.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'o', numPartitions: 2 }] });
    const producer = sluice.producer();
    await producer.connect();
    const t0 = 1_700_000_000_000;
    await producer.send({
      topic: 'o',
      messages: [0, 1, 2].map((i) => ({ partition: 0, value: `x${i}`, timestamp: String(t0 + i * 10) })),
    });
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets('o');
    expect(offsets.sort((x, y) => x.partition - y.partition)).toEqual([
      { partition: 0, offset: '3', high: '3', low: '0' },
      { partition: 1, offset: '0', high: '0', low: '0' },
    ]);
    const byTime = await admin.fetchTopicOffsetsByTimestamp('o', t0 + 15);
    expect(byTime.sort((x, y) => x.partition - y.partition)).toEqual([
      { partition: 0, offset: '2' },
      { partition: 1, offset: '0' }, // no record that recent: the high watermark
    ]);
    await admin.disconnect();
  });
});

describe('SDK producer against the broker', () => {
  it('stores concurrent sends to a partition in call order', async () => {
    const producer = sluice.producer();
    await producer.connect();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 2000; i++) {
      sends.push(
        producer.send({
          topic: 'ordered',
          messages: [
            { key: 'same-key', value: String(i) },
            { key: 'same-key', value: `${i}b` },
          ],
        }),
      );
      if (i % 97 === 0) await new Promise((r) => setImmediate(r)); // let requests go out between sends
    }
    const results = (await Promise.all(sends)) as Array<Array<{ baseOffset: string; partition: number }>>;
    // each send's records got consecutive offsets, in call order
    results.forEach((r, i) => {
      expect(r[0]!.baseOffset).toBe(String(2 * i));
    });
    await producer.disconnect();
    const consumer = sluice.consumer({ maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['ordered'], fromBeginning: true });
    const got = await collect(consumer, 4000);
    await consumer.disconnect();
    expect(got.map((g) => str(g.message.value))).toEqual(
      Array.from({ length: 2000 }, (_, i) => [String(i), `${i}b`]).flat(),
    );
  });

  it('reconnects after a broker restart and retries the sends made while it was down', async () => {
    const logs = new LogSink();
    const producer = sdkClient(b.port, { logs }).producer();
    await producer.connect();
    await producer.send({ topic: 'r', messages: [{ value: 'before' }] });
    await b.stop();
    const sent = producer.send({ topic: 'r', messages: [{ value: 'during' }] }); // broker is down
    await waitFor(() => logs.has(/produce failed, will retry/), {
      message: 'the send to fail against the stopped broker',
    });
    b = await startSdkBroker({ dataDir: b.dataDir, port: b.port });
    const [result] = await sent;
    expect(result).toMatchObject({ topicName: 'r', partition: 0, errorCode: 0, baseOffset: '1' });
    await producer.send({ topic: 'r', messages: [{ value: 'after' }] });
    await producer.disconnect();
    const consumer = sluice.consumer({ maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['r'], fromBeginning: true });
    const got = await collect(consumer, 3);
    await consumer.disconnect();
    expect(got.map((g) => str(g.message.value))).toEqual(['before', 'during', 'after']);
  });
});
