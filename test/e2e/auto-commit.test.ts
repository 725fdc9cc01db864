// autoCommitInterval commits the consumed tail of a partition that has gone quiet: on a timer, not only when
// a later batch arrives (which a quiet partition never gets), so lag reaches 0 and a crash replays nothing.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Admin, Consumer, Sluice } from '../../src/client/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { sdkClient, startSdkBroker, waitFor, type SdkBroker } from '../client/helpers.js';

let b: SdkBroker;
let sluice: Sluice;
let admin: Admin;
let consumer: Consumer | undefined;

beforeEach(async () => {
  b = await startSdkBroker();
  sluice = sdkClient(b.port);
  admin = sluice.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 't', numPartitions: 1 }] });
});
afterEach(async () => {
  await consumer?.disconnect().catch(() => undefined);
  consumer = undefined;
  await admin.disconnect();
  await b.stop();
});
afterAll(removeTempDirs);

/** Longer than joining the group and fetching the records, so the batch's own commit check is not yet due. */
const INTERVAL_MS = 3000;
const MARGIN_MS = 2500;

async function committedOffset(groupId: string): Promise<string | undefined> {
  const topics = (await admin.fetchOffsets({ groupId, topics: ['t'] })) as Array<{
    partitions: Array<{ offset: string }>;
  }>;
  return topics[0]?.partitions[0]?.offset;
}

describe('automatic offset commits', () => {
  it('autoCommitInterval commits the tail of a partition that got no more records', async () => {
    const producer = sluice.producer();
    await producer.connect();
    await producer.send({ topic: 't', messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })) });
    await producer.disconnect();

    consumer = sluice.consumer({ groupId: 'quiet', heartbeatInterval: 100, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 't', fromBeginning: true });
    let consumed = 0;
    const runAt = Date.now();
    await consumer.run({ autoCommitInterval: INTERVAL_MS, eachMessage: async () => void consumed++ });
    await waitFor(() => consumed === 10, 10_000);
    // No more traffic: the committed offset must still reach the end within one interval (from the run's start,
    // when the interval began) and a margin.
    await waitFor(async () => (await committedOffset('quiet')) === '10', {
      timeoutMs: runAt + INTERVAL_MS + MARGIN_MS - Date.now(),
      intervalMs: 50,
      message: 'the interval commit of offset 10',
    });
    expect((await admin.fetchGroupLag({ groupId: 'quiet' })).totalLag).toBe(0);
  });
  it('commits past a transaction marker at the end of the log, so the lag reaches 0, read committed or not', async () => {
    const producer = sluice.producer({ transactionalId: 'ends-in-marker' });
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({ topic: 't', messages: [{ value: 'kept' }, { value: 'kept too' }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: 't', messages: [{ value: 'dropped' }] });
    await aborted.abort();
    await producer.disconnect();
    // Offsets: 0-1 committed records, 2 COMMIT, 3 aborted record, 4 ABORT; the log end is 5.

    for (const readUncommitted of [false, true]) {
      const groupId = `marker-${readUncommitted}`;
      consumer = sluice.consumer({ groupId, readUncommitted, heartbeatInterval: 100, maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topic: 't', fromBeginning: true });
      const seen: string[] = [];
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
      await waitFor(async () => (await committedOffset(groupId)) === '5', {
        timeoutMs: 20_000,
        intervalMs: 50,
        message: `${groupId}: a commit past the ABORT marker (offset 5)`,
      });
      expect(seen).toEqual(readUncommitted ? ['kept', 'kept too', 'dropped'] : ['kept', 'kept too']);
      expect((await admin.fetchGroupLag({ groupId })).totalLag).toBe(0);
      await consumer.disconnect();
      consumer = undefined;
    }

    // A handler that fails once on the last record: the rest of the slice is kept and delivered again after
    // the retry's backoff, and the position still moves past the markers that ended the slice.
    consumer = sluice.consumer({
      groupId: 'marker-retried',
      heartbeatInterval: 100,
      maxWaitTimeInMs: 100,
      retry: { initialRetryTime: 50, retries: 5 },
    });
    await consumer.connect();
    await consumer.subscribe({ topic: 't', fromBeginning: true });
    const attempts: string[] = [];
    let failed = false;
    await consumer.run({
      eachMessage: async ({ message }) => {
        attempts.push(String(message.value));
        if (String(message.value) === 'kept too' && !failed) {
          failed = true;
          throw new Error('fails once');
        }
      },
    });
    await waitFor(async () => (await committedOffset('marker-retried')) === '5', {
      timeoutMs: 20_000,
      intervalMs: 50,
      message: 'marker-retried: a commit past the ABORT marker after the retried delivery',
    });
    expect(attempts).toEqual(['kept', 'kept too', 'kept too']);
    expect((await admin.fetchGroupLag({ groupId: 'marker-retried' })).totalLag).toBe(0);
  });
});
