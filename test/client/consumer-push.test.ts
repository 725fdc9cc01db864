// A caught-up consumer is pushed its records (FetchPush) instead of fetching them: what a user sees does
// not change. Records arrive in order, none lost or twice, across the switches between fetching and the
// stream; the credit bounds what the broker sends ahead of the handler; seek, pause/resume, a rebalance and
// stop behave as with fetches; a consumer with pushWhenCaughtUp false beside it still fetches.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { logLevel, Sluice, type Consumer } from '../../src/client/index.js';
import { ApiKey, ApiVersionsApi } from '../../src/protocol/index.js';
import type { FetchPushCreditRequest, FetchPushRequest } from '../../src/protocol/index.js';
import { nextEvent } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';
import { cleanedUpAfterEach, sdkClient, str, waitFor } from './helpers.js';
import { type InterceptedBroker, startInterceptedBroker } from './intercepted-broker.js';

const run = cleanedUpAfterEach<InterceptedBroker>();

function consumerOf(sluice: Sluice, config: Parameters<Sluice['consumer']>[0] = {}): Consumer {
  const c = sluice.consumer({ maxWaitTimeInMs: 2000, ...config });
  run.consumers.push(c);
  return c;
}

/** Resolves once the broker has opened `count` FetchPush streams in all (the consumer had caught up). */
async function streamsOpened(count = 1): Promise<void> {
  await waitFor(() => run.broker!.of(ApiKey.FetchPush).length >= count, { message: `${count} FetchPush streams` });
}

/** Answered Fetch or FetchPush requests of `c` from now on: `count` of them. */
function answered(c: Consumer, count: number): Promise<unknown> {
  let n = 0;
  return nextEvent(c, c.events.REQUEST, {
    match: (e) => (e.payload.apiName === 'Fetch' || e.payload.apiName === 'FetchPush') && ++n === count,
    message: `${count} answered fetches`,
  });
}

async function produceEach(sluice: Sluice, topic: string, partition: number, values: string[]): Promise<void> {
  const producer = sluice.producer();
  await producer.connect();
  for (const value of values) await producer.send({ topic, messages: [{ partition, value }] });
  await producer.disconnect();
}

/** The stream ids the broker was asked to end (FetchPushCredit with end), in order. */
function endedStreams(): number[] {
  return run
    .broker!.of(ApiKey.FetchPushCredit)
    .map((r) => r.request as FetchPushCreditRequest)
    .filter((r) => r.end)
    .map((r) => r.streamId);
}

const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('consumer push mode', () => {
  it('a caught-up consumer gets every record as it is produced, in order, through a stream', async () => {
    run.broker = await startInterceptedBroker([{ name: 't', partitions: 1 }]);
    const sluice = sdkClient(run.broker.port);
    const c = consumerOf(sluice);
    await c.connect();
    c.assign([{ topic: 't', partitions: [0], fromBeginning: true }]);
    const got: string[] = [];
    await c.run({ eachMessage: async ({ message }) => void got.push(str(message.value)!) });
    await streamsOpened();
    await produceEach(sluice, 't', 0, range('v', 50));
    await waitFor(() => got.length === 50);
    expect(got).toEqual(range('v', 50));
    // 50 sends, each its own append: far fewer fetch requests than appends (the stream pushed them).
    expect(run.broker.of(ApiKey.Fetch).length).toBeLessThan(10);
  });

  it('the broker sends ahead of a blocked handler no more than the credit (maxBytes), then all of it in order', async () => {
    run.broker = await startInterceptedBroker([{ name: 't', partitions: 1 }]);
    const sluice = sdkClient(run.broker.port);
    const maxBytes = 64 * 1024;
    const c = consumerOf(sluice, { maxBytes });
    await c.connect();
    c.assign([{ topic: 't', partitions: [0], fromBeginning: true }]);
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const got: string[] = [];
    await c.run({
      eachMessage: async ({ message }) => {
        got.push(str(message.value)!.slice(0, 8));
        if (got.length === 1) await blocked;
      },
    });
    await streamsOpened();
    let sent = 0;
    const onFetched = (event: unknown) => void (sent += (event as { bytes: number }).bytes);
    subscribe('sluice:broker:fetch', onFetched);
    try {
      const values = range('r', 300).map((v) => v.padEnd(1024, '.'));
      await produceEach(sluice, 't', 0, values); // 300 KiB, far beyond the credit
      await waitFor(() => got.length === 1);
      await produceEach(sluice, 't', 0, ['last']); // one more round trip after the 300 appends
      const granted = () =>
        run.broker!.of(ApiKey.FetchPush).reduce((n, r) => n + (r.request as FetchPushRequest).creditBytes, 0) +
        run
          .broker!.of(ApiKey.FetchPushCredit)
          .reduce((n, r) => n + (r.request as FetchPushCreditRequest).creditBytes, 0);
      // One record is with the handler; what the broker sent and granted stays within about maxBytes of it.
      expect(sent).toBeLessThan(2 * maxBytes);
      expect(granted()).toBeLessThan(2 * maxBytes);
      release();
      await waitFor(() => got.length === 301, { timeoutMs: 15_000 });
      expect(got).toEqual([...range('r', 300).map((v) => v.padEnd(1024, '.').slice(0, 8)), 'last']);
    } finally {
      unsubscribe('sluice:broker:fetch', onFetched);
    }
  });

  it('bursts with pauses between them, a small credit and a slow handler: every record once, in order', async () => {
    run.broker = await startInterceptedBroker([{ name: 't', partitions: 2 }]);
    const sluice = sdkClient(run.broker.port);
    // Credit of 16 KiB: used up within a burst, so the stream waits for top-ups; idle streams end after 50 ms
    // between bursts and the loop opens new ones (or fetches first): many switches between the two paths.
    const c = consumerOf(sluice, { maxBytes: 16 * 1024, maxWaitTimeInMs: 50 });
    await c.connect();
    c.assign([{ topic: 't', partitions: [0, 1], fromBeginning: true }]);
    const got: Record<number, string[]> = { 0: [], 1: [] };
    let n = 0;
    await c.run({
      eachMessage: async ({ partition, message }) => {
        got[partition]!.push(str(message.value)!.slice(0, 6));
        if (++n % 97 === 0) await new Promise((resolve) => setImmediate(resolve));
      },
    });
    const producer = sluice.producer();
    await producer.connect();
    const sent: Record<number, string[]> = { 0: [], 1: [] };
    for (let burst = 0; burst < 12; burst++) {
      const messages = Array.from({ length: 20 + ((burst * 37) % 60) }, (_, i) => {
        const partition = (burst + i) % 2;
        const value = `${burst}`.padStart(2, '0') + `${i}`.padStart(4, '0');
        sent[partition]!.push(value);
        return { partition, value: value.padEnd(400, '.') };
      });
      await producer.send({ topic: 't', messages });
      if (burst % 3 === 2) await answered(c, 2); // let the streams go idle and open again
    }
    await producer.disconnect();
    await waitFor(() => got[0]!.length + got[1]!.length === sent[0]!.length + sent[1]!.length, { timeoutMs: 15_000 });
    expect(got).toEqual(sent);
    expect(run.broker.of(ApiKey.FetchPush).length).toBeGreaterThan(1);
    expect(run.broker.of(ApiKey.FetchPushCredit).length).toBeGreaterThan(0); // credit ran out and was topped up
  });

  it('a seek while the stream is open re-reads from the new position, then goes on with new records', async () => {
    run.broker = await startInterceptedBroker([{ name: 't', partitions: 1 }]);
    const sluice = sdkClient(run.broker.port);
    await produceEach(sluice, 't', 0, range('v', 5));
    const c = consumerOf(sluice);
    await c.connect();
    c.assign([{ topic: 't', partitions: [0], fromBeginning: true }]);
    const got: string[] = [];
    await c.run({ eachMessage: async ({ message }) => void got.push(str(message.value)!) });
    await waitFor(() => got.length === 5);
    await streamsOpened();
    c.seek({ topic: 't', partition: 0, offset: '2' });
    await waitFor(() => got.length === 8);
    await produceEach(sluice, 't', 0, ['n0', 'n1']);
    await waitFor(() => got.length === 10);
    expect(got).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v2', 'v3', 'v4', 'n0', 'n1']);
  });

  it('pause holds a partition while the other goes on being pushed; resume delivers what it missed, in order', async () => {
    run.broker = await startInterceptedBroker([{ name: 't', partitions: 2 }]);
    const sluice = sdkClient(run.broker.port);
    const c = consumerOf(sluice, { maxWaitTimeInMs: 100 });
    await c.connect();
    c.assign([{ topic: 't', partitions: [0, 1], fromBeginning: true }]);
    const got: Record<number, string[]> = { 0: [], 1: [] };
    await c.run({ eachMessage: async ({ partition, message }) => void got[partition]!.push(str(message.value)!) });
    await streamsOpened();
    c.pause([{ topic: 't', partitions: [1] }]);
    await produceEach(sluice, 't', 1, range('b', 5));
    await produceEach(sluice, 't', 0, range('a', 5));
    await waitFor(() => got[0]!.length === 5);
    await answered(c, 3); // fetches or streams that would have carried partition 1's records
    expect(got[1]).toEqual([]);
    c.resume([{ topic: 't', partitions: [1] }]);
    await waitFor(() => got[1]!.length === 5);
    expect(got).toEqual({ 0: range('a', 5), 1: range('b', 5) });
    await produceEach(sluice, 't', 1, ['b5']);
    await waitFor(() => got[1]!.length === 6);
    expect(got[1]).toEqual(range('b', 6));
  });

  it('a rebalance while streams are open: every record after it is delivered once, each partition in order', async () => {
    run.broker = await startInterceptedBroker([{ name: 't', partitions: 4 }]);
    const sluice = sdkClient(run.broker.port);
    const seen: Array<{ member: string; partition: number; value: string }> = [];
    const member = async (name: string) => {
      const c = consumerOf(sluice, { groupId: 'g', sessionTimeout: 6000, heartbeatInterval: 200 });
      await c.connect();
      await c.subscribe({ topic: 't', fromBeginning: true });
      await c.run({
        eachMessage: async ({ partition, message }) =>
          void seen.push({ member: name, partition, value: str(message.value)! }),
      });
      return c;
    };
    const first = await member('a');
    await streamsOpened();
    const joined = nextEvent(first, first.events.GROUP_JOIN, { message: 'the first member rejoining' });
    const second = await member('b');
    await joined;
    await nextEvent(second, second.events.GROUP_JOIN, { message: 'the second member joining' }).catch(() => {});
    for (let p = 0; p < 4; p++) await produceEach(sluice, 't', p, range(`p${p}-`, 10));
    await waitFor(() => seen.length >= 40, { timeoutMs: 15_000 });
    for (let p = 0; p < 4; p++) {
      const values = seen.filter((s) => s.partition === p);
      expect(values.map((s) => s.value)).toEqual(range(`p${p}-`, 10));
      expect(new Set(values.map((s) => s.member)).size).toBe(1);
    }
    expect(new Set(seen.map((s) => s.member))).toEqual(new Set(['a', 'b']));
  });

  it('stop while a stream is open returns without waiting for it to go idle', async () => {
    run.broker = await startInterceptedBroker([{ name: 't', partitions: 1 }]);
    const sluice = sdkClient(run.broker.port);
    await produceEach(sluice, 't', 0, ['before']); // the first fetch answers at once, the stream follows
    const c = consumerOf(sluice, { maxWaitTimeInMs: 30_000 });
    await c.connect();
    c.assign([{ topic: 't', partitions: [0], fromBeginning: true }]);
    const got: string[] = [];
    await c.run({ eachMessage: async ({ message }) => void got.push(str(message.value)!) });
    await streamsOpened();
    const started = Date.now();
    await c.stop();
    expect(Date.now() - started).toBeLessThan(5000);
    await produceEach(sluice, 't', 0, ['after-stop']);
    await c.run({ eachMessage: async ({ message }) => void got.push(str(message.value)!) });
    // Without a group, run() starts again from the assignment's position (the beginning): then the new record.
    await waitFor(() => got.includes('after-stop'));
    expect(got).toEqual(['before', 'before', 'after-stop']);
  });

  it('a seek while the stream request waits out a throttle ends that stream, not another: the seek is read at once', async () => {
    run.broker = await startInterceptedBroker([{ name: 't', partitions: 1 }]);
    const sluice = sdkClient(run.broker.port);
    await produceEach(sluice, 't', 0, range('v', 5));
    // The first fetch is answered "caught up at 0" with a throttle: the stream request that follows it is
    // held by the client until the throttle ends, and the seek's end of that stream is held behind it.
    const emptyAtZero = { partition: 0, errorCode: 0, highWatermark: 0, lastStableOffset: 0, logStartOffset: 0 };
    run.broker.broker.intercept(ApiKey.Fetch, () => ({
      respond: { throttleTimeMs: 1000, errorCode: 0, topics: [{ name: 't', partitions: [emptyAtZero] }] },
    }));
    const c = consumerOf(sluice, { maxWaitTimeInMs: 20_000 });
    let fetchesStarted = 0;
    c.on(c.events.FETCH_START, () => {
      if (++fetchesStarted === 2) setImmediate(() => c.seek({ topic: 't', partition: 0, offset: '3' }));
    });
    await c.connect();
    c.assign([{ topic: 't', partitions: [0], fromBeginning: true }]);
    const got: string[] = [];
    await c.run({ eachMessage: async ({ message }) => void got.push(str(message.value)!) });
    // Before the fix the end named no stream: the stale stream ran on until idle (maxWait, 20 s).
    await waitFor(() => got.length === 2, { timeoutMs: 8000, message: 'the records after the seek' });
    expect(got).toEqual(['v3', 'v4']);
    expect(endedStreams()).toEqual([run.broker.of(ApiKey.FetchPush)[0]!.correlationId]);
  });

  it('a seek made in a FETCH_START listener, before the stream request exists, ends that stream once it is made', async () => {
    run.broker = await startInterceptedBroker([{ name: 't', partitions: 1 }]);
    const sluice = sdkClient(run.broker.port);
    await produceEach(sluice, 't', 0, range('v', 5));
    const c = consumerOf(sluice, { maxWaitTimeInMs: 20_000 });
    const got: string[] = [];
    let fetchesStarted = 0;
    let deliveredAtSeek = -1;
    // The second round is the stream (the first fetch reads all five and catches up); the runner may still
    // be delivering the first batch, whose rest the seek drops.
    c.on(c.events.FETCH_START, () => {
      if (++fetchesStarted !== 2) return;
      deliveredAtSeek = got.length;
      c.seek({ topic: 't', partition: 0, offset: '3' });
    });
    await c.connect();
    c.assign([{ topic: 't', partitions: [0], fromBeginning: true }]);
    await c.run({ eachMessage: async ({ message }) => void got.push(str(message.value)!) });
    await waitFor(() => deliveredAtSeek >= 0 && got.length === deliveredAtSeek + 2, {
      timeoutMs: 8000,
      message: 'the records after the seek',
    });
    expect(got).toEqual([...range('v', 5).slice(0, deliveredAtSeek), 'v3', 'v4']);
    expect(endedStreams()).toEqual([run.broker.of(ApiKey.FetchPush)[0]!.correlationId]);
  });

  it('a consumer with pushWhenCaughtUp false beside a pushed one: both get everything; it only fetches', async () => {
    run.broker = await startInterceptedBroker([{ name: 't', partitions: 1 }]);
    const port = run.broker.port;
    const client = (clientId: string) =>
      new Sluice({ clientId, brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
    const pushed = consumerOf(client('pushed'));
    const fetching = consumerOf(client('fetching'), { pushWhenCaughtUp: false, maxWaitTimeInMs: 100 });
    const got = { pushed: [] as string[], fetching: [] as string[] };
    for (const [name, c] of [
      ['pushed', pushed],
      ['fetching', fetching],
    ] as const) {
      await c.connect();
      c.assign([{ topic: 't', partitions: [0], fromBeginning: true }]);
      await c.run({ eachMessage: async ({ message }) => void got[name].push(str(message.value)!) });
    }
    await streamsOpened();
    await produceEach(client('producer'), 't', 0, range('v', 30));
    await waitFor(() => got.pushed.length === 30 && got.fetching.length === 30);
    expect(got).toEqual({ pushed: range('v', 30), fetching: range('v', 30) });
    const streamsBy = (clientId: string) => run.broker!.of(ApiKey.FetchPush).filter((r) => r.clientId === clientId);
    expect(streamsBy('fetching')).toEqual([]);
    expect(streamsBy('pushed').length).toBeGreaterThan(0);
  });

  it('a broker that does not list FetchPush (an older one) is fetched as before', async () => {
    run.broker = await startInterceptedBroker([{ name: 't', partitions: 1 }]);
    const wire = await WireClient.connect(run.broker.port);
    const versions = await wire.request(ApiVersionsApi, {});
    wire.destroy();
    const older = versions.apiVersions.filter(
      (v) => v.apiKey !== ApiKey.FetchPush && v.apiKey !== ApiKey.FetchPushCredit,
    );
    run.broker.broker.intercept(ApiKey.ApiVersions, () => ({ respond: { ...versions, apiVersions: older } }), {
      keep: true,
    });
    const sluice = sdkClient(run.broker.port);
    const c = consumerOf(sluice, { maxWaitTimeInMs: 100 });
    await c.connect();
    c.assign([{ topic: 't', partitions: [0], fromBeginning: true }]);
    const got: string[] = [];
    await c.run({ eachMessage: async ({ message }) => void got.push(str(message.value)!) });
    await answered(c, 2);
    await produceEach(sluice, 't', 0, range('v', 20));
    await waitFor(() => got.length === 20);
    expect(got).toEqual(range('v', 20));
    expect(run.broker.of(ApiKey.FetchPush)).toEqual([]);
    expect(run.broker.of(ApiKey.Fetch).length).toBeGreaterThan(2);
  });
});
