// autoCommitInterval after the interval has run out: a timer check whose commit failed (a broker error, a
// rebalance) tries again at the fetch cadence (maxWaitTimeInMs), as kafkajs's fetch loop would, not a whole
// interval later — so a quiet partition's tail is committed soon after a failed attempt.
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/index.js';
import { cleanedUpAfterEach, sdkClient, waitFor } from './helpers.js';
import { type InterceptedBroker, startInterceptedBroker } from './intercepted-broker.js';

const run = cleanedUpAfterEach<InterceptedBroker>();
const INTERVAL_MS = 2000;

describe('autoCommitInterval once the interval has run out', () => {
  it('retries a failed interval commit at the fetch cadence, not a whole interval later', async () => {
    run.broker = await startInterceptedBroker([{ name: 'quiet', partitions: 1 }]);
    const sluice = sdkClient(run.broker.port);
    const producer = sluice.producer();
    await producer.connect();
    await producer.send({ topic: 'quiet', messages: Array.from({ length: 5 }, (_, i) => ({ value: `m${i}` })) });
    await producer.disconnect();

    const commitTimes: number[] = [];
    run.broker.broker.intercept(
      ApiKey.OffsetCommit,
      () => {
        commitTimes.push(Date.now());
        if (commitTimes.length === 1) return { error: 'UNKNOWN_SERVER_ERROR', message: 'refused once by the test' };
        return undefined;
      },
      { keep: true },
    );
    const consumer = sluice.consumer({ groupId: 'quiet-group', maxWaitTimeInMs: 100, heartbeatInterval: 100 });
    run.consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: 'quiet', fromBeginning: true });
    let received = 0;
    await consumer.run({ autoCommitInterval: INTERVAL_MS, eachMessage: async () => void received++ });
    await waitFor(() => received === 5, { timeoutMs: 10_000 });

    await waitFor(() => commitTimes.length >= 2, {
      timeoutMs: 15_000,
      message: 'a second OffsetCommit after the refused one',
    });
    const [refused, retried] = run.broker.of(ApiKey.OffsetCommit);
    expect(refused!.request.topics[0].partitions[0].offset).toBe(5);
    expect(retried!.request.topics[0].partitions[0].offset).toBe(5);
    // maxWaitTimeInMs is 100 ms; a whole interval would be 2,000 ms.
    expect(commitTimes[1]! - commitTimes[0]!).toBeLessThan(INTERVAL_MS / 2);

    const admin = sluice.admin();
    await admin.connect();
    const [topic] = await admin.fetchOffsets({ groupId: 'quiet-group', topics: ['quiet'] });
    await admin.disconnect();
    expect(topic!.partitions[0]!.offset).toBe('5');
  });
});
