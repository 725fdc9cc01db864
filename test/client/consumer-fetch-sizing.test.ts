// How much each partition of a consumer's fetch asks for: with maxBytesPerPartition left unset the
// partitions of a fetch share maxBytes (at least 1 MiB each), so one partition of large records is fetched
// many records at a time; a maxBytesPerPartition the user sets is a fixed cap, as in kafkajs. A partition's
// first fetch after its position was set asks for 1 MiB at most (the first records come sooner).
import { describe, expect, it } from 'vitest';
import type { FetchRequest } from '../../src/protocol/apis/fetch.js';
import { ApiKey } from '../../src/protocol/index.js';
import { sdkClient, waitFor, cleanedUpAfterEach } from './helpers.js';
import { type InterceptedBroker, startInterceptedBroker } from './intercepted-broker.js';

const MiB = 1024 * 1024;

const run = cleanedUpAfterEach<InterceptedBroker>();

/**
 * Every partitionMaxBytes the broker was asked for, per partition of `topic`, in arrival order, by fetches
 * and by the streams (FetchPush) that follow a caught-up fetch or one of large records.
 */
function askedFor(broker: InterceptedBroker, topic: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const r of broker.requests) {
    if (r.apiKey !== ApiKey.Fetch && r.apiKey !== ApiKey.FetchPush) continue;
    for (const t of (r.request as FetchRequest).topics) {
      if (t.name !== topic) continue;
      for (const p of t.partitions) out.set(p.partition, [...(out.get(p.partition) ?? []), p.partitionMaxBytes]);
    }
  }
  return out;
}

/**
 * Produces `count` records of `size` bytes to each partition (`perSend` records per send), then consumes
 * them all with `config`.
 */
async function consumeAll(
  partitions: number,
  count: number,
  size: number,
  config: Record<string, number>,
  perSend = 1,
) {
  run.broker = await startInterceptedBroker([{ name: 'big', partitions }]);
  const sluice = sdkClient(run.broker.port);
  const producer = sluice.producer();
  await producer.connect();
  const value = Buffer.alloc(size, 0x61);
  for (let p = 0; p < partitions; p++) {
    for (let i = 0; i < count; i += perSend) {
      const messages = Array.from({ length: Math.min(perSend, count - i) }, () => ({ partition: p, value }));
      await producer.send({ topic: 'big', messages });
    }
  }
  await producer.disconnect();
  const consumer = sluice.consumer({ maxWaitTimeInMs: 100, ...config });
  run.consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic: 'big', fromBeginning: true });
  const received: Array<{ partition: number; bytes: number }> = [];
  await consumer.run({
    eachMessage: async ({ partition, message }) => void received.push({ partition, bytes: message.value!.length }),
  });
  await waitFor(() => received.length >= partitions * count, { timeoutMs: 20_000 });
  return received;
}

describe('consumer fetch sizing', () => {
  it('defaults: one partition asks for all of maxBytes (10 MiB) after its first fetch (1 MiB), so several ~1 MiB records come per fetch', async () => {
    const size = 1000 * 1024; // within the broker's default max.message.bytes with the batch around it
    const received = await consumeAll(1, 4, size, {});
    expect(received).toHaveLength(4);
    expect(received.every((r) => r.bytes === size)).toBe(true);
    const asked = askedFor(run.broker!, 'big').get(0)!;
    expect(asked.length).toBeGreaterThan(1);
    expect(run.broker!.of(ApiKey.Fetch)[0]!.request).toMatchObject({
      topics: [{ partitions: [{ partitionMaxBytes: MiB }] }],
    });
    expect(asked[0]).toBe(MiB);
    expect(asked.slice(1).every((n) => n === 10 * MiB)).toBe(true);
  });

  it('defaults: the partitions of one fetch share maxBytes, never below 1 MiB each', async () => {
    // 1.1 MiB per partition: more than a first fetch (1 MiB) takes, so each is fetched again.
    await consumeAll(4, 1100, 1024, { maxBytes: 8 * MiB }, 100);
    const asked = askedFor(run.broker!, 'big');
    expect([...asked.keys()].sort()).toEqual([0, 1, 2, 3]);
    // A fetch of all four asks 2 MiB each; one of fewer asks more (its share of the same 8 MiB). Each
    // partition's first fetch (the first fetch, of all four) asks 1 MiB.
    for (const sizes of asked.values()) expect(sizes[0]).toBe(MiB);
    for (const sizes of asked.values()) expect(sizes.slice(1).every((n) => n >= 2 * MiB && n <= 8 * MiB)).toBe(true);
    const first = run.broker!.of(ApiKey.Fetch)[0]!.request as FetchRequest;
    const inFirst = first.topics.flatMap((t) => t.partitions);
    expect(inFirst).toHaveLength(4);
    expect(inFirst.every((p) => p.partitionMaxBytes === MiB)).toBe(true);
    const second = run.broker!.of(ApiKey.Fetch)[1]!.request as FetchRequest;
    const inSecond = second.topics.flatMap((t) => t.partitions);
    expect(inSecond).toHaveLength(4);
    expect(inSecond.every((p) => p.partitionMaxBytes === 2 * MiB)).toBe(true);

    await run.consumers.splice(0)[0]!.disconnect();
    await run.broker!.stop();
    await consumeAll(16, 1, 1024, { maxBytes: 4 * MiB });
    for (const sizes of askedFor(run.broker!, 'big').values()) expect(sizes.every((n) => n >= MiB)).toBe(true);
  });

  it('maxBytesPerPartition set by the user: every fetch asks exactly that for each partition', async () => {
    const received = await consumeAll(1, 3, 256 * 1024, { maxBytesPerPartition: 300 * 1024 });
    expect(received).toHaveLength(3);
    const asked = askedFor(run.broker!, 'big').get(0)!;
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((n) => n === 300 * 1024)).toBe(true);
  });
});
