// The idempotent producer against a real in-process broker whose disk fails under it (FaultyFs): many
// concurrent sends pipelined to one partition, writes and fsyncs failing at random, answers lost to
// client-side timeouts while the batch is in fact stored. The log must hold every sent record exactly
// once, in send() order — what a Kafka user expects from enable.idempotence.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { logLevel, Sluice } from '../../src/client/index.js';
import { FaultyFs } from '../../storage/index.js';
import { readAll, startBroker, values, type TestBroker } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { elapse } from '../helpers/wait-for.js';
import { LogSink } from '../client/helpers.js';

afterAll(removeTempDirs);
let running: TestBroker | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const onLog = (path: string) => path.endsWith('.log');

function client(port: number, logs: LogSink, requestTimeout = 30_000): Sluice {
  return new Sluice({
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.DEBUG,
    logCreator: logs.logCreator,
    requestTimeout,
    retry: { retries: 1000, initialRetryTime: 5, maxRetryTime: 30 },
  });
}

/** `count` single-record sends in `groups` bursts (so several requests are in flight), values "m<i>". */
async function sendAll(producer: ReturnType<Sluice['producer']>, count: number, perSend: number) {
  const sends: Array<Promise<unknown>> = [];
  for (let i = 0; i < count; i += perSend) {
    const messages = Array.from({ length: Math.min(perSend, count - i) }, (_, k) => ({ value: `m${i + k}` }));
    sends.push(producer.send({ topic: 't', messages }));
    if ((i / perSend) % 10 === 9) await new Promise((r) => setImmediate(r));
  }
  return Promise.all(sends);
}

describe('idempotent producer (default) against a real broker', () => {
  it('pipelined sends with failing writes and fsyncs: every record stored exactly once, in send order', async () => {
    const fs = new FaultyFs();
    fs.syncDelayMs = 2; // fsyncs take a moment, so requests pile up and pipeline
    running = await startBroker({ fs, flush: 'always' });
    const logs = new LogSink();
    const sluice = client(running.port, logs);
    const admin = sluice.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 't', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = sluice.producer();
    await producer.connect();

    // Arm one fault every few milliseconds: torn writes and failed fsyncs (which roll back acknowledged-
    // pending appends of several pipelined requests at once).
    let armed = 0;
    const injector = setInterval(() => {
      if (armed === 60) return;
      if (armed % 2 === 0) fs.failWrites({ code: 'ENOSPC', times: 1, path: onLog, partialBytes: 17 });
      else fs.failFsyncs({ code: 'EIO', times: 1, path: onLog });
      armed++;
    }, 4);
    const count = 3000;
    try {
      await sendAll(producer, count, 3);
    } finally {
      clearInterval(injector);
      fs.clearFaults();
    }
    expect(producer.isIdempotent()).toBe(true);
    expect(armed).toBeGreaterThan(5);
    expect(logs.has(/produce failed, will retry/)).toBe(true);
    await producer.disconnect();

    const c = await running.client();
    const stored = await readAll(c, 't', 0);
    expect(stored.length).toBe(count);
    expect(values(stored)).toEqual(Array.from({ length: count }, (_, i) => `m${i}`));
    expect(stored.map((r) => r.offset)).toEqual(Array.from({ length: count }, (_, i) => i));
  }, 60_000);

  it('a retry after a lost answer (timeout while the fsync is slow) is answered with the original offset, not stored twice', async () => {
    const fs = new FaultyFs();
    running = await startBroker({ fs, flush: 'always' });
    const logs = new LogSink();
    const sluice = client(running.port, logs, 150);
    const producer = sluice.producer();
    await producer.connect();
    const admin = sluice.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 't', numPartitions: 1 }] });
    await admin.disconnect();
    expect(await producer.send({ topic: 't', messages: [{ value: 'first' }] })).toMatchObject([{ baseOffset: '0' }]);

    fs.syncDelayMs = 400; // every answer now comes after the client gave up: each send is retried
    const results = await Promise.all(
      [0, 1, 2, 3].map((i) => producer.send({ topic: 't', messages: [{ value: `slow${i}` }, { value: `slow${i}b` }] })),
    );
    fs.syncDelayMs = 0;
    expect(logs.entries.some((e) => /timed out/.test(String((e.log as { error?: unknown }).error)))).toBe(true);
    expect(results.map((r) => r[0]!.baseOffset)).toEqual(['1', '3', '5', '7']);
    await producer.disconnect();

    const stored = await readAll(await running.client(), 't', 0);
    expect(values(stored)).toEqual([
      'first',
      'slow0',
      'slow0b',
      'slow1',
      'slow1b',
      'slow2',
      'slow2b',
      'slow3',
      'slow3b',
    ]);
  }, 60_000);

  it('after the broker forgot the producer (producerIdExpirationMs), the next sends are resent at a new epoch, not failed', async () => {
    running = await startBroker({ producerIdExpirationMs: 200, maintenanceIntervalMs: 20 });
    const logs = new LogSink();
    const producer = client(running.port, logs).producer();
    await producer.connect();
    await sendAll(producer, 30, 3);
    // No public sign of the expiry: the idle time (200 ms, checked every 20 ms) must pass, with a margin.
    await elapse(500, "an idle producer's state expires");
    await sendAll(producer, 30, 3); // pipelined: the first request is refused, the ones behind it too
    expect(logs.has(/forgot this producer/)).toBe(true);
    await producer.disconnect();
    const stored = await readAll(await running.client(), 't', 0);
    expect(values(stored)).toEqual([
      ...Array.from({ length: 30 }, (_, i) => `m${i}`),
      ...Array.from({ length: 30 }, (_, i) => `m${i}`),
    ]);
  });

  it('idempotent: false keeps one request per partition in flight and stamps no producer id', async () => {
    running = await startBroker();
    const logs = new LogSink();
    const producer = client(running.port, logs).producer({ idempotent: false });
    await producer.connect();
    await sendAll(producer, 300, 3);
    expect(producer.isIdempotent()).toBe(false);
    await producer.disconnect();
    const stored = await readAll(await running.client(), 't', 0);
    expect(values(stored)).toEqual(Array.from({ length: 300 }, (_, i) => `m${i}`));
  });
});
