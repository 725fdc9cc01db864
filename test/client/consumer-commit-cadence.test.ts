// When a group consumer commits on its own (autoCommit, no interval or threshold): after each batch of a
// fetch response, as kafkajs does, even though the runner hands a large response to eachMessage in slices;
// and delivery does not wait for that commit's answer.
import { describe, expect, it } from 'vitest';
import type { Sluice } from '../../src/client/index.js';
import { ApiKey, OffsetCommitApi } from '../../src/protocol/index.js';
import { sdkClient, waitFor, cleanedUpAfterEach } from './helpers.js';
import { type InterceptedBroker, startInterceptedBroker } from './intercepted-broker.js';

const run = cleanedUpAfterEach<InterceptedBroker>();

/** A broker whose one-partition `topic` holds `records` records of 1 KiB, sent `perSend` at a time; a client of it. */
async function brokerWithRecords(topic: string, records: number, perSend: number): Promise<Sluice> {
  run.broker = await startInterceptedBroker([{ name: topic, partitions: 1 }]);
  const sluice = sdkClient(run.broker.port);
  const producer = sluice.producer();
  await producer.connect();
  const value = Buffer.alloc(1024, 0x61);
  for (let i = 0; i < records; i += perSend) {
    const count = Math.min(perSend, records - i);
    await producer.send({ topic, messages: Array.from({ length: count }, () => ({ value })) });
  }
  await producer.disconnect();
  return sluice;
}

/** Waits until the group's committed offset of the topic's partition 0 is `expected`; returns what it read last. */
async function committedOffset(sluice: Sluice, groupId: string, topic: string, expected: number): Promise<string> {
  const admin = sluice.admin();
  await admin.connect();
  let offset = '';
  try {
    await waitFor(
      async () => {
        const [fetched] = await admin.fetchOffsets({ groupId, topics: [topic] });
        offset = fetched!.partitions[0]!.offset;
        return offset === String(expected);
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  } finally {
    await admin.disconnect();
  }
  return offset;
}

describe('automatic commits of a group consumer', () => {
  it('commit once per fetched batch, not once per delivered slice, and end at the last offset', async () => {
    const records = 4000; // ~4 MiB: one 8 MiB fetch, delivered in slices of 256 KiB
    const sluice = await brokerWithRecords('cadence', records, 100);
    const consumer = sluice.consumer({
      groupId: 'cadence-group',
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 8 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
    });
    run.consumers.push(consumer);
    let slices = 0;
    consumer.on(consumer.events.START_BATCH_PROCESS, () => slices++);
    await consumer.connect();
    await consumer.subscribe({ topic: 'cadence', fromBeginning: true });
    let received = 0;
    await consumer.run({ eachMessage: async () => void received++ });
    await waitFor(() => received >= records, { timeoutMs: 30_000 });

    expect(await committedOffset(sluice, 'cadence-group', 'cadence', records)).toBe(String(records));
    const fetches = run.broker!.of(ApiKey.Fetch).length;
    const commits = run.broker!.of(ApiKey.OffsetCommit).length;
    expect(slices).toBeGreaterThanOrEqual(10);
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThan(slices / 2);
    expect(commits).toBeLessThanOrEqual(fetches);
  });

  it('go on delivering while an automatic commit waits for its answer, and send one commit for the fetches delivered meanwhile', async () => {
    const records = 200; // ~200 KiB in batches of 20 KiB: a fetch of 16 KiB takes one batch
    const sluice = await brokerWithRecords('held', records, 20);
    // Every OffsetCommit is held at the broker until the test lets them go.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    run.broker!.broker.intercept(OffsetCommitApi, async () => {
      await released;
    });

    const consumer = sluice.consumer({ groupId: 'held-group', maxWaitTimeInMs: 100, maxBytesPerPartition: 16 * 1024 });
    run.consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: 'held', fromBeginning: true });
    let received = 0;
    await consumer.run({ eachMessage: async () => void received++ });
    try {
      // The first fetch's commit is held; the runner went on to the next fetches all the same.
      await waitFor(() => received >= records, { timeoutMs: 10_000 });
      expect(run.broker!.of(ApiKey.Fetch).length).toBeGreaterThan(3);
      expect(run.broker!.of(ApiKey.OffsetCommit)).toHaveLength(1);
    } finally {
      release();
    }

    expect(await committedOffset(sluice, 'held-group', 'held', records)).toBe(String(records));
    // The held commit, then one for everything delivered while it was held.
    expect(run.broker!.of(ApiKey.OffsetCommit)).toHaveLength(2);
  });
});
