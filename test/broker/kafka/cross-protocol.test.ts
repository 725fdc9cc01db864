// One core, two doors: what kcat (librdkafka) produces through the Kafka listener, Sluice's SDK consumes
// byte for byte through the native one, and the reverse (kcat and kafkajs reading what the SDK wrote);
// keys land on the same partition whether librdkafka (partitioner=murmur2_random) or the SDK placed them.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompressionTypes, type Sluice } from '../../../src/client/index.js';
import { partitionForKey } from '../../../src/records/index.js';
import { collect, sdkClient } from '../../client/helpers.js';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { kcatPath, type KafkaTestBroker, run, startKafkaBroker, until } from './helpers.js';

const kafkajs = createRequire(import.meta.url)('kafkajs') as any;

let b: KafkaTestBroker;
let kcat: string;
let sluice: Sluice;

beforeAll(async () => {
  kcat = kcatPath();
  b = await startKafkaBroker();
  sluice = sdkClient(b.port);
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

async function createTopic(topic: string, numPartitions: number) {
  const admin = sluice.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions }] });
  await admin.disconnect();
}

describe('cross-protocol', () => {
  it('kcat produces, the Sluice SDK consumes byte-identical keys, values and headers', async () => {
    const rows = [
      ['plain-key', 'plain value'],
      ['ключ', 'значение — UTF-8 ✓'],
      ['tabs\\and', 'symbols !@#$%^&*()'],
    ];
    const input = `${rows.map(([k, v]) => `${k}\t${v}`).join('\n')}\n`;
    const r = await run(
      kcat,
      [
        '-b',
        b.bootstrap,
        '-P',
        '-t',
        'from-kcat',
        '-K',
        '\t',
        '-z',
        'snappy',
        '-H',
        'origin=kcat',
        '-H',
        'trace=ab\u00e7',
      ],
      {
        input,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const consumer = sluice.consumer({ groupId: 'sdk-reads-kcat', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['from-kcat'], fromBeginning: true });
    const got = await collect(consumer, rows.length);
    await consumer.disconnect();
    expect(got).toHaveLength(rows.length);
    got.forEach(({ message }, i) => {
      expect(message.offset).toBe(String(i));
      expect(message.key!.equals(Buffer.from(rows[i]![0]!))).toBe(true);
      expect(message.value!.equals(Buffer.from(rows[i]![1]!))).toBe(true);
      expect((message.headers.origin as Buffer).equals(Buffer.from('kcat'))).toBe(true);
      expect((message.headers.trace as Buffer).equals(Buffer.from('ab\u00e7'))).toBe(true);
    });
  });

  it('the Sluice SDK produces (gzip, headers, null key), kcat and kafkajs consume the same records', async () => {
    await createTopic('from-sdk', 1);
    const producer = sluice.producer();
    await producer.connect();
    const messages = [
      { key: 'k1', value: 'v1', headers: { h: 'x' } },
      { key: null, value: 'no key', headers: { multi: ['a', 'b'] } },
      { key: 'k3', value: Buffer.from([0xe2, 0x9c, 0x93]), headers: {} },
    ];
    await producer.send({ topic: 'from-sdk', messages, compression: CompressionTypes.GZIP });
    await producer.disconnect();

    const read = await run(kcat, ['-b', b.bootstrap, '-C', '-t', 'from-sdk', '-e', '-q', '-Z', '-f', '%o|%k|%s|%h\n']);
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout.split('\n').filter(Boolean)).toEqual([
      '0|k1|v1|h=x',
      '1|NULL|no key|multi=a,multi=b',
      '2|k3|\u2713|',
    ]);

    const kafka = new kafkajs.Kafka({ brokers: [b.bootstrap], logLevel: kafkajs.logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'kafkajs-reads-sdk' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'from-sdk', fromBeginning: true });
    const seen: any[] = [];
    await consumer.run({ eachMessage: async ({ message }: { message: any }) => void seen.push(message) });
    await until(() => seen.length >= 3, 20_000, 'kafkajs to read 3 records');
    await consumer.disconnect();
    expect(seen.map((m) => [m.offset, m.key?.toString() ?? null, m.value.toString()])).toEqual([
      ['0', 'k1', 'v1'],
      ['1', null, 'no key'],
      ['2', 'k3', '\u2713'],
    ]);
    expect(seen[0].headers.h.toString()).toBe('x');
    expect(seen[1].headers.multi.map(String)).toEqual(['a', 'b']);
  });

  it('librdkafka with partitioner=murmur2_random puts every key where the Sluice SDK puts it', async () => {
    const partitions = 6;
    await createTopic('placed-by-kcat', partitions);
    await createTopic('placed-by-sdk', partitions);
    const keys = Array.from({ length: 60 }, (_, i) => `customer-${i * 7919}`);
    const r = await run(
      kcat,
      ['-b', b.bootstrap, '-P', '-t', 'placed-by-kcat', '-K', '\t', '-X', 'partitioner=murmur2_random'],
      { input: `${keys.map((k) => `${k}\t${k}`).join('\n')}\n` },
    );
    expect(r.code, r.stderr).toBe(0);
    const producer = sluice.producer();
    await producer.connect();
    const sdkResults = await Promise.all(
      keys.map((key) => producer.send({ topic: 'placed-by-sdk', messages: [{ key, value: key }] })),
    );
    await producer.disconnect();
    const sdkPartition = new Map(keys.map((k, i) => [k, sdkResults[i]![0]!.partition]));

    const read = await run(kcat, ['-b', b.bootstrap, '-C', '-t', 'placed-by-kcat', '-e', '-q', '-f', '%k\t%p\n']);
    const kcatPartition = new Map(
      read.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [k, p] = l.split('\t');
          return [k!, Number(p)];
        }),
    );
    expect(kcatPartition.size).toBe(keys.length);
    for (const key of keys) {
      expect(kcatPartition.get(key)).toBe(sdkPartition.get(key));
      expect(kcatPartition.get(key)).toBe(partitionForKey(Buffer.from(key), partitions));
    }
    // The keys spread over every partition (the check is not vacuous).
    expect(new Set(kcatPartition.values()).size).toBe(partitions);
  });
});
