// Chained fetches (Fetch v1 `chained`): a request waiting behind the connection's previous Fetch, then
// reading each partition from where that fetch's answer left it — never the same records twice, none skipped.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiKey, FetchApi, type FetchRequest, type FetchResponse } from '../../src/protocol/index.js';
import {
  batchOf,
  createTopic,
  parkedFetchWaits,
  produce,
  recordsOf,
  startBroker,
  values,
  type TestBroker,
} from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import type { WireClient } from '../helpers/wire-client.js';

let t: TestBroker;
let consumer: WireClient;
let producer: WireClient;

beforeEach(async () => {
  t = await startBroker();
  consumer = await t.client();
  producer = await t.client();
  await createTopic(producer, 'chain', 2);
});
afterEach(async () => t.stop());
afterAll(removeTempDirs);

function fetchOf(partitions: Array<[number, number]>, options: Partial<FetchRequest> = {}): Promise<FetchResponse> {
  return consumer.request(FetchApi, {
    maxWaitMs: 10_000,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    topics: [
      {
        name: 'chain',
        partitions: partitions.map(([partition, fetchOffset]) => ({
          partition,
          fetchOffset,
          partitionMaxBytes: 1 << 20,
        })),
      },
    ],
    ...options,
  });
}

async function valuesOf(response: FetchResponse, partition = 0): Promise<Array<string | null>> {
  const result = response.topics[0]!.partitions.find((p) => p.partition === partition)!;
  expect(result.errorCode).toBe(0);
  return values(await recordsOf(result));
}

describe('chained fetch', () => {
  it('waits behind the parked fetch, then continues after its answer: each record once, in order', async () => {
    const first = fetchOf([[0, 0]]);
    const second = fetchOf([[0, 0]], { chained: true });
    await waitFor(() => parkedFetchWaits(t.broker) === 1, { message: 'the first fetch to park' });
    await produce(producer, 'chain', 0, batchOf(['a', 'b']), 1);
    expect(await valuesOf(await first)).toEqual(['a', 'b']);
    // The chained fetch is now the one parked (it asked for offset 0, but continues at 2).
    await waitFor(() => parkedFetchWaits(t.broker) === 1, { message: 'the chained fetch to park' });
    await produce(producer, 'chain', 0, batchOf(['c']), 1);
    expect(await valuesOf(await second)).toEqual(['c']);
  });

  it('keeps a chain going: every record of many small produces reaches the chain exactly once', async () => {
    const seen: Array<string | null> = [];
    const inFlight = [fetchOf([[0, 0]], { maxWaitMs: 200 }), fetchOf([[0, 0]], { maxWaitMs: 200, chained: true })];
    const sent: string[] = [];
    const producing = (async () => {
      for (let i = 0; i < 60; i++) {
        sent.push(`r${i}`);
        await produce(producer, 'chain', 0, batchOf([`r${i}`]), 1);
      }
    })();
    let produced = false;
    void producing.then(() => (produced = true));
    while (!produced || seen.length < 60) {
      const head = inFlight.shift()!;
      inFlight.push(fetchOf([[0, 0]], { maxWaitMs: 200, chained: true }));
      seen.push(...(await valuesOf(await head)));
    }
    await Promise.all(inFlight);
    expect(seen).toEqual(sent);
  });

  it('continues at the offset an explicit fetch asked for when that one was answered empty', async () => {
    await produce(producer, 'chain', 0, batchOf(['a', 'b', 'c']), 1);
    expect(await valuesOf(await fetchOf([[0, 0]]))).toEqual(['a', 'b', 'c']);
    // Repositioned at the log end: answered empty after its wait, which moves the chain to offset 3, not back.
    expect(await valuesOf(await fetchOf([[0, 3]], { maxWaitMs: 1 }))).toEqual([]);
    const chained = fetchOf([[0, 0]], { chained: true });
    await waitFor(() => parkedFetchWaits(t.broker) === 1, { message: 'the chained fetch to park' });
    await produce(producer, 'chain', 0, batchOf(['d']), 1);
    expect(await valuesOf(await chained)).toEqual(['d']);
  });

  it('reads a partition the previous fetch did not ask for from the fetchOffset it gives', async () => {
    await produce(producer, 'chain', 0, batchOf(['p0']), 1);
    await produce(producer, 'chain', 1, batchOf(['x']), 1);
    await produce(producer, 'chain', 1, batchOf(['y']), 1);
    expect(await valuesOf(await fetchOf([[0, 0]]))).toEqual(['p0']);
    const both = await fetchOf(
      [
        [0, 0],
        [1, 1],
      ],
      { chained: true, maxWaitMs: 1 },
    );
    expect(await valuesOf(both, 0)).toEqual([]);
    expect(await valuesOf(both, 1)).toEqual(['y']);
  });

  it('ends with its connection: nothing stays parked for a closed client', async () => {
    void fetchOf([[0, 0]]).catch(() => {});
    void fetchOf([[0, 0]], { chained: true }).catch(() => {});
    await waitFor(() => parkedFetchWaits(t.broker) === 1, { message: 'the first fetch to park' });
    consumer.destroy();
    await waitFor(() => parkedFetchWaits(t.broker) === 0, { message: 'both fetches to end' });
    // The broker still serves others at once.
    await produce(producer, 'chain', 0, batchOf(['after']), 1);
  });

  it('is refused in a v0 request (the field is v1)', async () => {
    const { body } = FetchApi.encodeRequest({
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      topics: [],
      chained: true,
    });
    const raw = await consumer.send(ApiKey.Fetch, 0, body);
    expect(raw.error?.message).toMatch(/chained: unknown field \(not in version 0\)/);
  });
});
