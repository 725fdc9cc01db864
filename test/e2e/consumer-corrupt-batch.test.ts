// A consumer that meets a batch it cannot decode fails loudly (issue 11, item 3): the records before it are
// delivered, then a CRASH event and error log lines name topic, partition and offset. It used to deliver the
// records before it and then nothing, for ever, with its lag frozen. Produce refuses such batches now, so the
// bad batch is appended behind the broker's back, through storage (as another front door could).
import { afterAll, afterEach, expect, it } from 'vitest';
import { SluiceCorruptBatchError, type Consumer, type Sluice } from '../../src/client/index.js';
import { appendBehindTheBroker, undecodableBatch } from '../helpers/poisoned-partition.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { LogSink, sdkClient, startSdkBroker, waitFor, type SdkBroker } from '../client/helpers.js';

let b: SdkBroker | undefined;
const consumers: Consumer[] = [];
afterEach(async () => {
  for (const c of consumers.splice(0)) await c.disconnect();
  await b?.stop();
});
afterAll(removeTempDirs);

async function send(sluice: Sluice, values: string[]) {
  const producer = sluice.producer();
  await producer.connect();
  await producer.send({ topic: 'c', messages: values.map((value) => ({ partition: 0, value })) });
  await producer.disconnect();
}

/** A partition holding m0..m9, a gzip batch whose payload is not gzip at offset 10, then m11..m12. */
async function poisonedPartition(): Promise<SdkBroker> {
  const first = await startSdkBroker();
  const admin = sdkClient(first.port).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'c', numPartitions: 1 }] });
  await admin.disconnect();
  await send(
    sdkClient(first.port),
    Array.from({ length: 10 }, (_, i) => `m${i}`),
  );
  const { broker, port } = await appendBehindTheBroker(first.broker, first.dataDir, 'c', 0, undecodableBatch());
  await send(sdkClient(port), ['m11', 'm12']);
  return { broker, port, dataDir: first.dataDir, stop: () => broker.stop() };
}

it('delivers the records before an undecodable batch, then crashes naming topic, partition and offset', async () => {
  b = await poisonedPartition();
  const logs = new LogSink();
  const consumer = sdkClient(b.port, { logs, retries: 2 }).consumer({ maxWaitTimeInMs: 50 });
  consumers.push(consumer);
  const crashes: Array<{ error: Error; restart: boolean }> = [];
  consumer.on(consumer.events.CRASH, (e) => crashes.push(e.payload));
  const got: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: ['c'], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      got.push(message.value!.toString());
    },
  });
  await waitFor(() => crashes.length > 0, 10_000);
  expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
  const { error, restart } = crashes[0]!;
  expect(restart).toBe(false);
  expect(error).toBeInstanceOf(SluiceCorruptBatchError);
  expect(error).toMatchObject({ topic: 'c', partition: 0, offset: '10', type: 'CORRUPT_MESSAGE', retriable: false });
  expect(error.message).toMatch(/^cannot decode the record batch at offset 10 of c-0: gzip data is corrupt/);
  const lines = logs.entries.filter((e) => e.log.message === 'cannot decode fetched records');
  expect(lines.length).toBe(3); // the first attempt and 2 retries
  expect(lines.at(-1)!.log).toMatchObject({ topic: 'c', partition: 0, offset: '10', crash: true });
});
