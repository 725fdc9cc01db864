// message.timestamp.type=LogAppendTime through Kafka clients and the SDK: the topic config is accepted by
// CreateTopics, AlterConfigs and IncrementalAlterConfigs and shown by DescribeConfigs; the broker stamps each
// batch with the time it appended it, the produce answer carries that time, and every consumer (kafkajs,
// librdkafka, the SDK) reads it as each record's timestamp. Create times outside the topic's timestamp window
// are accepted there, as Kafka accepts them.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkClient } from '../../client/helpers.js';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { type KafkaTestBroker, pythonWithConfluentKafka, run, startKafkaBroker, until } from './helpers.js';

const kafkajs = createRequire(import.meta.url)('kafkajs') as any;
const TOPIC = kafkajs.ConfigResourceTypes.TOPIC as number;
/** A create time far outside any timestamp window: Kafka's LogAppendTime topics ignore it. */
const LONG_AGO = 1000;

let b: KafkaTestBroker;
let kafka: any;

beforeAll(async () => {
  b = await startKafkaBroker();
  kafka = new kafkajs.Kafka({
    clientId: 'log-append-time',
    brokers: [b.bootstrap],
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { initialRetryTime: 50, retries: 3 },
  });
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

async function timestampTypeOf(admin: any, topic: string): Promise<{ value: string; source: number }> {
  const described = await admin.describeConfigs({
    resources: [{ type: TOPIC, name: topic, configNames: ['message.timestamp.type'] }],
    includeSynonyms: false,
  });
  const [entry] = described.resources[0].configEntries;
  return { value: entry.configValue, source: entry.configSource };
}

/** Every message of a one-partition topic as kafkajs's consumer reads it: value and timestamp. */
async function consumeWithKafkajs(topic: string, count: number): Promise<Array<{ value: string; timestamp: string }>> {
  const consumer = kafka.consumer({ groupId: `${topic}-readers`, heartbeatInterval: 200 });
  await consumer.connect();
  const seen: Array<{ value: string; timestamp: string }> = [];
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }: any) => {
        seen.push({ value: message.value.toString(), timestamp: message.timestamp });
      },
    });
    await until(() => seen.length >= count, 20_000, `${count} messages of ${topic}`);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

describe('message.timestamp.type=LogAppendTime', () => {
  it('kafkajs: created with the config, a message from long ago is stamped with its append time', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const created = await admin.createTopics({
        topics: [
          {
            topic: 'stamped-js',
            configEntries: [
              { name: 'message.timestamp.type', value: 'LogAppendTime' },
              // A CreateTime topic would refuse LONG_AGO with this window; a LogAppendTime topic ignores it.
              { name: 'message.timestamp.before.max.ms', value: '60000' },
            ],
          },
        ],
      });
      expect(created).toBe(true);
      expect(await timestampTypeOf(admin, 'stamped-js')).toEqual({ value: 'LogAppendTime', source: 1 });

      const producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
      await producer.connect();
      const before = Date.now();
      const [sent] = await producer.send({
        topic: 'stamped-js',
        messages: ['a', 'b', 'c'].map((value) => ({ value, timestamp: String(LONG_AGO) })),
      });
      const after = Date.now();
      await producer.disconnect();
      expect(sent.errorCode).toBe(0);
      const appendTime = Number(sent.logAppendTime);
      expect(appendTime).toBeGreaterThanOrEqual(before);
      expect(appendTime).toBeLessThanOrEqual(after);

      const seen = await consumeWithKafkajs('stamped-js', 3);
      expect(seen).toEqual(['a', 'b', 'c'].map((value) => ({ value, timestamp: String(appendTime) })));
      // Lookups by time use the append time: nothing was appended at LONG_AGO + 1 or before, all of it after.
      expect(await admin.fetchTopicOffsetsByTimestamp('stamped-js', LONG_AGO + 1)).toEqual([
        { partition: 0, offset: '0' },
      ]);
    } finally {
      await admin.disconnect();
    }
  });

  it('kafkajs AlterConfigs and @platformatic/kafka IncrementalAlterConfigs set it; a wrong value is refused', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const platformatic = new Admin({ clientId: 'incr', bootstrapBrokers: [b.bootstrap] });
    try {
      await admin.createTopics({ topics: [{ topic: 'switched' }] });
      expect(await timestampTypeOf(admin, 'switched')).toEqual({ value: 'CreateTime', source: 5 });
      await admin.alterConfigs({
        resources: [
          {
            type: TOPIC,
            name: 'switched',
            configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
          },
        ],
      });
      expect(await timestampTypeOf(admin, 'switched')).toEqual({ value: 'LogAppendTime', source: 1 });
      await platformatic.incrementalAlterConfigs({
        resources: [
          {
            resourceType: 2,
            resourceName: 'switched',
            configs: [{ name: 'message.timestamp.type', configOperation: 0, value: 'CreateTime' }],
          },
        ],
      });
      expect(await timestampTypeOf(admin, 'switched')).toEqual({ value: 'CreateTime', source: 1 });
      await expect(
        admin.alterConfigs({
          resources: [
            { type: TOPIC, name: 'switched', configEntries: [{ name: 'message.timestamp.type', value: 'AppendTime' }] },
          ],
        }),
      ).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
    } finally {
      await platformatic.close();
      await admin.disconnect();
    }
  });

  it('confluent-kafka-python: delivery reports and the consumer give TIMESTAMP_LOG_APPEND_TIME with the append time', async () => {
    const python = pythonWithConfluentKafka();
    const script = join(import.meta.dirname, 'python', 'log_append_time.py');
    const r = await run(python, [script, b.bootstrap, 'stamped-py'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      described: string;
      before: number;
      after: number;
      reports: Array<{ error: string | null; timestamp: [number, number] }>;
      consumed: Array<{ value: string; timestamp: [number, number] }>;
    };
    expect(out.described).toBe('LogAppendTime');
    const TIMESTAMP_LOG_APPEND_TIME = 2; // confluent_kafka's constant
    expect(out.reports).toHaveLength(3);
    for (const report of out.reports) {
      expect(report.error).toBeNull();
      expect(report.timestamp[0]).toBe(TIMESTAMP_LOG_APPEND_TIME);
      expect(report.timestamp[1]).toBeGreaterThanOrEqual(out.before);
      expect(report.timestamp[1]).toBeLessThanOrEqual(out.after);
    }
    const stamped = new Map(out.reports.map((d) => [d.timestamp[1], true]));
    expect(out.consumed.map((m) => m.value)).toEqual(['v0', 'v1', 'v2']);
    for (const m of out.consumed) {
      expect(m.timestamp[0]).toBe(TIMESTAMP_LOG_APPEND_TIME);
      expect(stamped.has(m.timestamp[1])).toBe(true);
    }
  });

  it('the SDK: send() answers the append time, consumers read it; switched back to CreateTime, new records keep theirs', async () => {
    const client = sdkClient(b.port);
    const admin = client.admin();
    await admin.connect();
    const producer = client.producer();
    await producer.connect();
    try {
      await admin.createTopics({
        topics: [{ topic: 'stamped-sdk', configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }],
      });
      const [stamped] = await producer.send({
        topic: 'stamped-sdk',
        messages: [{ value: 'stamped', timestamp: String(LONG_AGO) }],
      });
      expect(Number(stamped!.logAppendTime)).toBeGreaterThan(LONG_AGO);
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: TOPIC,
            name: 'stamped-sdk',
            configEntries: [{ name: 'message.timestamp.type', value: 'CreateTime' }],
          },
        ],
      });
      const createdAt = String(Date.now() - 5000);
      const [created] = await producer.send({
        topic: 'stamped-sdk',
        messages: [{ value: 'created', timestamp: createdAt }],
      });
      expect(created!.logAppendTime).toBe('-1');

      const consumer = client.consumer({ groupId: 'stamped-sdk-readers' });
      await consumer.connect();
      const seen: Array<{ value: string; timestamp: string }> = [];
      try {
        await consumer.subscribe({ topics: ['stamped-sdk'], fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            seen.push({ value: message.value!.toString(), timestamp: message.timestamp });
          },
        });
        await until(() => seen.length >= 2, 20_000, 'both messages');
      } finally {
        await consumer.disconnect();
      }
      expect(seen).toEqual([
        { value: 'stamped', timestamp: stamped!.logAppendTime },
        { value: 'created', timestamp: createdAt },
      ]);
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
