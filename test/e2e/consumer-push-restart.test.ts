// A consumer being pushed its records (FetchPush) across a broker crash: the `sluice serve` process is
// SIGKILLed while the stream is open and started again on the same port and data directory. The consumer
// reconnects, fetches from where it stood and is pushed again: every record exactly once, in order.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { logLevel, Sluice, type Consumer } from '../../src/client/index.js';
import { stablePort } from '../helpers/free-port.js';
import { startSluice, type SluiceProcess } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { nextEvent, waitFor } from '../helpers/wait-for.js';

afterAll(removeTempDirs);
let proc: SluiceProcess | undefined;
let consumer: Consumer | undefined;
afterEach(async () => {
  await consumer?.disconnect();
  consumer = undefined;
  await proc?.kill('SIGKILL');
  proc = undefined;
});

const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('consumer push mode across a broker crash', () => {
  it('SIGKILL and restart while a stream is open: every record once, in order', { timeout: 60_000 }, async () => {
    const dataDir = await tempDir('sluice-push-crash-');
    const port = await stablePort();
    const serve = () => startSluice(['--data-dir', dataDir, '--port', String(port), '--no-http', '--flush', 'always']);
    proc = await serve();
    const sluice = new Sluice({
      clientId: 'push-crash',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 500 },
    });
    const admin = sluice.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 't', numPartitions: 1 }] });
    await admin.disconnect();
    const produce = async (values: string[]) => {
      const producer = sluice.producer();
      await producer.connect();
      for (const value of values) await producer.send({ topic: 't', messages: [{ partition: 0, value }] });
      await producer.disconnect();
    };

    consumer = sluice.consumer({ maxWaitTimeInMs: 200 });
    await consumer.connect();
    consumer.assign([{ topic: 't', partitions: [0], fromBeginning: true }]);
    const got: string[] = [];
    const c = consumer;
    const streamAnswered = () =>
      nextEvent(c, c.events.REQUEST, {
        match: (e) => e.payload.apiName === 'FetchPush',
        message: 'a FetchPush stream answered',
      });
    const firstStream = streamAnswered();
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    await produce(range('a', 10));
    await waitFor(() => got.length === 10);
    await firstStream; // idle streams end every 200 ms and are opened again: one is open now, or about to be

    await proc.kill('SIGKILL');
    proc = await serve();
    await produce(range('b', 10));
    await waitFor(() => got.length >= 20, { timeoutMs: 20_000 });
    await streamAnswered(); // pushed again after the restart
    await produce(range('c', 5));
    await waitFor(() => got.length >= 25, { timeoutMs: 10_000 });
    expect(got).toEqual([...range('a', 10), ...range('b', 10), ...range('c', 5)]);
  });
});
