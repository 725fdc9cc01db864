// Request instrumentation: REQUEST, REQUEST_TIMEOUT and REQUEST_QUEUE_SIZE events of producers, consumers and
// admin clients, with kafkajs's payloads, fed by the connections through node:diagnostics_channel only while
// someone listens; and every event name kafkajs defines can be subscribed to.
import { hasSubscribers, subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type InstrumentationEvent,
  KafkaJSNonRetriableError,
  logLevel,
  REQUEST_CHANNEL,
  type RequestPayload,
  type RequestQueueSizePayload,
  type RequestTimeoutPayload,
  Sluice,
} from '../../src/client/index.js';
import { ApiKey } from '../../src/protocol/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { type InterceptedBroker, startInterceptedBroker } from './intercepted-broker.js';
import { type SdkBroker, sdkClient, startSdkBroker } from './helpers.js';

const kafkajs = createRequire(import.meta.url)('kafkajs') as any;

let b: SdkBroker;
beforeAll(async () => {
  b = await startSdkBroker();
});
afterAll(async () => {
  await b.stop();
  await removeTempDirs();
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('REQUEST events', () => {
  it('producer: one per request, with kafkajs’s payload, once the answer arrived', async () => {
    const producer = sdkClient(b.port).producer();
    cleanups.push(() => producer.disconnect());
    const events: Array<InstrumentationEvent<RequestPayload>> = [];
    producer.on(producer.events.REQUEST, (e) => events.push(e));
    await producer.connect();
    await producer.send({ topic: 'instrumented', messages: [{ value: 'one' }] });

    const produce = events.find((e) => e.payload.apiName === 'Produce');
    expect(produce).toBeDefined();
    expect(produce!.type).toBe('producer.network.request');
    expect(Object.keys(produce!.payload).sort()).toEqual(
      [
        'apiKey',
        'apiName',
        'apiVersion',
        'broker',
        'clientId',
        'correlationId',
        'createdAt',
        'duration',
        'pendingDuration',
        'sentAt',
        'size',
      ].sort(),
    );
    expect(produce!.payload).toMatchObject({
      broker: `127.0.0.1:${b.port}`,
      clientId: 'sdk-test',
      apiKey: ApiKey.Produce,
      apiVersion: 0,
      pendingDuration: 0,
    });
    expect(produce!.payload.size).toBeGreaterThan(0);
    expect(produce!.payload.duration).toBeGreaterThanOrEqual(0);
    expect(produce!.payload.sentAt).toBeLessThanOrEqual(produce!.timestamp);
    expect(events.map((e) => e.payload.apiName)).toContain('Metadata');
  });

  it('consumer and admin: their own requests only, under their own event names', async () => {
    const kafka = sdkClient(b.port);
    const admin = kafka.admin();
    const otherAdmin = kafka.admin();
    cleanups.push(
      () => admin.disconnect(),
      () => otherAdmin.disconnect(),
    );
    const adminEvents: string[] = [];
    const otherEvents: string[] = [];
    admin.on(admin.events.REQUEST, (e) => adminEvents.push(`${e.type} ${e.payload.apiName}`));
    otherAdmin.on(otherAdmin.events.REQUEST, (e) => otherEvents.push(e.payload.apiName));
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'instrumented-admin', numPartitions: 1 }] });
    expect(adminEvents).toContain('admin.network.request CreateTopics');
    expect(otherEvents).toEqual([]);

    const consumer = kafka.consumer();
    cleanups.push(() => consumer.disconnect());
    const consumerEvents: string[] = [];
    consumer.on(consumer.events.REQUEST, (e) => consumerEvents.push(`${e.type} ${e.payload.apiName}`));
    await consumer.connect();
    expect(consumerEvents).toContain('consumer.network.request Metadata');
  });

  it('a removed listener gets nothing more, and client listeners never hold a process-wide channel', async () => {
    const admin = sdkClient(b.port).admin();
    cleanups.push(() => admin.disconnect());
    const seen: string[] = [];
    const remove = admin.on(admin.events.REQUEST, (e) => seen.push(e.payload.apiName));
    // Listeners hang off their client, not off a diagnostics channel: a discarded client with listeners
    // attached can be garbage-collected, and the channels stay cold for everyone else.
    expect(hasSubscribers(REQUEST_CHANNEL)).toBe(false);
    await admin.connect();
    await admin.listTopics();
    const before = seen.length;
    expect(before).toBeGreaterThan(0);
    remove();
    await admin.listTopics();
    expect(seen.length).toBe(before);
  });

  it('other code can subscribe to the channel directly (metrics, activity logs)', async () => {
    const seen: Array<{ client: string; apiName: string }> = [];
    const onMessage = (message: unknown) => {
      const m = message as { client: string; payload: RequestPayload };
      seen.push({ client: m.client, apiName: m.payload.apiName });
    };
    subscribe(REQUEST_CHANNEL, onMessage);
    cleanups.push(() => void unsubscribe(REQUEST_CHANNEL, onMessage));
    const admin = sdkClient(b.port).admin();
    cleanups.push(() => admin.disconnect());
    await admin.connect();
    await admin.listTopics();
    expect(seen).toContainEqual({ client: 'admin', apiName: 'Metadata' });
  });
});

describe('REQUEST_QUEUE_SIZE and REQUEST_TIMEOUT', () => {
  let fake: InterceptedBroker;
  beforeAll(async () => {
    fake = await startInterceptedBroker([{ name: 'slow', partitions: 1 }]);
  });
  afterAll(() => fake.stop());

  it('admin: the unanswered request count as it changes, and the timeout with kafkajs’s payload', async () => {
    fake.broker.intercept(ApiKey.ListOffsets, () => ({ drop: 'request' }), { keep: true }); // never answered
    const admin = new Sluice({
      clientId: 'timeouts',
      brokers: [`127.0.0.1:${fake.port}`],
      requestTimeout: 150,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    }).admin();
    cleanups.push(() => admin.disconnect());
    const sizes: number[] = [];
    const timeouts: Array<InstrumentationEvent<RequestTimeoutPayload>> = [];
    admin.on(admin.events.REQUEST_QUEUE_SIZE, (e: InstrumentationEvent<RequestQueueSizePayload>) => {
      expect(e.payload).toMatchObject({ broker: `127.0.0.1:${fake.port}`, clientId: 'timeouts' });
      sizes.push(e.payload.queueSize);
    });
    admin.on(admin.events.REQUEST_TIMEOUT, (e) => timeouts.push(e));
    await admin.connect();
    await expect(admin.fetchTopicOffsets('slow')).rejects.toThrow(/timed out after 150 ms/);

    expect(sizes).toContain(1);
    await vi.waitFor(() => expect(sizes.at(-1)).toBe(0), { timeout: 2000 });
    expect(timeouts.length).toBeGreaterThanOrEqual(1);
    expect(timeouts[0]!.type).toBe('admin.network.request_timeout');
    expect(timeouts[0]!.payload).toMatchObject({
      broker: `127.0.0.1:${fake.port}`,
      clientId: 'timeouts',
      apiName: 'ListOffsets',
      apiKey: ApiKey.ListOffsets,
      apiVersion: 0,
      pendingDuration: 0,
    });
    expect(timeouts[0]!.payload.sentAt).toBeGreaterThan(0);
  });
});

describe('event names', () => {
  const kafka = new kafkajs.Kafka({ brokers: ['127.0.0.1:1'], logLevel: kafkajs.logLevel.NOTHING });
  const sluice = new Sluice({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING });
  const clients = {
    producer: [kafka.producer(), sluice.producer()],
    consumer: [kafka.consumer({ groupId: 'g' }), sluice.consumer({ groupId: 'g' })],
    admin: [kafka.admin(), sluice.admin()],
  } as const;

  it.each(Object.keys(clients))(
    '%s: every kafkajs event key exists with the same name, and subscribing works',
    (kind) => {
      const [theirs, ours] = clients[kind as keyof typeof clients] as unknown as [any, any];
      for (const [key, name] of Object.entries(theirs.events as Record<string, string>)) {
        expect(ours.events[key], key).toBe(name);
        const remove = ours.on(name, () => {});
        expect(typeof remove).toBe('function');
        remove();
      }
    },
  );

  it('an unknown event name is refused as kafkajs refuses it', () => {
    const producer = sluice.producer();
    expect(() => producer.on('producer.nope' as never, () => {})).toThrow(KafkaJSNonRetriableError);
  });
});
