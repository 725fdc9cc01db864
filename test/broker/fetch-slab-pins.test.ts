// A fetch answered from the tail cache hands the socket views of the cache's slabs, and a view keeps its
// whole slab alive for as long as the response waits to be written, after the cache has dropped the slab
// too. Such a response pins its slabs (storage/tail-cache.ts, "Pins"): a slab dropped while pinned stays
// counted against tailCacheTotalBytes until the response is written or its connection closes, so the
// caches' bound covers what waiting responses keep. Here the responses wait behind a long poll pipelined
// before them on the same connection (responses leave in request order).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FetchEvent } from '../../src/broker/diagnostics.js';
import { FetchApi, type FetchRequest } from '../../src/protocol/index.js';
import { sdkClient } from '../client/helpers.js';
import { batchOf, createTopic, produce, recordsOf, startBroker, type TestBroker, values } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import type { WireClient } from '../helpers/wire-client.js';
import { waitFor } from '../helpers/wait-for.js';

const KiB = 1024;
const BUDGET = 1024 * KiB;
const TAILS = 8;
/** Each tails partition holds one small batch, copied into its cache's first slab: 4 KiB. */
const SLAB = 4 * KiB;

let t: TestBroker | undefined;
afterEach(async () => t?.stop());
afterAll(removeTempDirs);

function cachedBytes(broker: TestBroker): number {
  return broker.broker.tailCacheStats.bytes;
}

function pinnedBytes(broker: TestBroker): number {
  return broker.broker.tailCacheStats.pinnedBytes;
}

/** Open FetchPush streams (a look at the broker's internals: there is no public gauge). */
function consumerStreams(broker: TestBroker): number {
  return (broker.broker as unknown as { fetchSessions: { streams: number } }).fetchSessions.streams;
}

const tailValue = (partition: number) => `tail-${partition}-${'x'.repeat(900)}`;

function fetchRequest(topic: string, partitions: number[], maxWaitMs: number): FetchRequest {
  return {
    maxWaitMs,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    topics: [
      {
        name: topic,
        partitions: partitions.map((partition) => ({ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20 })),
      },
    ],
  };
}

/** A long poll of the empty topic, then a fetch of every tails partition that waits behind it. */
function pipelineBehindLongPoll(client: WireClient, longPollMs: number) {
  const longPoll = client.request(FetchApi, fetchRequest('idle', [0], longPollMs));
  const tails = client.request(
    FetchApi,
    fetchRequest(
      'tails',
      Array.from({ length: TAILS }, (_, p) => p),
      0,
    ),
  );
  return { longPoll, tails };
}

describe('tail cache slabs pinned by responses waiting to be written', () => {
  it('stay counted against the caches’ budget after the cache drops them, until written or the connection closes', async () => {
    t = await startBroker({ tailCacheTotalBytes: BUDGET });
    const admin = await t.client();
    await createTopic(admin, 'tails', TAILS);
    await createTopic(admin, 'idle', 1);
    await createTopic(admin, 'busy', 1);
    for (let p = 0; p < TAILS; p++)
      expect((await produce(admin, 'tails', p, batchOf([tailValue(p)]))).errorCode).toBe(0);
    expect(cachedBytes(t)).toBe(TAILS * SLAB);

    // Two clients each have the tails fetch answered from the cache, its response held behind a long poll.
    const answered: FetchEvent[] = [];
    const onFetch = (event: unknown) => {
      if ((event as FetchEvent).topic === 'tails') answered.push(event as FetchEvent);
    };
    subscribe('sluice:broker:fetch', onFetch);
    const reader = await t.client();
    const leaver = await t.client();
    const read = pipelineBehindLongPoll(reader, 1000);
    const left = pipelineBehindLongPoll(leaver, 60_000);
    left.longPoll.catch(() => {});
    left.tails.catch(() => {});
    await waitFor(() => answered.length === 2 * TAILS, { message: 'both tails fetches to be answered' });
    unsubscribe('sluice:broker:fetch', onFetch);

    // Large appends to another partition push the tails slabs out of the cache (they are the oldest). Each
    // is a slab of its own, C bytes: the pinned slabs keep their 32 KiB counted, so the busy partition keeps
    // the slabs that fit beside them.
    const large = batchOf(['b'.repeat(100 * KiB)]);
    expect((await produce(admin, 'busy', 0, large)).errorCode).toBe(0);
    const slab = cachedBytes(t) - TAILS * SLAB;
    for (let i = 1; i < 20; i++) expect((await produce(admin, 'busy', 0, large)).errorCode).toBe(0);
    const busySlabs = Math.floor((BUDGET - TAILS * SLAB) / slab);
    expect(cachedBytes(t)).toBe(TAILS * SLAB + busySlabs * slab);
    expect(pinnedBytes(t)).toBe(TAILS * SLAB);
    // A new reader gets the tails from the log files now.
    const fresh = await admin.request(FetchApi, fetchRequest('tails', [3], 0));
    expect(values(await recordsOf(fresh.topics[0]!.partitions[0]!))).toEqual([tailValue(3)]);

    // The first client's responses go out when its long poll ends: every value intact, read from slabs the
    // cache had dropped. The other client still pins the same slabs: still counted, once.
    expect((await read.longPoll).topics[0]!.partitions[0]!.records).toEqual([]);
    const tails = (await read.tails).topics[0]!.partitions;
    for (let p = 0; p < TAILS; p++) expect(values(await recordsOf(tails[p]!))).toEqual([tailValue(p)]);
    expect(cachedBytes(t)).toBe(TAILS * SLAB + busySlabs * slab);

    // The second client goes away without reading: its response is never written, and the bytes come back.
    leaver.destroy();
    await waitFor(() => cachedBytes(t!) === busySlabs * slab, { message: 'the pinned slabs to be let go' });
    expect(pinnedBytes(t)).toBe(0);
    const roomFor = Math.floor(BUDGET / slab);
    for (let i = busySlabs; i < roomFor; i++) expect((await produce(admin, 'busy', 0, large)).errorCode).toBe(0);
    expect(cachedBytes(t)).toBe(roomFor * slab);
  });

  it('are all let go once the responses that pinned them are written, pushed frames (FetchPush) among them', async () => {
    t = await startBroker({ tailCacheTotalBytes: BUDGET });
    const admin = await t.client();
    await createTopic(admin, 'tails', TAILS);
    await createTopic(admin, 'busy', 1);
    for (let p = 0; p < TAILS; p++)
      expect((await produce(admin, 'tails', p, batchOf([tailValue(p)]))).errorCode).toBe(0);
    const sluice = sdkClient(t.port);
    const consumer = sluice.consumer({ groupId: 'pins', maxWaitTimeInMs: 2000 });
    const seen: string[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: 'tails', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      await waitFor(() => seen.length === TAILS, { message: 'the first tails records', timeoutMs: 10_000 });
      // Caught up: the next records are pushed on the consumer's stream, views of the cache's slabs.
      await waitFor(() => consumerStreams(t!) > 0, { message: 'a FetchPush stream', timeoutMs: 10_000 });
      for (let p = 0; p < TAILS; p++)
        expect((await produce(admin, 'tails', p, batchOf([`more-${p}`]))).errorCode).toBe(0);
      await waitFor(() => seen.length === 2 * TAILS, { message: 'the pushed records', timeoutMs: 10_000 });
    } finally {
      await consumer.disconnect();
    }
    expect(seen.filter((v) => v.startsWith('more-')).sort()).toEqual(
      Array.from({ length: TAILS }, (_, p) => `more-${p}`),
    );
    // Every tails slab is pushed out by large appends: no pin is left to keep any of it counted.
    const large = batchOf(['b'.repeat(100 * KiB)]);
    expect((await produce(admin, 'busy', 0, large)).errorCode).toBe(0);
    const slab = cachedBytes(t) - TAILS * SLAB;
    const roomFor = Math.floor(BUDGET / slab);
    for (let i = 1; i < roomFor + 2; i++) expect((await produce(admin, 'busy', 0, large)).errorCode).toBe(0);
    expect(cachedBytes(t)).toBe(roomFor * slab);
    expect(pinnedBytes(t)).toBe(0);
  });
});
