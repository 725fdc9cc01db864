// kafkajs 2.2.4 from npm, unmodified, against the Kafka listener: producer (plain and idempotent), a
// consumer group with eachBatch, and the admin calls users reach for.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { type KafkaTestBroker, startKafkaBroker, until } from './helpers.js';

const kafkajs = createRequire(import.meta.url)('kafkajs') as any;

let b: KafkaTestBroker;
let kafka: any;

beforeAll(async () => {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  b = await startKafkaBroker();
  kafka = new kafkajs.Kafka({
    clientId: 'kafkajs-test',
    brokers: [b.bootstrap],
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { initialRetryTime: 50, retries: 5 },
  });
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

describe('kafkajs 2.2.4 against the Kafka listener', () => {
  it('admin creates a topic (TOPIC_ALREADY_EXISTS the second time), lists and deletes it', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'made', numPartitions: 3 }] })).toBe(true);
      expect(await admin.createTopics({ topics: [{ topic: 'made', numPartitions: 3 }] })).toBe(false);
      // Like Kafka, the topic list holds the internal offsets topic too.
      expect(await admin.listTopics()).toEqual(expect.arrayContaining(['made', '__consumer_offsets']));
      const meta = await admin.fetchTopicMetadata({ topics: ['made'] });
      expect(meta.topics[0].partitions).toHaveLength(3);
      await admin.deleteTopics({ topics: ['made'] });
      expect(await admin.listTopics()).not.toContain('made');
    } finally {
      await admin.disconnect();
    }
  });

  it('an idempotent producer sends keyed messages with headers; a group consumer reads them with eachBatch', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 2 }] });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const sent = Array.from({ length: 20 }, (_, i) => ({
      key: `key-${i % 5}`,
      value: `order-${i}`,
      headers: { source: 'kafkajs', n: String(i) },
    }));
    const results = await producer.send({
      topic: 'orders',
      messages: sent,
      compression: kafkajs.CompressionTypes.GZIP,
    });
    expect(results.every((r: { errorCode: number }) => r.errorCode === 0)).toBe(true);
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'order-readers', heartbeatInterval: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    const seen: Array<{
      partition: number;
      offset: string;
      key: string;
      value: string;
      headers: Record<string, string>;
    }> = [];
    await consumer.run({
      eachBatch: async ({ batch }: { batch: { partition: number; messages: any[] } }) => {
        for (const m of batch.messages) {
          seen.push({
            partition: batch.partition,
            offset: m.offset,
            key: m.key.toString(),
            value: m.value.toString(),
            headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, String(v)])),
          });
        }
      },
    });
    await until(() => seen.length >= 20, 20_000, 'all 20 messages');
    await consumer.disconnect();
    expect(seen.map((m) => m.value).sort()).toEqual(sent.map((m) => m.value).sort());
    for (const m of seen) {
      const i = Number(m.value.slice('order-'.length));
      expect(m.key).toBe(`key-${i % 5}`);
      expect(m.headers).toEqual({ source: 'kafkajs', n: String(i) });
    }
    // Offsets are dense per partition and a key always lands on one partition.
    for (const p of [0, 1]) {
      const offsets = seen.filter((m) => m.partition === p).map((m) => Number(m.offset));
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
    const keyPartitions = new Map<string, Set<number>>();
    for (const m of seen) keyPartitions.set(m.key, (keyPartitions.get(m.key) ?? new Set()).add(m.partition));
    for (const parts of keyPartitions.values()) expect(parts.size).toBe(1);

    // The group committed what it consumed (the disconnect commits): fetchOffsets shows the log ends.
    const committed = await admin.fetchOffsets({ groupId: 'order-readers', topics: ['orders'] });
    const ends = await admin.fetchTopicOffsets('orders');
    for (const p of committed[0].partitions) {
      expect(p.offset).toBe(ends.find((e: { partition: number }) => e.partition === p.partition).high);
    }
    const described = await admin.describeGroups(['order-readers']);
    expect(described.groups[0]).toMatchObject({ groupId: 'order-readers', state: 'Empty', protocolType: 'consumer' });
    expect((await admin.listGroups()).groups).toContainEqual({ groupId: 'order-readers', protocolType: 'consumer' });
    await admin.disconnect();
  });

  it('admin: fetchTopicOffsets, fetchTopicOffsetsByTimestamp, resetOffsets, createPartitions, deleteTopicRecords, deleteGroups', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    await producer.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'ledger', numPartitions: 1 }] });
      const first = Date.now();
      await producer.send({ topic: 'ledger', messages: [{ value: 'a', timestamp: String(first) }] });
      await producer.send({ topic: 'ledger', messages: [{ value: 'b', timestamp: String(first + 1000) }] });
      await producer.send({ topic: 'ledger', messages: [{ value: 'c', timestamp: String(first + 2000) }] });

      expect(await admin.fetchTopicOffsets('ledger')).toEqual([{ partition: 0, offset: '3', high: '3', low: '0' }]);
      expect(await admin.fetchTopicOffsetsByTimestamp('ledger', first + 1000)).toEqual([{ partition: 0, offset: '1' }]);
      // After the last record: the end of the log, as Kafka answers.
      expect(await admin.fetchTopicOffsetsByTimestamp('ledger', first + 60_000)).toEqual([
        { partition: 0, offset: '3' },
      ]);

      await admin.setOffsets({ groupId: 'ledger-group', topic: 'ledger', partitions: [{ partition: 0, offset: '2' }] });
      expect(await admin.fetchOffsets({ groupId: 'ledger-group', topics: ['ledger'] })).toEqual([
        { topic: 'ledger', partitions: [{ partition: 0, offset: '2', metadata: null }] },
      ]);
      await admin.resetOffsets({ groupId: 'ledger-group', topic: 'ledger', earliest: true });
      const reset = await admin.fetchOffsets({ groupId: 'ledger-group', topics: ['ledger'] });
      expect(reset[0].partitions[0].offset).toBe('0');

      await admin.deleteTopicRecords({ topic: 'ledger', partitions: [{ partition: 0, offset: '1' }] });
      expect(await admin.fetchTopicOffsets('ledger')).toEqual([{ partition: 0, offset: '3', high: '3', low: '1' }]);

      await admin.createPartitions({ topicPartitions: [{ topic: 'ledger', count: 3 }] });
      expect(await admin.fetchTopicOffsets('ledger')).toHaveLength(3);

      const configs = await admin.describeConfigs({
        resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'ledger' }],
        includeSynonyms: false,
      });
      const names = configs.resources[0].configEntries.map((e: { configName: string }) => e.configName);
      expect(names).toEqual(expect.arrayContaining(['retention.ms', 'segment.bytes', 'max.message.bytes']));
      await admin.alterConfigs({
        resources: [
          {
            type: kafkajs.ConfigResourceTypes.TOPIC,
            name: 'ledger',
            configEntries: [{ name: 'retention.ms', value: '3600000' }],
          },
        ],
      });
      const altered = await admin.describeConfigs({
        resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'ledger', configNames: ['retention.ms'] }],
        includeSynonyms: false,
      });
      expect(altered.resources[0].configEntries[0]).toMatchObject({
        configName: 'retention.ms',
        configValue: '3600000',
      });

      await admin.deleteGroups(['ledger-group']);
      expect((await admin.listGroups()).groups.map((g: { groupId: string }) => g.groupId)).not.toContain(
        'ledger-group',
      );
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
