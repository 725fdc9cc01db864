// kcat 1.7.1 (librdkafka 2.0.2), unmodified, against the Kafka listener: metadata, keyed lines with
// headers in every compression, reading back with keys, headers, offsets and timestamps, from an offset
// and from a timestamp (to the record inside a batch kafkajs sent).
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { kcatPath, type KafkaTestBroker, run, startKafkaBroker, storedCodecs } from './helpers.js';

const kafkajs = createRequire(import.meta.url)('kafkajs') as any;

let b: KafkaTestBroker;
let kcat: string;

beforeAll(async () => {
  kcat = kcatPath();
  b = await startKafkaBroker();
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

const CODECS = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
// Values long and repetitive enough that librdkafka compresses them (it sends a batch uncompressed when
// compression would not make it smaller).
const value = (tag: string, i: number) => `${tag}-${i}-${'abcdefgh'.repeat(40)}`;

async function produce(topic: string, codec: keyof typeof CODECS, lines: string[], headers: string[] = []) {
  const args = ['-b', b.bootstrap, '-P', '-t', topic, '-K', '\t', '-z', codec];
  for (const h of headers) args.push('-H', h);
  const r = await run(kcat, args, { input: `${lines.join('\n')}\n` });
  expect(r.code, r.stderr).toBe(0);
}

/** kcat -C -e with a tab-separated line per record: key, value, partition, offset, timestamp, headers. */
async function consume(topic: string, ...extra: string[]) {
  const r = await run(kcat, [
    '-b',
    b.bootstrap,
    '-C',
    '-t',
    topic,
    '-e',
    '-q',
    '-f',
    '%k\t%s\t%p\t%o\t%T\t%h\n',
    ...extra,
  ]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [key, val, partition, offset, timestamp, headers] = l.split('\t');
      return {
        key,
        value: val,
        partition: Number(partition),
        offset: Number(offset),
        timestamp: Number(timestamp),
        headers,
      };
    });
}

describe('kcat against the Kafka listener', () => {
  it('-L lists this broker as the controller and every topic with its partitions', async () => {
    await produce('listed', 'none', ['k\tv']);
    const r = await run(kcat, ['-b', b.bootstrap, '-L']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`broker 0 at ${b.bootstrap} (controller)`);
    expect(r.stdout).toMatch(/topic "listed" with 1 partitions:\s+partition 0, leader 0, replicas: 0, isrs: 0/);
    // Kafka lists its internal offsets topic too.
    expect(r.stdout).toMatch(/topic "__consumer_offsets" with \d+ partitions:/);
  });

  it('-P stores keyed lines with headers in each compression, -C -e reads them back', async () => {
    const before = Date.now();
    for (const codec of Object.keys(CODECS) as Array<keyof typeof CODECS>) {
      const lines = [0, 1, 2].map((i) => `key-${codec}-${i}\t${value(codec, i)}`);
      await produce('codecs', codec, lines, ['source=kcat', `codec=${codec}`]);
    }
    // Each kcat -P run's batches (usually one) are compressed with the codec asked for, in run order.
    const stored = await storedCodecs(b.dataDir, 'codecs', 0);
    expect(new Set(stored)).toEqual(new Set([0, 1, 2, 3, 4]));
    expect(stored).toEqual([...stored].sort());
    const records = await consume('codecs');
    expect(records).toHaveLength(15);
    const codecs = Object.keys(CODECS);
    records.forEach((r, n) => {
      const codec = codecs[Math.floor(n / 3)]!;
      expect(r).toMatchObject({
        key: `key-${codec}-${n % 3}`,
        value: value(codec, n % 3),
        partition: 0,
        offset: n,
        headers: `source=kcat,codec=${codec}`,
      });
      expect(r.timestamp).toBeGreaterThanOrEqual(before - 1000);
      expect(r.timestamp).toBeLessThanOrEqual(Date.now());
    });
  });

  it('-C -o <offset> starts at that offset; -o s@<ms> at the first record at or after that time', async () => {
    for (let i = 0; i < 4; i++) await produce('positions', 'none', [`k${i}\tv${i}`]);
    const all = await consume('positions');
    expect(all.map((r) => r.value)).toEqual(['v0', 'v1', 'v2', 'v3']);
    expect((await consume('positions', '-o', '2')).map((r) => r.offset)).toEqual([2, 3]);
    const third = all[2]!;
    const fromTime = await consume('positions', '-o', `s@${third.timestamp}`);
    expect(fromTime[0]!.offset).toBeLessThanOrEqual(2);
    expect(fromTime.at(-1)!.offset).toBe(3);
    expect(fromTime.every((r) => r.timestamp >= third.timestamp || r.offset === third.offset)).toBe(true);
    // A timestamp after every record: nothing to read.
    expect(await consume('positions', '-o', `s@${Date.now() + 60_000}`)).toEqual([]);
  });

  it('-Q and -o s@<ms> find the record, not its batch, in a batch of ten (plain and gzip)', async () => {
    const producer = new kafkajs.Kafka({ brokers: [b.bootstrap], logLevel: kafkajs.logLevel.NOTHING }).producer();
    await producer.connect();
    const first = Date.now() - 60_000;
    try {
      for (const [topic, compression] of [
        ['tsq', kafkajs.CompressionTypes.None],
        ['tsq-gzip', kafkajs.CompressionTypes.GZIP],
      ]) {
        // One send to one partition: kafkajs sends the ten records as one batch.
        const messages = Array.from({ length: 10 }, (_, i) => ({
          value: `v${i}`,
          timestamp: String(first + i * 1000),
        }));
        await producer.send({ topic, compression, messages });
        expect(await storedCodecs(b.dataDir, topic, 0)).toEqual([compression]);
        for (let i = 0; i < 10; i++) {
          for (const ts of [first + i * 1000, first + i * 1000 - 500]) {
            const q = await run(kcat, ['-b', b.bootstrap, '-Q', '-t', `${topic}:0:${ts}`]);
            expect(q.code, q.stderr).toBe(0);
            expect(q.stdout).toMatch(new RegExp(`\\[0\\]\\s+offset ${i}\\b`));
          }
        }
        const fromTime = await consume(topic, '-o', `s@${first + 3500}`);
        expect(fromTime.map((r) => [r.offset, r.timestamp])).toEqual(
          [4, 5, 6, 7, 8, 9].map((i) => [i, first + i * 1000]),
        );
      }
    } finally {
      await producer.disconnect();
    }
  });

  it('-C -o beginning and -o end on an empty partition exit at once with nothing', async () => {
    await run(kcat, ['-b', b.bootstrap, '-L', '-t', 'empty-one']); // auto-creates, as Kafka does
    expect(await consume('empty-one')).toEqual([]);
    expect(await consume('empty-one', '-o', 'end')).toEqual([]);
  });

  it('null keys and null values (kcat -Z) come back null, not empty', async () => {
    const r = await run(kcat, ['-b', b.bootstrap, '-P', '-t', 'nulls', '-Z', '-K:'], { input: 'plain\nk1:\n' });
    expect(r.code, r.stderr).toBe(0);
    const read = await run(kcat, ['-b', b.bootstrap, '-C', '-t', 'nulls', '-e', '-q', '-Z', '-f', '%K|%k|%S|%s\n']);
    expect(read.stdout.split('\n').filter(Boolean)).toEqual(['-1|NULL|5|plain', '2|k1|-1|NULL']);
  });
});
