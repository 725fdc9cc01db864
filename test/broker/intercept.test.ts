// Broker.intercept, the test seam users get too: errors, delays, own responses, dropped requests and
// responses, closed connections, and the keep/times/remove lifetime, as a client sees them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/index.js';
import { ApiKey, ErrorCode, ListOffsetsApi, ProduceApi } from '../../src/protocol/index.js';
import { batchOf, createTopic, produce, readAll, startBroker, type TestBroker, values } from '../helpers/broker.js';
import type { WireClient } from '../helpers/wire-client.js';

let t: TestBroker;
let broker: Broker;
let client: WireClient;

beforeEach(async () => {
  t = await startBroker();
  broker = t.broker;
  client = await t.client();
  await createTopic(client, 'orders', 1);
});
afterEach(() => t.stop());

const latest = { isolationLevel: 0, topics: [{ name: 'orders', partitions: [{ partition: 0, timestamp: -1 }] }] };

describe('Broker.intercept', () => {
  it('answers an error once, then lets requests through (the default lifetime)', async () => {
    const handle = broker.intercept('Produce', () => ({ error: 'NOT_LEADER_FOR_PARTITION', message: 'moved' }));
    const refused = await produce(client, 'orders', 0, batchOf(['a'])).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: ErrorCode.NOT_LEADER_FOR_PARTITION, message: 'moved' });
    expect(handle).toMatchObject({ intercepted: 1, active: false });
    expect((await produce(client, 'orders', 0, batchOf(['b']))).errorCode).toBe(0);
    expect(values(await readAll(client, 'orders', 0))).toEqual(['b']); // the refused one was not stored
  });

  it('passes through what the interceptor does not act on, and keeps it for later requests', async () => {
    const seen: number[] = [];
    const handle = broker.intercept(ProduceApi, (r) => {
      seen.push(r.request.topics[0]!.partitions[0]!.records.length);
      return seen.length === 2 ? { error: 'NOT_ENOUGH_REPLICAS' } : undefined;
    });
    expect((await produce(client, 'orders', 0, batchOf(['a']))).errorCode).toBe(0);
    expect(handle).toMatchObject({ intercepted: 0, active: true });
    await expect(produce(client, 'orders', 0, batchOf(['b']))).rejects.toMatchObject({
      code: ErrorCode.NOT_ENOUGH_REPLICAS,
    });
    expect(handle.active).toBe(false);
    expect(seen).toHaveLength(2);
  });

  it('keeps acting with keep, n times with times, and stops at remove()', async () => {
    const twice = broker.intercept(ApiKey.Produce, () => ({ error: 'KAFKA_STORAGE_ERROR' }), { times: 2 });
    for (const value of ['a', 'b'])
      await expect(produce(client, 'orders', 0, batchOf([value]))).rejects.toMatchObject({
        code: ErrorCode.KAFKA_STORAGE_ERROR,
      });
    expect(twice.active).toBe(false);
    const kept = broker.intercept('Produce', () => ({ error: 'NOT_LEADER_FOR_PARTITION' }), { keep: true });
    for (const value of ['c', 'd', 'e'])
      await expect(produce(client, 'orders', 0, batchOf([value]))).rejects.toMatchObject({
        code: ErrorCode.NOT_LEADER_FOR_PARTITION,
      });
    expect(kept.intercepted).toBe(3);
    kept.remove();
    expect((await produce(client, 'orders', 0, batchOf(['f']))).errorCode).toBe(0);
    expect(values(await readAll(client, 'orders', 0))).toEqual(['f']);
  });

  it('answers with a response of its own, without serving the request', async () => {
    broker.intercept(ListOffsetsApi, () => ({
      respond: {
        topics: [
          {
            name: 'orders',
            partitions: [{ partition: 0, errorCode: 0, errorMessage: null, timestamp: -1, offset: 42 }],
          },
        ],
      },
    }));
    const answer = await client.request(ListOffsetsApi, latest);
    expect(answer.topics[0]!.partitions[0]!.offset).toBe(42);
    expect((await client.request(ListOffsetsApi, latest)).topics[0]!.partitions[0]!.offset).toBe(0);
  });

  it('delays a request, then serves it', async () => {
    broker.intercept('Produce', () => ({ delayMs: 200 }));
    const started = performance.now();
    expect((await produce(client, 'orders', 0, batchOf(['late']))).errorCode).toBe(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(values(await readAll(client, 'orders', 0))).toEqual(['late']);
  });

  it('drops a response: the request is served, its answer never comes, the connection closes on request', async () => {
    broker.intercept('Produce', () => ({ drop: 'response', disconnect: true }));
    await expect(produce(client, 'orders', 0, batchOf(['stored']))).rejects.toThrow();
    const again = await t.client();
    expect(values(await readAll(again, 'orders', 0))).toEqual(['stored']);
  });

  it('drops a request: neither served nor answered, until the connection closes', async () => {
    let release!: () => void;
    const dropped = new Promise<void>((resolve) => (release = resolve));
    broker.intercept('Produce', () => {
      release();
      return { drop: 'request' };
    });
    const pending = produce(client, 'orders', 0, batchOf(['lost'])).catch((e: unknown) => e);
    await dropped;
    const other = await t.client();
    expect(values(await readAll(other, 'orders', 0))).toEqual([]);
    client.destroy();
    expect(await pending).toBeInstanceOf(Error);
  });

  it('closes the connection instead of answering', async () => {
    broker.intercept('ListOffsets', () => ({ disconnect: true }));
    await expect(client.request(ListOffsetsApi, latest)).rejects.toThrow();
    const again = await t.client();
    expect((await again.request(ListOffsetsApi, latest)).topics[0]!.partitions[0]!.errorCode).toBe(0);
  });

  it('refuses an unknown API name, and clearInterceptors() removes every interceptor', async () => {
    expect(() => broker.intercept('Nope' as never, () => undefined)).toThrow(/unknown API Nope/);
    const a = broker.intercept('Produce', () => ({ error: 'KAFKA_STORAGE_ERROR' }), { keep: true });
    const b = broker.intercept('Fetch', () => ({ error: 'KAFKA_STORAGE_ERROR' }), { keep: true });
    broker.clearInterceptors();
    expect([a.active, b.active]).toEqual([false, false]);
    expect((await produce(client, 'orders', 0, batchOf(['x']))).errorCode).toBe(0);
  });
});
