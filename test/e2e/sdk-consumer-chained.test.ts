// The SDK consumer with chained fetches (a second Fetch kept waiting at the broker behind the one in
// flight): every record delivered once and in order while records keep arriving, across short long polls,
// a seek and a pause, and a broker that speaks only Fetch v0 still served.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Consumer, Producer, Sluice } from '../../src/client/index.js';
import { ALL_APIS, ApiKey, ApiVersionsApi } from '../../src/protocol/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { sdkClient, startSdkBroker, str, waitFor, type SdkBroker } from '../client/helpers.js';

let b: SdkBroker;
let sluice: Sluice;
let producer: Producer;
const consumers: Consumer[] = [];

beforeEach(async () => {
  b = await startSdkBroker();
  sluice = sdkClient(b.port);
  const admin = sluice.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'stream', numPartitions: 2 }] });
  await admin.disconnect();
  producer = sluice.producer();
  await producer.connect();
});
afterEach(async () => {
  for (const c of consumers.splice(0)) await c.disconnect();
  await producer.disconnect();
  await b.stop();
});
afterAll(removeTempDirs);

function consumer(maxWaitTimeInMs: number): Consumer {
  const c = sluice.consumer({ maxWaitTimeInMs });
  consumers.push(c);
  return c;
}

/** Sends `values` one record per send, each awaited (a record lands while the consumer's fetches wait). */
async function produceOneByOne(partition: number, values: string[]): Promise<void> {
  for (const value of values) await producer.send({ topic: 'stream', messages: [{ partition, value }] });
}

/** The Fetch versions the consumer's requests used (REQUEST events). */
function fetchVersions(c: Consumer): Set<number> {
  const versions = new Set<number>();
  c.on(c.events.REQUEST, (e) => {
    if (e.payload.apiName === 'Fetch') versions.add(e.payload.apiVersion);
  });
  return versions;
}

describe('SDK consumer, chained fetches', () => {
  it('delivers every record once and in order while records keep arriving on two partitions', async () => {
    const c = consumer(20); // short long polls: many chained fetches answered empty in between
    await c.connect();
    c.assign([{ topic: 'stream', partitions: [0, 1] }]);
    const versions = fetchVersions(c);
    const got = new Map<number, string[]>([
      [0, []],
      [1, []],
    ]);
    await c.run({ eachMessage: async ({ partition, message }) => void got.get(partition)!.push(str(message.value)!) });
    await waitFor(() => versions.size > 0, { message: 'a first fetch' });
    const sent0 = Array.from({ length: 150 }, (_, i) => `a${i}`);
    const sent1 = Array.from({ length: 150 }, (_, i) => `b${i}`);
    await Promise.all([produceOneByOne(0, sent0), produceOneByOne(1, sent1)]);
    await waitFor(() => got.get(0)!.length >= 150 && got.get(1)!.length >= 150, {
      timeoutMs: 30_000,
      message: 'all 300 records',
    });
    expect(got.get(0)).toEqual(sent0);
    expect(got.get(1)).toEqual(sent1);
    expect([...versions]).toEqual([1]);
  });

  it('after a seek back delivers from the sought offset, once, while a chained fetch was waiting', async () => {
    const c = consumer(10_000); // the chained fetch waits long at the broker: the seek must not wait for it
    await c.connect();
    c.assign([{ topic: 'stream', partitions: [0], fromBeginning: true }]);
    const got: string[] = [];
    await c.run({ eachMessage: async ({ message }) => void got.push(str(message.value)!) });
    await produceOneByOne(0, ['m0', 'm1', 'm2', 'm3']);
    await waitFor(() => got.length === 4, { message: 'the first four records' });
    c.seek({ topic: 'stream', partition: 0, offset: '1' });
    await waitFor(() => got.length === 7, { message: 'the three records after the seek' });
    await produceOneByOne(0, ['m4']);
    await waitFor(() => got.length === 8, { message: 'the record after the seek' });
    expect(got).toEqual(['m0', 'm1', 'm2', 'm3', 'm1', 'm2', 'm3', 'm4']);
  });

  it('a paused partition delivers nothing until resumed, then the rest once, in order', async () => {
    const c = consumer(50);
    await c.connect();
    c.assign([{ topic: 'stream', partitions: [0], fromBeginning: true }]);
    const got: string[] = [];
    await c.run({
      eachMessage: async ({ message, pause }) => {
        got.push(str(message.value)!);
        if (message.offset === '2') pause();
      },
    });
    await produceOneByOne(
      0,
      Array.from({ length: 8 }, (_, i) => `p${i}`),
    );
    await waitFor(() => got.length === 3, { message: 'the records up to the pause' });
    await produceOneByOne(0, ['p8']); // lands while paused, with fetches of the partition possibly out
    expect(got).toEqual(['p0', 'p1', 'p2']);
    c.resume([{ topic: 'stream', partitions: [0] }]);
    await waitFor(() => got.length === 9, { message: 'the rest after resume' });
    expect(got).toEqual(Array.from({ length: 9 }, (_, i) => `p${i}`));
  });

  it('against a broker that speaks only Fetch v0, fetches without chaining and delivers the same', async () => {
    // A broker from before chaining: ApiVersions offers Fetch v0 only.
    b.broker.intercept(
      ApiVersionsApi,
      () => ({
        respond: {
          errorCode: 0,
          apiVersions: ALL_APIS.map((api) => ({
            apiKey: api.key,
            minVersion: api.minVersion,
            maxVersion: api.key === ApiKey.Fetch ? 0 : api.maxVersion,
          })),
          brokerVersion: '0.0.0-before-chaining',
        },
      }),
      { keep: true },
    );
    const c = consumer(20);
    await c.connect();
    c.assign([{ topic: 'stream', partitions: [0] }]);
    const versions = fetchVersions(c);
    const got: string[] = [];
    await c.run({ eachMessage: async ({ message }) => void got.push(str(message.value)!) });
    await waitFor(() => versions.size > 0, { message: 'a first fetch' });
    const sent = Array.from({ length: 40 }, (_, i) => `v${i}`);
    await produceOneByOne(0, sent);
    await waitFor(() => got.length >= 40, { timeoutMs: 30_000, message: 'all 40 records' });
    expect(got).toEqual(sent);
    expect([...versions]).toEqual([0]);
  });
});
