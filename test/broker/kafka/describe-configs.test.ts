// DescribeConfigs as a Kafka client sees it: the broker's `listeners` and `advertised.port` are the Kafka
// listener's (the native door keeps showing its own), and a topic's configs are Kafka's, without the native
// door's `partitions` pseudo-config (which `sluice topics describe` still shows).
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeConfigs } from '../../../src/protocol/kafka/index.js';
import { sdkClient } from '../../client/helpers.js';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { type KafkaTestBroker, startKafkaBroker } from './helpers.js';
import { KafkaWireClient } from './kafka-wire-client.js';

const kafkajs = createRequire(import.meta.url)('kafkajs') as any;
const { BROKER, TOPIC } = kafkajs.ConfigResourceTypes as { BROKER: number; TOPIC: number };

let b: KafkaTestBroker;
let admin: any;

beforeAll(async () => {
  b = await startKafkaBroker();
  const kafka = new kafkajs.Kafka({ clientId: 'describe', brokers: [b.bootstrap], logLevel: kafkajs.logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'described', numPartitions: 3 }] });
});
afterAll(async () => {
  await admin?.disconnect();
  await b?.stop();
  await removeTempDirs();
});

type Entries = Record<string, string>;
const entriesOf = (resource: { configEntries: Array<{ configName: string; configValue: string }> }): Entries =>
  Object.fromEntries(resource.configEntries.map((e) => [e.configName, e.configValue]));

describe('DescribeConfigs on the Kafka listener', () => {
  it("shows the Kafka listener's address as the broker's listeners and advertised port; the SDK sees the native one", async () => {
    const kafka = await admin.describeConfigs({
      resources: [{ type: BROKER, name: '0', configNames: ['listeners', 'advertised.host', 'advertised.port'] }],
      includeSynonyms: false,
    });
    expect(entriesOf(kafka.resources[0])).toEqual({
      listeners: `127.0.0.1:${b.kafkaPort}`,
      'advertised.host': '127.0.0.1',
      'advertised.port': String(b.kafkaPort),
    });

    const sdk = sdkClient(b.port).admin();
    await sdk.connect();
    try {
      const native = await sdk.describeConfigs({
        resources: [{ type: BROKER, name: '0', configNames: ['listeners', 'advertised.port'] }],
        includeSynonyms: false,
      });
      expect(entriesOf(native.resources[0]! as never)).toEqual({
        listeners: `127.0.0.1:${b.port}`,
        'advertised.port': String(b.port),
      });
    } finally {
      await sdk.disconnect();
    }
  });

  it("lists a topic's configs without the partitions pseudo-config, which the SDK (and so the CLI) still gets", async () => {
    const kafka = await admin.describeConfigs({
      resources: [{ type: TOPIC, name: 'described' }],
      includeSynonyms: false,
    });
    const names = Object.keys(entriesOf(kafka.resources[0]));
    expect(names).toEqual(expect.arrayContaining(['retention.ms', 'cleanup.policy', 'message.timestamp.type']));
    expect(names).not.toContain('partitions');

    const sdk = sdkClient(b.port).admin();
    await sdk.connect();
    try {
      const native = await sdk.describeConfigs({
        resources: [{ type: TOPIC, name: 'described' }],
        includeSynonyms: false,
      });
      expect(entriesOf(native.resources[0]! as never)).toMatchObject({ partitions: '3' });
    } finally {
      await sdk.disconnect();
    }
  });

  it('gives the advertised Kafka port, not the bound one, when one is configured', async () => {
    const forwarded = await startKafkaBroker({ advertisedKafkaPort: 29092 });
    const client = await KafkaWireClient.connect(forwarded.kafkaPort);
    try {
      const answer = await client.request(DescribeConfigs, 2, {
        resources: [{ resourceType: BROKER, resourceName: '0', configurationKeys: ['listeners', 'advertised.port'] }],
        includeSynonyms: false,
      });
      expect(Object.fromEntries(answer.results[0]!.configs.map((c) => [c.name, c.value]))).toEqual({
        listeners: `127.0.0.1:${forwarded.kafkaPort}`,
        'advertised.port': '29092',
      });
    } finally {
      client.destroy();
      await forwarded.stop();
    }
  });
});
