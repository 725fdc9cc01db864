// connectionsMaxIdleMs (Kafka's connections.max.idle.ms): a connection with nothing in flight that sent and was
// sent nothing for that long is closed, so a client that vanished without closing does not hold one for
// ever. A long poll in flight, or a client that keeps talking, keeps its connection; the SDK's producer
// reconnects by itself on its next send. Real broker, the limit set to 400 ms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLevel, Sluice } from '../../src/client/index.js';
import { ApiVersionsApi } from '../../src/protocol/index.js';
import { createTopic, fetchPartition, LogCapture, startBroker, type TestBroker } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { elapse, waitFor } from '../helpers/wait-for.js';

const IDLE_MS = 400;
let t: TestBroker;

beforeAll(async () => {
  t = await startBroker({ connectionsMaxIdleMs: IDLE_MS });
  const c = await t.client();
  await createTopic(c, 'idle', 1);
});

afterAll(async () => {
  await t?.stop();
  await removeTempDirs();
});

const apiVersions = { clientSoftwareName: 'test', clientSoftwareVersion: '1' };

describe('idle connections', () => {
  it('a connection that goes quiet is closed after connectionsMaxIdleMs (and not before)', async () => {
    const c = await t.client();
    await c.request(ApiVersionsApi, apiVersions);
    const quietFrom = performance.now();
    await c.closed;
    const after = performance.now() - quietFrom;
    expect(after).toBeGreaterThanOrEqual(IDLE_MS - 20);
    // At most a quarter more (the sweep's period), plus a margin for a loaded machine's late timers.
    expect(after).toBeLessThan(IDLE_MS * 1.25 + 4000);
  });

  it('a client that keeps talking keeps its connection', async () => {
    const c = await t.client();
    const until = performance.now() + IDLE_MS * 4;
    while (performance.now() < until) {
      await c.request(ApiVersionsApi, apiVersions);
      await elapse(IDLE_MS / 4, 'the pause between requests of a client that keeps talking');
    }
    expect(c.isClosed).toBe(false);
  });

  it('a long poll in flight keeps its connection, and is answered', async () => {
    const c = await t.client();
    const startedAt = performance.now();
    const result = await fetchPartition(c, 'idle', 0, 0, { maxWaitMs: IDLE_MS * 3 });
    expect(result.errorCode).toBe(0);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(IDLE_MS * 3 - 50);
    expect(c.isClosed).toBe(false);
  });

  it("the SDK's producer sends again after the broker closed its idle connections", async () => {
    // A broker of its own, whose log says when each connection opened and closed.
    const log = new LogCapture();
    const own = await startBroker({ connectionsMaxIdleMs: IDLE_MS, logger: log.logger });
    const said = (msg: string) => log.lines.filter((l) => l.msg === msg).length;
    const sluice = new Sluice({ brokers: [`127.0.0.1:${own.port}`], logLevel: logLevel.NOTHING });
    const admin = sluice.admin();
    const producer = sluice.producer();
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'idle', numPartitions: 1 }] });
      await admin.disconnect();
      await producer.connect();
      const first = await producer.send({ topic: 'idle', messages: [{ value: 'before' }] });
      await waitFor(() => said('connection closed') === said('connection opened'), {
        timeoutMs: IDLE_MS * 10,
        message: 'the broker to close every idle connection of the producer',
      });
      expect(said('closing an idle connection (connectionsMaxIdleMs)')).toBeGreaterThan(0);
      const second = await producer.send({ topic: 'idle', messages: [{ value: 'after' }] });
      expect(Number(second[0]!.baseOffset)).toBe(Number(first[0]!.baseOffset) + 1);
    } finally {
      await producer.disconnect();
      await own.stop();
    }
  });
});
