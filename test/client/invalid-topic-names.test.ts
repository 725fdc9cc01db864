// A topic name Kafka's rule refuses (or one the broker answers INVALID_TOPIC_EXCEPTION for) is refused at
// once, with a non-retriable error naming the topic and the rule, by every path that names topics: the
// producer's send, the consumer's subscribe and assign, and the admin. Clients keep the default retry
// (about 9 s of retries for a retriable error), so "at once" shows the error is not retried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, KafkaJSNonRetriableError, KafkaJSProtocolError, logLevel } from '../../src/client/index.js';
import { Cluster } from '../../src/client/cluster.js';
import { nullLogger } from '../../src/client/logger.js';
import { MetadataApi } from '../../src/protocol/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { type InterceptedBroker, startInterceptedBroker } from './intercepted-broker.js';

let fake: InterceptedBroker;
let kafka: Kafka;
beforeAll(async () => {
  fake = await startInterceptedBroker([{ name: 'orders', partitions: 1 }]);
  kafka = new Kafka({ clientId: 'names', brokers: [`127.0.0.1:${fake.port}`], logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await fake.stop();
  await removeTempDirs();
});

const INVALID = ['bad name', '.', '..', 'x'.repeat(250), 'orders/eu', 'é'];

/** Runs `action`; returns what it rejected with and how long that took. */
async function refusal(action: () => Promise<unknown>): Promise<{ error: any; ms: number }> {
  const started = performance.now();
  const error = await action().then(
    () => null,
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - started };
}

function expectInvalidTopic(error: any, topic: string): void {
  expect(error).toBeInstanceOf(KafkaJSProtocolError);
  expect(error).toMatchObject({ type: 'INVALID_TOPIC_EXCEPTION', retriable: false });
  expect(error.name).toBe('KafkaJSProtocolError');
  expect(error.message).toContain(JSON.stringify(topic));
  expect(error.message).toContain('1..249 characters of [a-zA-Z0-9._-]');
}

describe('an invalid topic name', () => {
  it('fails producer.send() at once, not after the retries, and the producer keeps working', async () => {
    const producer = kafka.producer();
    await producer.connect();
    try {
      for (const topic of INVALID) {
        const { error, ms } = await refusal(() => producer.send({ topic, messages: [{ value: 'v' }] }));
        expectInvalidTopic(error, topic);
        expect(ms).toBeLessThan(500);
      }
      // No topic at all: kafkajs's own refusal.
      const { error, ms } = await refusal(() => producer.send({ topic: '', messages: [{ value: 'v' }] }));
      expect(error).toBeInstanceOf(KafkaJSNonRetriableError);
      expect(error.message).toMatch(/^Invalid topic/);
      expect(ms).toBeLessThan(500);
      const [sent] = await producer.send({ topic: 'orders', messages: [{ value: 'kept' }] });
      expect(sent).toMatchObject({ topicName: 'orders', errorCode: 0 });
      expect(await fake.stored('orders', 0)).toEqual(['kept']);
    } finally {
      await producer.disconnect();
    }
  });

  it('is refused by consumer.subscribe() and assign(), before run()', async () => {
    const consumer = kafka.consumer({ groupId: 'names' });
    for (const topic of ['bad name', '', '..']) {
      const { error } = await refusal(() => consumer.subscribe({ topics: ['orders', topic] }));
      expectInvalidTopic(error, topic);
      let thrown: unknown;
      try {
        consumer.assign([{ topic, partitions: [0] }]);
      } catch (e) {
        thrown = e;
      }
      expectInvalidTopic(thrown, topic);
    }
    // A RegExp is not a name: it is matched against the topics that exist.
    await expect(consumer.subscribe({ topics: [/^bad name$/] })).resolves.toBeUndefined();
  });

  it('fails the admin methods that name topics at once', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['createTopics', () => admin.createTopics({ topics: [{ topic: 'bad name' }] })],
        ['fetchTopicMetadata', () => admin.fetchTopicMetadata({ topics: ['bad name'] })],
        ['fetchTopicOffsets', () => admin.fetchTopicOffsets('bad name')],
      ];
      for (const [name, call] of calls) {
        const { error, ms } = await refusal(call);
        expect(error, name).toBeInstanceOf(KafkaJSProtocolError);
        expect(error, name).toMatchObject({ type: 'INVALID_TOPIC_EXCEPTION', retriable: false });
        expect(error.message, name).toContain('bad name');
        expect(ms, name).toBeLessThan(500);
      }
    } finally {
      await admin.disconnect();
    }
  });
});

describe('Cluster.addTargetTopics', () => {
  it('loads the valid topics of a list before refusing its invalid name (a group leader assigns those)', async () => {
    const cluster = new Cluster({
      brokers: [`127.0.0.1:${fake.port}`],
      clientId: 'names',
      connectionTimeout: 1000,
      requestTimeout: 2000,
      logger: nullLogger,
    });
    try {
      const error = await cluster.addTargetTopics(['orders', 'bad name']).catch((e: unknown) => e);
      expectInvalidTopic(error, 'bad name');
      expect(cluster.topicMetadata('orders')?.partitions).toHaveLength(1);
    } finally {
      await cluster.disconnect();
    }
  });
});

describe('a topic the broker answers with a non-retriable error', () => {
  it("fails the send at once with the broker's code and words", async () => {
    // A name the SDK's rule allows, which this broker refuses (as a broker with a stricter rule would).
    const handle = fake.broker.intercept(
      MetadataApi,
      (r) => {
        if (!r.request.topics?.includes('reserved.name')) return;
        return {
          respond: {
            throttleTimeMs: 0,
            brokers: [],
            clusterId: 'c',
            controllerId: 0,
            topics: [
              {
                name: 'reserved.name',
                errorCode: 17,
                errorMessage: 'topic name "reserved.name" is reserved',
                isInternal: false,
                partitions: [],
              },
            ],
          },
        };
      },
      { keep: true },
    );
    const producer = kafka.producer();
    await producer.connect();
    try {
      const { error, ms } = await refusal(() => producer.send({ topic: 'reserved.name', messages: [{ value: 'v' }] }));
      expect(error).toBeInstanceOf(KafkaJSProtocolError);
      expect(error).toMatchObject({
        type: 'INVALID_TOPIC_EXCEPTION',
        retriable: false,
        message: 'topic name "reserved.name" is reserved',
      });
      expect(ms).toBeLessThan(500);
      // Asked once, not once per retry.
      expect(handle.intercepted).toBe(1);
    } finally {
      handle.remove();
      await producer.disconnect();
    }
  });
});
