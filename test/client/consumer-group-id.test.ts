// A groupId the broker would refuse fails consumer creation with a KafkaJSNonRetriableError, as in kafkajs,
// instead of crashing run() later with a protocol decoding error. The limit is the broker's (255 characters,
// the protocol's GROUP_ID_MAX): a member with a 255-character id joins. Without a groupId the consumer reads
// every partition (documented in README "Consumer").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaJSNonRetriableError, type Sluice } from '../../src/client/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { type SdkBroker, sdkClient, startSdkBroker, waitFor } from './helpers.js';

let broker: SdkBroker;
let kafka: Sluice;
beforeAll(async () => {
  broker = await startSdkBroker({ defaultPartitions: 1 });
  kafka = sdkClient(broker.port);
});
afterAll(async () => {
  await broker.stop();
  await removeTempDirs();
});

function creationError(create: () => unknown): any {
  try {
    create();
  } catch (e) {
    return e;
  }
  return null;
}

describe('consumer groupId', () => {
  it.each([
    ['a number', 123, 'got number'],
    ['null', null, 'got null'],
    ['an empty string', '', 'got an empty string'],
    ['256 characters', 'g'.repeat(256), 'got 256 characters'],
    ['300 characters', 'g'.repeat(300), 'got 300 characters'],
  ])('refuses %s when the consumer is created', (_what, groupId, got) => {
    const error = creationError(() => kafka.consumer({ groupId: groupId as string }));
    expect(error).toBeInstanceOf(KafkaJSNonRetriableError);
    expect(error).toMatchObject({ name: 'KafkaJSNonRetriableError', retriable: false });
    expect(error.message).toBe(`consumer groupId must be a non-empty string of at most 255 characters, ${got}`);
  });

  it('refuses a groupInstanceId and a share group id the broker would refuse, too', () => {
    const tooLong = 'i'.repeat(256);
    expect(creationError(() => kafka.consumer({ groupId: 'g', groupInstanceId: tooLong }))?.message).toMatch(
      /^consumer groupInstanceId must be a non-empty string of at most 255 characters/,
    );
    expect(creationError(() => kafka.shareConsumer({ groupId: tooLong }))).toBeInstanceOf(KafkaJSNonRetriableError);
    expect(creationError(() => kafka.shareConsumer({ groupId: '' }))).toBeInstanceOf(KafkaJSNonRetriableError);
  });

  it('takes a 255-character groupId, which the broker lets join', async () => {
    const consumer = kafka.consumer({ groupId: 'g'.repeat(255), sessionTimeout: 6000 });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: ['long-group'], fromBeginning: true });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'long-group', messages: [{ value: 'v' }] });
      await producer.disconnect();
      await consumer.run({ eachMessage: async () => {} });
      await waitFor(() => joined, { message: 'the 255-character group to be joined' });
    } finally {
      await consumer.disconnect();
    }
  });

  it('is optional: a consumer without one is created (no group: every partition, nothing committed)', () => {
    expect(creationError(() => kafka.consumer())).toBeNull();
    expect(creationError(() => kafka.consumer({ groupId: undefined }))).toBeNull();
  });
});
