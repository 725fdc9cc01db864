// kafkajs's docs/Producing.md, pattern by pattern, against Sluice: a program written from those examples
// runs with only its import changed.
import snappy from 'snappy';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CompressionCodecs,
  CompressionTypes,
  type EachMessagePayload,
  type Message,
  Partitioners,
  type PartitionerArgs,
  type TopicMessages,
} from '../../src/index.js';
import { collector, useBroker } from './helpers.js';

const live = useBroker();

async function readBack(topic: string, count: number) {
  const consumer = live.kafka().consumer({ groupId: `reader-${topic}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const got = collector<EachMessagePayload>(count);
  await consumer.run({ eachMessage: async (payload) => got.push(payload) });
  await got.done;
  await consumer.disconnect();
  return got.items;
}

describe('Producing messages', () => {
  it('send(): keys, values, headers (a string or an array of strings), acks and timeout', async () => {
    const producer = live.kafka().producer();
    await producer.connect();
    const metadata = await producer.send({
      topic: 'topic-name',
      acks: -1,
      timeout: 30000,
      messages: [
        { key: 'key1', value: 'hello world', partition: 0 },
        {
          key: 'key2',
          value: 'hey hey!',
          headers: { 'correlation-id': '2bfb68bb-893a-423b-a7fa-7b568cad5b67', 'system-id': ['my-system', 'other'] },
        },
      ],
    });
    expect(metadata).toEqual([
      expect.objectContaining({ topicName: 'topic-name', partition: 0, errorCode: 0, baseOffset: '0' }),
    ]);
    await producer.disconnect();

    const got = await readBack('topic-name', 2);
    expect(got.map(({ message }) => [message.key?.toString(), message.value?.toString()])).toEqual([
      ['key1', 'hello world'],
      ['key2', 'hey hey!'],
    ]);
    const headers = got[1]!.message.headers;
    expect(headers['correlation-id']?.toString()).toBe('2bfb68bb-893a-423b-a7fa-7b568cad5b67');
    expect((headers['system-id'] as Buffer[]).map(String)).toEqual(['my-system', 'other']);
  });

  it('sendBatch(): several topics at once', async () => {
    const producer = live.kafka().producer();
    await producer.connect();
    const topicMessages: TopicMessages[] = [
      { topic: 'topic-a', messages: [{ key: 'key', value: 'hello topic-a' }] },
      { topic: 'topic-b', messages: [{ key: 'key', value: 'hello topic-b' }] },
      {
        topic: 'topic-c',
        messages: [{ key: 'key', value: 'hello topic-c', headers: { 'correlation-id': '2bfb68bb' } }],
      },
    ];
    const metadata = await producer.sendBatch({ topicMessages });
    expect(metadata.map((m) => m.topicName).sort()).toEqual(['topic-a', 'topic-b', 'topic-c']);
    await producer.disconnect();
    expect((await readBack('topic-c', 1))[0]!.message.value?.toString()).toBe('hello topic-c');
  });

  it('a custom partitioner (createPartitioner) decides the partition', async () => {
    const admin = live.kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'partitioned', numPartitions: 3 }] });
    await admin.disconnect();
    const MyPartitioner = () => {
      return ({ topic, partitionMetadata, message }: PartitionerArgs) => {
        expect(topic).toBe('partitioned');
        expect(partitionMetadata).toHaveLength(3);
        return Number(message.key) % partitionMetadata.length;
      };
    };
    const producer = live.kafka().producer({ createPartitioner: MyPartitioner });
    await producer.connect();
    const messages: Message[] = ['3', '4', '5'].map((key) => ({ key, value: `v${key}` }));
    const metadata = await producer.send({ topic: 'partitioned', messages });
    expect(metadata.map((m) => m.partition).sort()).toEqual([0, 1, 2]);
    await producer.disconnect();
  });

  it('the default partitioners by name: DefaultPartitioner, LegacyPartitioner, JavaCompatiblePartitioner', async () => {
    for (const createPartitioner of [
      Partitioners.DefaultPartitioner,
      Partitioners.LegacyPartitioner,
      Partitioners.JavaCompatiblePartitioner,
    ]) {
      const producer = live.kafka().producer({ createPartitioner });
      await producer.connect();
      await producer.send({ topic: 'partitioned', messages: [{ key: 'same key', value: 'x' }] });
      await producer.disconnect();
    }
  });

  it('retry options on the producer', async () => {
    const producer = live.kafka().producer({ retry: { initialRetryTime: 100, retries: 8 } });
    await producer.connect();
    await producer.send({ topic: 'retried', messages: [{ value: 'x' }] });
    await producer.disconnect();
  });
});

describe('Compression', () => {
  const builtinSnappy = CompressionCodecs[CompressionTypes.Snappy];
  afterEach(() => {
    CompressionCodecs[CompressionTypes.Snappy] = builtinSnappy;
  });

  it('GZIP is built in', async () => {
    const producer = live.kafka().producer();
    await producer.connect();
    await producer.send({
      topic: 'gzipped',
      compression: CompressionTypes.GZIP,
      messages: [
        { key: 'key1', value: 'hello world' },
        { key: 'key2', value: 'hey hey!' },
      ],
    });
    await producer.disconnect();
    expect((await readBack('gzipped', 2)).map((p) => p.message.value?.toString())).toEqual(['hello world', 'hey hey!']);
  });

  it('"Other" codecs: a codec object registered in CompressionCodecs is used to compress and decompress', async () => {
    const calls = { compress: 0, decompress: 0 };
    const MyCustomSnappyCodec = {
      async compress(encoder: { buffer: Buffer }) {
        calls.compress++;
        return snappy.compress(encoder.buffer); // real snappy: the broker checks the records decompress
      },
      async decompress(buffer: Buffer) {
        calls.decompress++;
        return snappy.uncompress(buffer) as Promise<Buffer>;
      },
    };
    CompressionCodecs[CompressionTypes.Snappy] = () => MyCustomSnappyCodec;

    const producer = live.kafka().producer();
    await producer.connect();
    await producer.send({
      topic: 'custom-codec',
      compression: CompressionTypes.Snappy,
      messages: [
        { key: 'key1', value: 'hello world' },
        { key: 'key2', value: 'hey hey!' },
      ],
    });
    await producer.disconnect();
    expect((await readBack('custom-codec', 2)).map((p) => p.message.value?.toString())).toEqual([
      'hello world',
      'hey hey!',
    ]);
    expect(calls.compress).toBeGreaterThanOrEqual(1);
    expect(calls.decompress).toBeGreaterThanOrEqual(1);
  });
});

describe('Transactions (docs/Transactions.md)', () => {
  it('sends within a transaction and commits; an aborted transaction is never read (read_committed by default)', async () => {
    const client = live.kafka({ clientId: 'transactional-client' });
    const producer = client.producer({
      transactionalId: 'my-transactional-producer',
      maxInFlightRequests: 1,
      idempotent: true,
    });
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send({ topic: 'txn-docs', messages: [{ value: 'rolled back' }] });
    await aborted.abort();
    const transaction = await producer.transaction();
    try {
      await transaction.send({ topic: 'txn-docs', messages: [{ value: 'committed' }] });
      await transaction.commit();
    } catch (e) {
      await transaction.abort();
      throw e;
    }
    expect(transaction.isActive()).toBe(false);
    await producer.disconnect();
    expect((await readBack('txn-docs', 1)).map((p) => p.message.value?.toString())).toEqual(['committed']);
  });
});
