// Consumer positioning and flow control against a real in-process broker.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Consumer, Producer, Sluice } from '../../src/client/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { parkedFetchWaits } from '../helpers/broker.js';
import { nextEvent } from '../helpers/wait-for.js';
import {
  collect,
  LogSink,
  sdkClient,
  startSdkBroker,
  str,
  waitFor,
  type Received,
  type SdkBroker,
} from '../client/helpers.js';

let b: SdkBroker;
let sluice: Sluice;
let producer: Producer;
const consumers: Consumer[] = [];

beforeEach(async () => {
  b = await startSdkBroker();
  sluice = sdkClient(b.port);
  const admin = sluice.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'log', numPartitions: 2 }] });
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

function consumer(client = sluice): Consumer {
  const c = client.consumer({ maxWaitTimeInMs: 50 });
  consumers.push(c);
  return c;
}

/** Produces `n` records to partition 0 in separate sends, each with its own timestamp. */
async function produceSeries(n: number, firstTimestamp: number) {
  for (let i = 0; i < n; i++) {
    await producer.send({
      topic: 'log',
      messages: [{ partition: 0, value: `m${i}`, timestamp: String(firstTimestamp + i * 1000) }],
    });
  }
}

const values = (got: Received[]) => got.map((g) => str(g.message.value));

/** Resolves once `count` more of the consumer's Fetch requests were answered (from its REQUEST events). */
function fetchesAnswered(c: Consumer, count = 1): Promise<unknown> {
  let answered = 0;
  return nextEvent(c, c.events.REQUEST, {
    // A caught-up consumer's fetch is a FetchPush stream, answered when it ends (idle for maxWaitTimeInMs).
    match: (e) => (e.payload.apiName === 'Fetch' || e.payload.apiName === 'FetchPush') && ++answered === count,
    message: `${count} answered Fetch or FetchPush requests`,
  });
}

describe('SDK consumer', () => {
  it('replays from an offset, exactly the records from there on', async () => {
    await produceSeries(20, 1_700_000_000_000);
    const c = consumer();
    await c.connect();
    c.assign([{ topic: 'log', partitions: [0] }]);
    c.seek({ topic: 'log', partition: 0, offset: '13' });
    const got = await collect(c, 7);
    expect(values(got)).toEqual(['m13', 'm14', 'm15', 'm16', 'm17', 'm18', 'm19']);
    expect(got.map((g) => g.message.offset)).toEqual(['13', '14', '15', '16', '17', '18', '19']);
  });

  it('replays from a timestamp, starting at the first record at or after it', async () => {
    const t0 = 1_700_000_000_000;
    await produceSeries(10, t0);
    const c = consumer();
    await c.connect();
    c.assign([{ topic: 'log', partitions: [0] }]);
    c.seekToTimestamp({ topic: 'log', partition: 0, timestamp: t0 + 6500 }); // between m6 and m7
    const got = await collect(c, 3);
    expect(values(got)).toEqual(['m7', 'm8', 'm9']);
    expect(got[0]!.message.timestamp).toBe(String(t0 + 7000));
  });

  it('replays from a timestamp that falls inside one record batch', async () => {
    const t0 = 1_700_000_000_000;
    await producer.send({
      topic: 'log',
      messages: Array.from({ length: 10 }, (_, i) => ({ partition: 1, value: `s${i}`, timestamp: String(t0 + i) })),
    });
    const c = consumer();
    await c.connect();
    c.assign([{ topic: 'log', partitions: [1] }]);
    c.seekToTimestamp({ topic: 'log', partition: 1, timestamp: t0 + 4 });
    const got = await collect(c, 6);
    expect(values(got)).toEqual(['s4', 's5', 's6', 's7', 's8', 's9']);
  });

  it('subscribe without a group reads every partition; latest by default, earliest with fromBeginning', async () => {
    await producer.send({
      topic: 'log',
      messages: [
        { partition: 0, value: 'old0' },
        { partition: 1, value: 'old1' },
      ],
    });
    const fromStart = consumer();
    await fromStart.connect();
    await fromStart.subscribe({ topics: ['log'], fromBeginning: true });
    const early = collect(fromStart, 4);
    const latest = consumer();
    await latest.connect();
    await latest.subscribe({ topic: 'log' });
    // "latest" is the log end when the consumer looks it up, after run(): records sent before that lookup
    // would be skipped. A fetch answered means both positions were taken (on a busy machine that can be
    // well after run() returned).
    const positioned = fetchesAnswered(latest);
    const late = collect(latest, 2);
    await positioned;
    await producer.send({
      topic: 'log',
      messages: [
        { partition: 0, value: 'new0' },
        { partition: 1, value: 'new1' },
      ],
    });
    expect(values(await early).sort()).toEqual(['new0', 'new1', 'old0', 'old1']);
    expect(values(await late).sort()).toEqual(['new0', 'new1']);
  });

  it('pauses, resumes and seeks while running', async () => {
    await producer.send({
      topic: 'log',
      messages: Array.from({ length: 10 }, (_, i) => ({ partition: 1, value: `p${i}` })),
    });
    const c = consumer();
    await c.connect();
    // Partition 0 stays empty: its fetches go on while 1 is paused, and show when 1 would have delivered.
    c.assign([{ topic: 'log', partitions: [0, 1], fromBeginning: true }]);
    const got: string[] = [];
    await c.run({
      eachMessage: async ({ message, pause }) => {
        got.push(str(message.value)!);
        if (message.offset === '4') pause();
      },
    });
    await waitFor(() => got.length === 5);
    await fetchesAnswered(c, 3); // fetches that would have carried p5… had the pause not held
    expect(got).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']); // nothing after the pause
    expect(c.paused()).toEqual([{ topic: 'log', partitions: [1] }]);
    c.resume([{ topic: 'log', partitions: [1] }]);
    await waitFor(() => got.length === 10);
    expect(got.slice(5)).toEqual(['p5', 'p6', 'p7', 'p8', 'p9']);
    expect(c.paused()).toEqual([]);
    c.seek({ topic: 'log', partition: 1, offset: '8' });
    await waitFor(() => got.length === 12);
    expect(got.slice(10)).toEqual(['p8', 'p9']);
  });

  it('eachBatch: skips records below the fetch offset and redelivers what was not resolved', async () => {
    // one batch holding offsets 0..5
    await producer.send({
      topic: 'log',
      messages: Array.from({ length: 6 }, (_, i) => ({ partition: 0, value: `b${i}` })),
    });
    const c = consumer();
    await c.connect();
    c.assign([{ topic: 'log', partitions: [0] }]);
    c.seek({ topic: 'log', partition: 0, offset: '2' });
    const seen: string[][] = [];
    await c.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        seen.push(batch.messages.map((m) => m.offset));
        expect(batch.highWatermark).toBe('6');
        if (seen.length === 1)
          resolveOffset(batch.messages[1]!.offset); // resolve 2 and 3 only
        else for (const m of batch.messages) resolveOffset(m.offset);
      },
    });
    await waitFor(() => seen.length >= 2);
    expect(seen[0]).toEqual(['2', '3', '4', '5']);
    expect(seen[1]).toEqual(['4', '5']);
  });

  it('resets an out-of-range position per fromBeginning, with a log line', async () => {
    await producer.send({
      topic: 'log',
      messages: [
        { partition: 0, value: 'a' },
        { partition: 0, value: 'b' },
      ],
    });
    const logs = new LogSink();
    const c = consumer(sdkClient(b.port, { logs }));
    await c.connect();
    c.assign([{ topic: 'log', partitions: [0], fromBeginning: true }]);
    c.seek({ topic: 'log', partition: 0, offset: '999' });
    const got = await collect(c, 2);
    expect(values(got)).toEqual(['a', 'b']);
    expect(logs.has(/out of range/)).toBe(true);
  });

  it('eachBatch handlers that return at once still let timers and socket reads run between batches', async () => {
    // ~1.2 MiB in one partition: one fetch answers several delivery slices (256 KiB each).
    const value = 'v'.repeat(400);
    for (let i = 0; i < 3; i++)
      await producer.send({ topic: 'log', messages: Array.from({ length: 1000 }, () => ({ partition: 0, value })) });
    const c = sluice.consumer({ maxWaitTimeInMs: 50, maxBytesPerPartition: 4 * 1024 * 1024 });
    consumers.push(c);
    await c.connect();
    await c.subscribe({ topic: 'log', fromBeginning: true });
    let batches = 0;
    let seen = 0;
    let immediateRanAtBatch = -1;
    await c.run({
      eachBatch: async ({ batch }) => {
        if (batch.partition !== 0) return;
        if (batches++ === 0) setImmediate(() => (immediateRanAtBatch = batches));
        seen += batch.messages.length;
      },
    });
    await waitFor(() => seen >= 3000);
    expect(batches).toBeGreaterThan(2);
    // Scheduled during the first batch, it ran before the second one (not after the whole response).
    expect(immediateRanAtBatch).toBe(1);
  });

  it('a long-poll fetch returns as soon as data arrives', async () => {
    const c = sluice.consumer({ maxWaitTimeInMs: 10_000 });
    consumers.push(c);
    await c.connect();
    c.assign([{ topic: 'log', partitions: [0] }]);
    let arrived = 0;
    await c.run({ eachMessage: async () => void (arrived = Date.now()) });
    await waitFor(() => parkedFetchWaits(b.broker) > 0, { message: "the consumer's fetch to park in its long poll" });
    const sent = Date.now();
    await producer.send({ topic: 'log', messages: [{ partition: 0, value: 'now' }] });
    await waitFor(() => arrived > 0, 3000);
    expect(arrived - sent).toBeLessThan(1000);
  });
});

describe('SDK consumer checkCrcs', () => {
  it('a record corrupted at rest in a sealed segment: delivered as stored by default, never delivered (and logged) with checkCrcs', async () => {
    await b.stop();
    b = await startSdkBroker({ topicDefaults: { segmentBytes: 1024, indexIntervalBytes: 256 } });
    const seed = sdkClient(b.port).producer();
    await seed.connect();
    for (let i = 0; i < 40; i++)
      await seed.send({ topic: 'crc', messages: [{ value: `v${String(i).padStart(2, '0')}-original` }] });
    await seed.disconnect();
    await b.stop(); // clean shutdown: the restart trusts sealed segments (RELIABILITY.md, known limits)
    const dir = join(b.dataDir, 'crc-0');
    const segments = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
    expect(segments.length).toBeGreaterThan(2);
    const file = join(dir, segments[1]!);
    const bytes = await readFile(file);
    const at = bytes.indexOf('original', bytes.length / 2); // a record in the middle of a sealed segment
    const damaged = bytes.subarray(at - 4, at - 1).toString(); // its "vNN" prefix
    bytes[at] = 'O'.charCodeAt(0); // the layout stays valid; only the CRC disagrees
    await writeFile(file, bytes);
    b = await startSdkBroker({ dataDir: b.dataDir });

    const plain = sdkClient(b.port).consumer({ maxWaitTimeInMs: 50 });
    consumers.push(plain);
    await plain.connect();
    plain.assign([{ topic: 'crc', partitions: [0], fromBeginning: true }]);
    const all = values(await collect(plain, 40));
    expect(all).toHaveLength(40);
    expect(all).toContain(`${damaged}-Original`);

    const logs = new LogSink();
    const checking = sdkClient(b.port, { logs }).consumer({ maxWaitTimeInMs: 50, checkCrcs: true });
    consumers.push(checking);
    await checking.connect();
    checking.assign([{ topic: 'crc', partitions: [0], fromBeginning: true }]);
    const verified = values(await collect(checking, 40, 1500));
    expect(verified).toEqual(all.slice(0, all.indexOf(`${damaged}-Original`)));
    expect(logs.has(/cannot decode fetched records/)).toBe(true);
  });
});
