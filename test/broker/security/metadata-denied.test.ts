// A topic asked for by name that the principal may not Describe answers TOPIC_AUTHORIZATION_FAILED (Kafka's
// behaviour), on both wires; only the list-all form hides it. The SDK's producer and kafkajs then report
// "not authorized", never "unknown topic".
import { Kafka, logLevel as kafkajsLogLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserStore } from '../../../src/broker/security/auth/users.js';
import { logLevel, Sluice } from '../../../src/client/index.js';
import { nodeFs } from '../../../storage/index.js';
import { removeTempDirs, tempDir } from '../../helpers/temp-dir.js';
import { type KafkaTestBroker, startKafkaBroker } from '../kafka/helpers.js';

const PASSWORD = 'metadata-denied-pw-4410';
let b: KafkaTestBroker;

beforeAll(async () => {
  const dataDir = await tempDir();
  const users = await UserStore.open(nodeFs, dataDir);
  await users.add('admin', PASSWORD);
  await users.add('alice', PASSWORD);
  b = await startKafkaBroker({
    dataDir,
    security: { authentication: true, authorization: true, superUsers: ['User:admin'] },
  });
  await b.broker.core.topics.ensure('secret');
  await b.broker.core.topics.ensure('open');
  const allow = (operation: 'Describe' | 'Write') => ({
    principal: 'User:alice',
    host: '*',
    resourceType: 'topic' as const,
    resourceName: 'open',
    patternType: 'literal' as const,
    operation,
    permission: 'allow' as const,
  });
  await b.broker.core.authorizer.create([allow('Describe'), allow('Write')]);
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

describe('Metadata for a topic the principal may not Describe', () => {
  it('native wire: the SDK lists only what alice may see, and a produce to the hidden topic is not authorized', async () => {
    const sluice = new Sluice({
      clientId: 'denied-native',
      brokers: [`127.0.0.1:${b.port}`],
      sasl: { mechanism: 'scram-sha-256', username: 'alice', password: PASSWORD },
      retry: { retries: 1, initialRetryTime: 20 },
      logLevel: logLevel.NOTHING,
    });
    const admin = sluice.admin();
    await admin.connect();
    expect(await admin.listTopics()).toEqual(['open']);
    await expect(admin.fetchTopicMetadata({ topics: ['secret'] })).rejects.toMatchObject({
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
    await admin.disconnect();
    const producer = sluice.producer();
    await producer.connect();
    await producer.send({ topic: 'open', messages: [{ value: 'fine' }] });
    const refused = await producer.send({ topic: 'secret', messages: [{ value: 'no' }] }).catch((e) => e);
    expect(refused).toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    expect(String(refused.message)).not.toMatch(/does not exist|unknown topic/i);
    const missing = await producer.send({ topic: 'nowhere', messages: [{ value: 'no' }] }).catch((e) => e);
    expect(missing).toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    await producer.disconnect();
  });

  it('Kafka wire: kafkajs sees TOPIC_AUTHORIZATION_FAILED for the topic by name, and the list hides it', async () => {
    const kafka = new Kafka({
      clientId: 'denied-kafka',
      brokers: [b.bootstrap],
      sasl: { mechanism: 'scram-sha-256', username: 'alice', password: PASSWORD },
      logLevel: kafkajsLogLevel.NOTHING,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.listTopics()).toEqual(['open']);
    await expect(admin.fetchTopicMetadata({ topics: ['secret'] })).rejects.toMatchObject({
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    // kafkajs wraps the broker's code in a non-retriable error that keeps its message.
    await expect(producer.send({ topic: 'secret', messages: [{ value: 'no' }] })).rejects.toThrow(
      /Not authorized to access topics/,
    );
    await producer.disconnect();
  });
});
