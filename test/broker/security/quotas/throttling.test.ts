// Quota throttling as a user measures it: a producer over its producer_byte_rate and a reader over its
// consumer_byte_rate are slowed to their quota (rates measured after the first second's burst, over
// seconds; the bound above is 10 %, the one below generous for a loaded machine), answered with
// throttleTimeMs, and never disconnected.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Sluice } from '../../../../src/client/index.js';
import { ErrorCode, FetchApi, ProduceApi } from '../../../../src/protocol/index.js';
import { sdkClient } from '../../../client/helpers.js';
import { batchOf, produce, startBroker, type TestBroker } from '../../../helpers/broker.js';
import { removeTempDirs } from '../../../helpers/temp-dir.js';

const QUOTA = 256 * 1024;

let t: TestBroker;
let sluice: Sluice;

afterEach(async () => t?.stop());
afterAll(removeTempDirs);

/** Bytes per second between the first point at or past `after` bytes and the last point. */
function rateAfter(points: ReadonlyArray<{ at: number; bytes: number }>, after: number): number {
  const start = points.find((p) => p.bytes >= after)!;
  const end = points[points.length - 1]!;
  return ((end.bytes - start.bytes) / (end.at - start.at)) * 1000;
}

describe('client quotas', () => {
  it('slows a producer over producer_byte_rate to its quota, without disconnecting it', async () => {
    t = await startBroker();
    sluice = sdkClient(t.port);
    const admin = sluice.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'q', numPartitions: 1 }] });
    await admin.alterClientQuotas({
      entries: [{ entity: { clientId: 'sdk-test' }, ops: [{ key: 'producer_byte_rate', value: QUOTA }] }],
    });
    expect(await admin.describeClientQuotas()).toEqual([
      { entity: { clientId: 'sdk-test' }, values: { producer_byte_rate: QUOTA } },
    ]);
    const producer = sluice.producer();
    await producer.connect();
    const value = 'x'.repeat(16 * 1024);
    const points: Array<{ at: number; bytes: number }> = [];
    let bytes = 0;
    for (let i = 0; i < 32; i++) {
      await producer.send({ topic: 'q', messages: Array.from({ length: 4 }, () => ({ value })) });
      bytes += 4 * value.length;
      points.push({ at: performance.now(), bytes });
    }
    // Past two seconds' worth the burst is spent whatever the machine's speed: the bucket is in debt.
    const rate = rateAfter(points, 2 * QUOTA);
    expect(rate).toBeLessThanOrEqual(QUOTA * 1.1);
    expect(rate).toBeGreaterThan(QUOTA * 0.5);
    await producer.disconnect();
    await admin.disconnect();
  });

  it('an SDK producer sending concurrently waits for its throttles itself: slowed to its quota', async () => {
    t = await startBroker();
    sluice = sdkClient(t.port);
    const admin = sluice.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'q', numPartitions: 1 }] });
    await admin.alterClientQuotas({
      entries: [{ entity: { clientId: 'sdk-test' }, ops: [{ key: 'producer_byte_rate', value: QUOTA }] }],
    });
    const producer = sluice.producer();
    const produceRequests: Array<{ pendingDuration: number }> = [];
    producer.on(producer.events.REQUEST, (e) => {
      if (e.payload.apiName === 'Produce') produceRequests.push(e.payload);
    });
    await producer.connect();
    const value = 'x'.repeat(16 * 1024);
    const points: Array<{ at: number; bytes: number }> = [];
    let bytes = 0;
    // Four senders at once: without client-side throttling their requests would pile up on a connection
    // the broker holds; with it they wait in the client for each throttle to end.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 8; i++) {
          await producer.send({ topic: 'q', messages: Array.from({ length: 4 }, () => ({ value })) });
          bytes += 4 * value.length;
          points.push({ at: performance.now(), bytes });
        }
      }),
    );
    const rate = rateAfter(points, 2 * QUOTA);
    expect(rate).toBeLessThanOrEqual(QUOTA * 1.1);
    expect(rate).toBeGreaterThan(QUOTA * 0.5);
    // Requests made during a throttle waited in the client before they were written.
    expect(produceRequests.filter((r) => r.pendingDuration > 0).length).toBeGreaterThan(0);
    await producer.disconnect();
    await admin.disconnect();
  });

  it('slows a reader over consumer_byte_rate to its quota; its fetches carry throttleTimeMs', async () => {
    t = await startBroker();
    const client = await t.client();
    const value = 'y'.repeat(16 * 1024);
    for (let i = 0; i < 32; i++) {
      const stored = await produce(client, 'r', 0, batchOf([value, value, value, value]));
      expect(stored.errorCode).toBe(ErrorCode.NONE);
    }
    // The wire client's client id is "test".
    const [altered] = await t.broker.core.quotas.store.alter(
      [{ entity: { clientId: 'test' }, ops: [{ key: 'consumer_byte_rate', remove: false, value: QUOTA }] }],
      false,
    );
    expect(altered).toBeNull();
    const points: Array<{ at: number; bytes: number }> = [];
    let bytes = 0;
    let offset = 0;
    let throttled = 0;
    while (offset < 128) {
      const response = await client.request(FetchApi, {
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 64 * 1024,
        isolationLevel: 0,
        topics: [{ name: 'r', partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 64 * 1024 }] }],
      });
      if (response.throttleTimeMs > 0) throttled++;
      const p = response.topics[0]!.partitions[0]!;
      expect(p.errorCode).toBe(ErrorCode.NONE);
      for (const chunk of p.records) bytes += chunk.length;
      offset += 4; // one batch of 4 records per fetch (64 KiB fits one 64 KiB batch and a bit)
      points.push({ at: performance.now(), bytes });
    }
    expect(throttled).toBeGreaterThan(10);
    const rate = rateAfter(points, 2 * QUOTA);
    expect(rate).toBeLessThanOrEqual(QUOTA * 1.1);
    expect(rate).toBeGreaterThan(QUOTA * 0.5);
  });

  it('throttles a producer whose requests take more than its request_percentage of a thread', async () => {
    t = await startBroker();
    sluice = sdkClient(t.port);
    const admin = sluice.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'busy', numPartitions: 1 }] });
    // The wire client's client id is "test"; 1 % of one thread is 10 ms of every second.
    await admin.alterClientQuotas({
      entries: [{ entity: { clientId: 'test' }, ops: [{ key: 'request_percentage', value: 1 }] }],
    });
    expect(await admin.describeClientQuotas()).toEqual([
      { entity: { clientId: 'test' }, values: { request_percentage: 1 } },
    ]);
    await admin.disconnect();
    const client = await t.client();
    let throttled = 0;
    for (let i = 0; i < 5000 && throttled === 0; i++) {
      const response = await client.request(ProduceApi, {
        acks: 1,
        timeoutMs: 5000,
        topics: [{ name: 'busy', partitions: [{ partition: 0, records: batchOf(['a', 'b']) }] }],
      });
      expect(response.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
      throttled = response.throttleTimeMs;
    }
    expect(throttled).toBeGreaterThan(0);
    expect((await produce(client, 'busy', 0, batchOf(['still connected']))).errorCode).toBe(ErrorCode.NONE);
  });
});
