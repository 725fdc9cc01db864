// When a group consumer commits on its own (autoCommit, no interval or threshold): after each batch of a
// fetch response, as kafkajs does, even though the runner hands a large response to eachMessage in slices;
// and delivery does not wait for that commit's answer.
import { describe, expect, it } from 'vitest';
import { ApiKey, OffsetCommitApi } from '../../src/protocol/index.js';
import { sdkClient, waitFor, cleanedUpAfterEach } from './helpers.js';
import { type InterceptedBroker, startInterceptedBroker } from './intercepted-broker.js';

const run = cleanedUpAfterEach<InterceptedBroker>();

describe('automatic commits of a group consumer', () => {
  it('commit once per fetched batch, not once per delivered slice, and end at the last offset', async () => {
    run.broker = await startInterceptedBroker([{ name: 'cadence', partitions: 1 }]);
    const sluice = sdkClient(run.broker.port);
    const producer = sluice.producer();
    await producer.connect();
    const value = Buffer.alloc(1024, 0x61);
    const records = 4000; // ~4 MiB: one 8 MiB fetch, delivered in slices of 256 KiB
    for (let i = 0; i < records; i += 100)
      await producer.send({ topic: 'cadence', messages: Array.from({ length: 100 }, () => ({ value })) });
    await producer.disconnect();

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

    const admin = sluice.admin();
    await admin.connect();
    const committed = async () => {
      const [topic] = await admin.fetchOffsets({ groupId: 'cadence-group', topics: ['cadence'] });
      return topic!.partitions[0]!.offset;
    };
    let offset = '';
    await waitFor(async () => (offset = await committed()) === String(records), { timeoutMs: 10_000, intervalMs: 100 });
    await admin.disconnect();
    expect(offset).toBe(String(records));

    const fetches = run.broker.of(ApiKey.Fetch).length;
    const commits = run.broker.of(ApiKey.OffsetCommit).length;
    expect(slices).toBeGreaterThanOrEqual(10);
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThan(slices / 2);
    expect(commits).toBeLessThanOrEqual(fetches);
  });

  it('go on delivering while an automatic commit waits for its answer, and send one commit for the fetches delivered meanwhile', async () => {
    run.broker = await startInterceptedBroker([{ name: 'held', partitions: 1 }]);
    const sluice = sdkClient(run.broker.port);
    const producer = sluice.producer();
    await producer.connect();
    const value = Buffer.alloc(1024, 0x61);
    const records = 200; // ~200 KiB: a dozen fetches of 16 KiB
    for (let i = 0; i < records; i += 20)
      await producer.send({ topic: 'held', messages: Array.from({ length: 20 }, () => ({ value })) });
    await producer.disconnect();

    // Every OffsetCommit is held at the broker until the test lets them go.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    run.broker.broker.intercept(OffsetCommitApi, async () => {
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
      expect(run.broker.of(ApiKey.Fetch).length).toBeGreaterThan(3);
      expect(run.broker.of(ApiKey.OffsetCommit)).toHaveLength(1);
    } finally {
      release();
    }
    const admin = sluice.admin();
    await admin.connect();
    let offset = '';
    await waitFor(
      async () => {
        const [topic] = await admin.fetchOffsets({ groupId: 'held-group', topics: ['held'] });
        offset = topic!.partitions[0]!.offset;
        return offset === String(records);
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    await admin.disconnect();
    expect(offset).toBe(String(records));
    // The held commit, then one for everything delivered while it was held.
    expect(run.broker.of(ApiKey.OffsetCommit)).toHaveLength(2);
  });
});
