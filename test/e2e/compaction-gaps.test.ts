// A compacted topic has offset gaps once its cleaner ran. Everything that reads it follows them: the SDK
// consumer (native fetch), a kafkajs consumer over the Kafka listener, ListOffsets, `sluice consume`, and
// `sluice dump-log` on a cleaned segment.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { ListOffsetsApi } from '../../src/protocol/index.js';
import { sdkClient, str, waitFor } from '../client/helpers.js';
import { batchOf, createTopic, fetchPartition, produce, readAll, startBroker } from '../helpers/broker.js';
import { decodeRecordBatches } from '../../src/records/index.js';
import { runSluice } from '../helpers/sluice-process.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

afterAll(removeTempDirs);

const TOPIC = 'table';
const MESSAGES = 300;
const KEYS = 6;

describe('offset gaps of a compacted topic', () => {
  it('are followed by the SDK consumer, kafkajs over the Kafka wire, ListOffsets, sluice consume and dump-log', async () => {
    const tb = await startBroker({
      topicDefaults: { segmentBytes: 2048 },
      logCleaner: { backoffMs: 10 },
      kafkaPort: 0,
    });
    try {
      const wire = await tb.client();
      const configs = { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.01' };
      expect((await createTopic(wire, TOPIC, 1, configs)).errorCode).toBe(0);
      const sluice = sdkClient(tb.port);
      const producer = sluice.producer();
      await producer.connect();
      for (let i = 0; i < MESSAGES; i += 10) {
        const messages = Array.from({ length: 10 }, (_, j) => ({ key: `k${(i + j) % KEYS}`, value: `v${i + j}` }));
        await producer.send({ topic: TOPIC, messages });
      }
      await producer.disconnect();
      // The latest value of every key, and its offset (values were produced in offset order, one each).
      const latest = new Map<string, { offset: number; value: string }>();
      for (let n = 0; n < MESSAGES; n++) latest.set(`k${n % KEYS}`, { offset: n, value: `v${n}` });
      await waitFor(async () => (await readAll(wire, TOPIC, 0)).length < MESSAGES / 2, {
        timeoutMs: 20_000,
        message: 'the cleaner to compact the topic',
      });
      const served = await readAll(wire, TOPIC, 0);
      const expectLatest = (got: Array<{ offset: number; key: string; value: string }>) => {
        for (const [key, last] of latest) expect(got.filter((r) => r.key === key).at(-1)).toEqual({ key, ...last });
        const offsets = got.map((r) => r.offset);
        expect(offsets).toEqual([...new Set(offsets)].sort((a, b) => a - b));
      };
      expect(served.length).toBeLessThan(MESSAGES);

      // ListOffsets: the log still starts at 0 and ends at MESSAGES.
      const listed = await wire.request(ListOffsetsApi, {
        isolationLevel: 0,
        topics: [
          {
            name: TOPIC,
            partitions: [
              { partition: 0, timestamp: -2 },
              { partition: 0, timestamp: -1 },
            ],
          },
        ],
      });
      expect(listed.topics[0]!.partitions.map((p) => p.offset)).toEqual([0, MESSAGES]);

      // The SDK consumer from the beginning reads past every gap to the end.
      const consumer = sluice.consumer({ groupId: 'gaps' });
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      const got: Array<{ offset: number; key: string; value: string }> = [];
      await consumer.run({
        eachMessage: async ({ message }) => {
          got.push({ offset: Number(message.offset), key: str(message.key)!, value: str(message.value)! });
        },
      });
      await waitFor(() => got.some((r) => r.offset === MESSAGES - 1), {
        timeoutMs: 15_000,
        message: 'the SDK consumer to reach the end',
      });
      await consumer.disconnect();
      expectLatest(got);

      // kafkajs over the Kafka listener.
      const kafka = new Kafka({
        clientId: 'gaps',
        brokers: [`127.0.0.1:${tb.broker.kafkaPort}`],
        logLevel: logLevel.NOTHING,
      });
      const kConsumer = kafka.consumer({ groupId: 'kafkajs-gaps' });
      await kConsumer.connect();
      await kConsumer.subscribe({ topic: TOPIC, fromBeginning: true });
      const kGot: Array<{ offset: number; key: string; value: string }> = [];
      await kConsumer.run({
        eachMessage: async ({ message }) => {
          kGot.push({ offset: Number(message.offset), key: message.key!.toString(), value: message.value!.toString() });
        },
      });
      await waitFor(() => kGot.some((r) => r.offset === MESSAGES - 1), {
        timeoutMs: 15_000,
        message: 'kafkajs to reach the end',
      });
      await kConsumer.disconnect();
      expectLatest(kGot);

      // sluice consume --from-beginning --exit-at-end prints the latest value of every key.
      const cli = await runSluice([
        'consume',
        TOPIC,
        '--from-beginning',
        '--exit-at-end',
        '--print-key',
        '--brokers',
        `127.0.0.1:${tb.port}`,
      ]);
      expect(cli.stderr).toMatch(/^consumed \d+ records\n$/);
      expect(cli.code).toBe(0);
      for (const [key, last] of latest) expect(cli.stdout).toContain(`${key}\t${last.value}`);

      // dump-log on the first (cleaned) segment: offsets with gaps are valid, no corruption reported.
      const dir = join(tb.dataDir, `${TOPIC}-0`);
      const first = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort()[0]!;
      const dump = await runSluice(['dump-log', join(dir, first), '--records']);
      expect(dump.stderr).toBe('');
      expect(dump.code).toBe(0);
      expect(dump.stdout).toContain('all CRCs valid');
    } finally {
      await tb.stop();
    }
  }, 90_000);

  it('a fetch inside a cleaned batch whose last records were removed answers that batch, and readers go on after it', async () => {
    // Segments of 2 KiB and values of 600 B: segment 0 holds the batch a,b,c,d (offsets 0-3), segment 1 the
    // batches c,d (4-5) and e (6), the active segment f (7). The cleaner removes c and d from the first batch
    // but keeps its header's last offset (3), as Kafka's does.
    const tb = await startBroker({ topicDefaults: { segmentBytes: 2048 }, logCleaner: { backoffMs: 10 } });
    try {
      const wire = await tb.client();
      const configs = { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.01' };
      expect((await createTopic(wire, 'tail', 1, configs)).errorCode).toBe(0);
      const big = (v: string) => v.padEnd(600, '.');
      for (const keys of [['a', 'b', 'c', 'd'], ['c', 'd'], ['e'], ['f']]) {
        const res = await produce(
          wire,
          'tail',
          0,
          batchOf(
            keys.map((k) => big(k)),
            { keys },
          ),
        );
        expect(res.errorCode).toBe(0);
      }
      const firstBatchAt = async (offset: number) =>
        (await decodeRecordBatches(Buffer.concat((await fetchPartition(wire, 'tail', 0, offset)).records)))[0]!;
      await waitFor(async () => (await firstBatchAt(0)).records.length === 2, {
        timeoutMs: 20_000,
        message: 'the cleaner to remove c and d from the first batch',
      });
      const answer = await firstBatchAt(2);
      expect(answer.header.baseOffset).toBe(0);
      expect(answer.header.lastOffsetDelta).toBe(3);
      expect(answer.records.map((r) => r.offset)).toEqual([0, 1]);
      const served = await readAll(wire, 'tail', 0);
      expect(served.map((r) => `${r.offset}:${r.key}`)).toEqual(['0:a', '1:b', '4:c', '5:d', '6:e', '7:f']);
    } finally {
      await tb.stop();
    }
  }, 60_000);
});
