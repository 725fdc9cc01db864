// Long-poll fetch: woken by an append as soon as it lands, otherwise answered after maxWaitMs.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FetchApi } from '../../src/protocol/index.js';
import {
  batchOf,
  createTopic,
  fetchPartition,
  parkedFetchWaits,
  produce,
  recordsOf,
  startBroker,
  values,
  type TestBroker,
} from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { elapse, waitFor } from '../helpers/wait-for.js';
import type { WireClient } from '../helpers/wire-client.js';

let t: TestBroker;
let client: WireClient;
let producer: WireClient;

beforeEach(async () => {
  t = await startBroker();
  client = await t.client();
  producer = await t.client();
  await createTopic(client, 'poll', 2);
});
afterEach(async () => t.stop());
afterAll(removeTempDirs);

describe('long-poll fetch', () => {
  it('returns as soon as a produce lands, well before maxWaitMs', async () => {
    const started = performance.now();
    const pending = fetchPartition(client, 'poll', 0, 0, { maxWaitMs: 10_000, minBytes: 1 });
    await waitFor(() => parkedFetchWaits(t.broker) > 0, { message: 'the fetch to park' });
    await produce(producer, 'poll', 0, batchOf(['wake']), 1);
    const res = await pending;
    const elapsed = performance.now() - started;
    expect(values(await recordsOf(res))).toEqual(['wake']);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('is woken by an append to any of its partitions', async () => {
    const started = performance.now();
    const pending = client.request(FetchApi, {
      maxWaitMs: 10_000,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      topics: [
        {
          name: 'poll',
          partitions: [
            { partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 },
            { partition: 1, fetchOffset: 0, partitionMaxBytes: 1 << 20 },
          ],
        },
      ],
    });
    await waitFor(() => parkedFetchWaits(t.broker) > 0, { message: 'the fetch to park' });
    await produce(producer, 'poll', 1, batchOf(['p1']), 1);
    const res = await pending;
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(res.topics[0]!.partitions[0]!.records).toEqual([]);
    expect(values(await recordsOf(res.topics[0]!.partitions[1]!))).toEqual(['p1']);
  });

  it('answers empty after maxWaitMs when nothing arrives', async () => {
    const started = performance.now();
    const res = await fetchPartition(client, 'poll', 0, 0, { maxWaitMs: 300, minBytes: 1 });
    const elapsed = performance.now() - started;
    expect(res.errorCode).toBe(0);
    expect(res.records).toEqual([]);
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('keeps waiting until minBytes are there, then answers everything', async () => {
    const pending = fetchPartition(client, 'poll', 0, 0, { maxWaitMs: 10_000, minBytes: 300 });
    let settled = false;
    void pending.then(() => (settled = true));
    await produce(producer, 'poll', 0, batchOf(['small']), 1);
    await elapse(100, 'woken by the small append, the fetch must go back to waiting, not answer');
    expect(settled).toBe(false);
    await produce(producer, 'poll', 0, batchOf(['y'.repeat(400)]), 1);
    const res = await pending;
    expect((await recordsOf(res)).length).toBe(2);
  });

  it('a waiting fetch does not hold up responses to later requests from other connections', async () => {
    const pending = fetchPartition(client, 'poll', 0, 0, { maxWaitMs: 5_000 });
    const started = performance.now();
    await produce(producer, 'poll', 1, batchOf(['other']), 1);
    expect(performance.now() - started).toBeLessThan(1_000);
    await produce(producer, 'poll', 0, batchOf(['done']), 1);
    expect((await pending).errorCode).toBe(0);
  });

  it('a client that disconnects stops its long poll from waiting', async () => {
    const leaving = await t.client();
    void fetchPartition(leaving, 'poll', 0, 0, { maxWaitMs: 60_000 }).catch(() => undefined);
    await waitFor(() => parkedFetchWaits(t.broker) > 0, { message: 'the fetch to park' });
    leaving.destroy();
    await waitFor(() => parkedFetchWaits(t.broker) === 0, { message: 'the parked fetch to go with its client' });
  });

  it('a stop() returns waiting fetches at once', async () => {
    const pending = fetchPartition(client, 'poll', 0, 0, { maxWaitMs: 20_000 });
    await waitFor(() => parkedFetchWaits(t.broker) > 0, { message: 'the fetch to park' });
    const started = performance.now();
    await t.broker.stop();
    const res = await pending;
    expect(res.records).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
