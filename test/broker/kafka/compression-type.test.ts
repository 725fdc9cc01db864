// The topic config compression.type through Kafka clients: `producer` (Kafka's default: batches stored as the
// producer compressed them) is accepted and described; the codecs, with which Kafka's broker recompresses,
// are refused with INVALID_CONFIG and a message saying only `producer` is supported.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { type KafkaTestBroker, pythonWithConfluentKafka, run, startKafkaBroker, storedCodecs } from './helpers.js';

const kafkajs = createRequire(import.meta.url)('kafkajs') as any;

let b: KafkaTestBroker;
let kafka: any;

beforeAll(async () => {
  b = await startKafkaBroker();
  kafka = new kafkajs.Kafka({
    clientId: 'compression-type',
    brokers: [b.bootstrap],
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { initialRetryTime: 50, retries: 2 },
  });
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

describe('compression.type', () => {
  it('kafkajs: shown as "producer" by default; a topic created with it keeps each batch as the producer sent it', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [{ topic: 'as-sent', configEntries: [{ name: 'compression.type', value: 'producer' }] }],
      });
      await admin.createTopics({ topics: [{ topic: 'defaulted' }] });
      const described = await admin.describeConfigs({
        resources: [
          { type: kafkajs.ConfigResourceTypes.TOPIC, name: 'as-sent', configNames: ['compression.type'] },
          { type: kafkajs.ConfigResourceTypes.TOPIC, name: 'defaulted', configNames: ['compression.type'] },
        ],
        includeSynonyms: false,
      });
      expect(
        described.resources.map((r: any) => [
          r.resourceName,
          r.configEntries[0].configValue,
          r.configEntries[0].configSource,
        ]),
      ).toEqual([
        ['as-sent', 'producer', 1],
        ['defaulted', 'producer', 5],
      ]);
      const producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
      await producer.connect();
      await producer.send({ topic: 'as-sent', messages: [{ value: 'plain' }] });
      await producer.send({
        topic: 'as-sent',
        compression: kafkajs.CompressionTypes.GZIP,
        messages: [{ value: 'zipped' }],
      });
      await producer.disconnect();
      expect(await storedCodecs(b.dataDir, 'as-sent', 0)).toEqual([0, 1]);

      await expect(
        admin.createTopics({
          topics: [{ topic: 'recompressed', configEntries: [{ name: 'compression.type', value: 'zstd' }] }],
        }),
      ).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'INVALID_CONFIG' })] });
      expect(await admin.listTopics()).not.toContain('recompressed');
    } finally {
      await admin.disconnect();
    }
  });

  it('confluent-kafka-python: a codec is refused in CreateTopics and AlterConfigs with a message naming the one value', async () => {
    const python = pythonWithConfluentKafka();
    const script = join(import.meta.dirname, 'python', 'compression_type.py');
    const r = await run(python, [script, b.bootstrap], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, string | null>;
    expect(out.producer).toBeNull();
    expect(out.described).toBe('producer');
    for (const refusal of [out.gzip, out.altered]) {
      expect(refusal).toContain('INVALID_CONFIG');
      expect(refusal).toMatch(/compression\.type "(gzip|zstd)" is not supported/);
      expect(refusal).toContain('only "producer" is accepted');
    }
  });
});
