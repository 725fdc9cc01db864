// @platformatic/kafka (a modern pure-JS client that speaks only flexible versions: Metadata v9+, Fetch
// v12+, JoinGroup v6+, OffsetFetch v8+ and so on) from npm, unmodified, against the Kafka listener: admin
// creates a topic, a producer sends keyed records with headers, a consumer group reads them back and
// commits, and two consumers of one group share the partitions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin, Consumer, type Message, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { sdkClient } from '../../client/helpers.js';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { type KafkaTestBroker, startKafkaBroker, until } from './helpers.js';

let b: KafkaTestBroker;

beforeAll(async () => {
  b = await startKafkaBroker({ groups: { initialRebalanceDelayMs: 300 } });
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

type StringMessage = Message<string, string, string, string>;

function consumer(groupId: string, clientId: string) {
  return new Consumer({
    groupId,
    clientId,
    bootstrapBrokers: [b.bootstrap],
    deserializers: stringDeserializers,
    sessionTimeout: 6000,
    heartbeatInterval: 200,
    maxWaitTime: 100,
  });
}

describe('@platformatic/kafka against the Kafka listener', () => {
  it('admin creates a topic; a producer sends keyed records with headers; a group consumer reads and commits them', {
    timeout: 60_000,
  }, async () => {
    const admin = new Admin({ clientId: 'plat-admin', bootstrapBrokers: [b.bootstrap] });
    const created = await admin.createTopics({ topics: ['plat-orders'], partitions: 3, replicas: 1 });
    expect(created.map((t) => [t.name, t.partitions])).toEqual([['plat-orders', 3]]);
    const metadata = await admin.metadata({ topics: ['plat-orders'] });
    expect(metadata.topics.get('plat-orders')?.partitionsCount).toBe(3);
    await admin.close();

    const producer = new Producer({
      clientId: 'plat-producer',
      bootstrapBrokers: [b.bootstrap],
      serializers: stringSerializers,
    });
    const sent = await producer.send({
      messages: Array.from({ length: 30 }, (_, i) => ({
        topic: 'plat-orders',
        key: `key-${i % 5}`,
        value: `value-${i}`,
        headers: new Map([['n', String(i)]]),
      })),
    });
    expect(sent.offsets?.length).toBeGreaterThan(0);
    await producer.close();

    const c = consumer('plat-group', 'plat-consumer');
    const stream = await c.consume({ topics: ['plat-orders'], mode: 'earliest', autocommit: 100 });
    const got: StringMessage[] = [];
    stream.on('data', (m: StringMessage) => got.push(m));
    try {
      await until(() => got.length >= 30, 30_000, 'the 30 records consumed');
      expect(got.map((m) => m.value).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `value-${i}`).sort());
      for (const m of got) {
        const i = Number(m.value.slice('value-'.length));
        expect(m.key).toBe(`key-${i % 5}`);
        expect([...m.headers]).toEqual([['n', String(i)]]);
      }
      // The same key always landed on the same partition (Kafka's murmur2 partitioner on both sides).
      const partitionOfKey = new Map<string, Set<number>>();
      for (const m of got) partitionOfKey.set(m.key, (partitionOfKey.get(m.key) ?? new Set()).add(m.partition));
      for (const parts of partitionOfKey.values()) expect(parts.size).toBe(1);
      // Offsets within a partition are dense from 0.
      for (const p of [0, 1, 2]) {
        const offsets = got.filter((m) => m.partition === p).map((m) => Number(m.offset));
        expect(offsets).toEqual(offsets.map((_, i) => i));
      }
      // The group committed what it consumed (seen through Sluice's own SDK, as `sluice groups lag` does).
      const sdkAdmin = sdkClient(b.port).admin();
      await sdkAdmin.connect();
      try {
        const deadline = Date.now() + 20_000;
        for (;;) {
          const lag = await sdkAdmin.fetchGroupLag({ groupId: 'plat-group', topics: ['plat-orders'] });
          if (lag.totalLag === 0 && lag.topics[0]?.partitions.length === 3) break;
          if (Date.now() > deadline) throw new Error(`plat-group never committed everything: ${JSON.stringify(lag)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await sdkAdmin.disconnect();
      }
    } finally {
      await stream.close();
      await c.close(true);
    }
  });

  it('two consumers of one group share the partitions and every record is read once', { timeout: 60_000 }, async () => {
    const admin = new Admin({ clientId: 'plat-admin', bootstrapBrokers: [b.bootstrap] });
    await admin.createTopics({ topics: ['plat-shared'], partitions: 4, replicas: 1 });
    await admin.close();
    const members = [consumer('plat-shared-group', 'plat-a'), consumer('plat-shared-group', 'plat-b')];
    const got = new Map<string, StringMessage[]>([
      ['plat-a', []],
      ['plat-b', []],
    ]);
    const streams = await Promise.all(
      members.map(async (m) => {
        const stream = await m.consume({ topics: ['plat-shared'], mode: 'earliest', autocommit: 100 });
        stream.on('data', (msg: StringMessage) => got.get(m.clientId)!.push(msg));
        return stream;
      }),
    );
    try {
      await until(
        () => members.every((m) => (m.assignments?.flatMap((a) => a.partitions).length ?? 0) === 2),
        30_000,
        'both consumers to get two partitions each',
      );
      const producer = new Producer({
        clientId: 'plat-producer',
        bootstrapBrokers: [b.bootstrap],
        serializers: stringSerializers,
      });
      await producer.send({
        messages: Array.from({ length: 40 }, (_, i) => ({ topic: 'plat-shared', key: `k${i}`, value: `v${i}` })),
      });
      await producer.close();
      const all = () => [...got.values()].flat();
      await until(() => all().length >= 40, 30_000, 'the 40 records consumed');
      expect(
        all()
          .map((m) => m.value)
          .sort(),
      ).toEqual(Array.from({ length: 40 }, (_, i) => `v${i}`).sort());
      const partitionsOf = (id: string) => new Set(got.get(id)!.map((m) => m.partition));
      const a = partitionsOf('plat-a');
      expect([...partitionsOf('plat-b')].filter((p) => a.has(p))).toEqual([]);
      expect(got.get('plat-a')!.length).toBeGreaterThan(0);
      expect(got.get('plat-b')!.length).toBeGreaterThan(0);
    } finally {
      for (const s of streams) await s.close();
      for (const m of members) await m.close(true);
    }
  });
});
