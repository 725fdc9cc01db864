// The producer's retry budget through a real broker outage: the in-process broker is stopped while the
// producer pipelines several requests to one partition, then started again on the same port and data dir.
// Retries are counted per batch (per send), as kafkajs users expect: k pipelined requests failing together
// must not spend the budget k times at once.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { logLevel, Sluice, SluiceNumberOfRetriesExceeded } from '../../src/client/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { elapse } from '../helpers/wait-for.js';
import { startSdkBroker, waitFor, type SdkBroker } from '../client/helpers.js';

afterAll(removeTempDirs);
let running: SdkBroker | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** Constant backoff without jitter: each send may fail RETRIES + 1 times, the last BUDGET_MS after its first. */
const RETRIES = 5;
const BACKOFF_MS = 500;
const BUDGET_MS = RETRIES * BACKOFF_MS;
/** Larger than batchSize (256 KiB): each record is a batch of its own, and the batches go in separate requests. */
const PADDING = 'x'.repeat(300 * 1024);
const SENDS = 5;

function client(port: number): Sluice {
  return new Sluice({
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: RETRIES, initialRetryTime: BACKOFF_MS, maxRetryTime: BACKOFF_MS, multiplier: 1, factor: 0 },
  });
}

async function readValues(sluice: Sluice, count: number): Promise<string[]> {
  const consumer = sluice.consumer();
  const seen: string[] = [];
  await consumer.connect();
  consumer.assign([{ topic: 't', partitions: [0], fromBeginning: true }]);
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString().slice(0, 8)) });
  await waitFor(() => seen.length >= count, 10_000);
  await consumer.disconnect();
  return seen;
}

/** A producer that has its producer id and one record stored ("warm"), with the broker then stopped. */
async function producerFacingAnOutage() {
  running = await startSdkBroker();
  const { port, dataDir } = running;
  const sluice = client(port);
  const admin = sluice.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 't', numPartitions: 1 }] });
  await admin.disconnect();
  const producer = sluice.producer();
  await producer.connect();
  await producer.send({ topic: 't', messages: [{ value: 'warm' }] });
  await running.stop();
  running = undefined;
  const sendAll = () => {
    const startedAt = Date.now();
    const sends = Array.from({ length: SENDS }, (_, i) =>
      producer.send({ topic: 't', messages: [{ value: `v${i}-${PADDING}` }] }).then(
        (result) => ({ ok: true as const, offset: result[0]!.baseOffset, elapsed: Date.now() - startedAt }),
        (error: unknown) => ({ ok: false as const, error, elapsed: Date.now() - startedAt }),
      ),
    );
    return Promise.all(sends);
  };
  return { sluice, producer, port, dataDir, sendAll };
}

describe('producer retries through a broker outage', () => {
  it('pipelined sends during an outage shorter than the retry budget all succeed, stored once and in order', async () => {
    const { sluice, producer, port, dataDir, sendAll } = await producerFacingAnOutage();
    const settled = sendAll();
    // Down for a while longer than one backoff (the whole budget, before the fix, with 5 requests in flight).
    await elapse(2 * BACKOFF_MS - 200, 'the outage itself: it must outlast one backoff');
    running = await startSdkBroker({ port, dataDir });
    const results = await settled;
    expect(results.map((r) => r.ok)).toEqual(Array(SENDS).fill(true));
    expect(results.map((r) => (r.ok ? r.offset : null))).toEqual(
      Array.from({ length: SENDS }, (_, i) => String(i + 1)),
    );
    await producer.disconnect();
    expect(await readValues(sluice, SENDS + 1)).toEqual([
      'warm',
      ...Array.from({ length: SENDS }, (_, i) => `v${i}-xxxxx`),
    ]);
  });

  it('beyond the budget each send fails with NumberOfRetriesExceeded, only after its own retries', async () => {
    const { producer, sendAll } = await producerFacingAnOutage();
    const results = await sendAll();
    for (const r of results) {
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error).toBeInstanceOf(SluiceNumberOfRetriesExceeded);
      expect((r.error as SluiceNumberOfRetriesExceeded).retryCount).toBe(RETRIES);
      expect((r.error as { cause: { type: string } }).cause.type).toBe('CONNECTION_ERROR');
      // RETRIES waits of BACKOFF_MS, each timer firing no earlier than asked.
      expect(r.elapsed).toBeGreaterThanOrEqual(BUDGET_MS);
    }
    await producer.disconnect();
  });
});
