// kafkajs's docs/InstrumentationEvents.md against Sluice: `on(event, listener)` returns a remover, events
// are `{ id, type, timestamp, payload }`, and the payloads carry the fields the document lists.
import { describe, expect, it } from 'vitest';
import type { InstrumentationEvent } from '../../src/index.js';
import { collector, useBroker } from './helpers.js';

const live = useBroker();

type Event = InstrumentationEvent<Record<string, unknown>>;
const REQUEST_FIELDS = [
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
];

describe('Instrumentation events', () => {
  it('consumer: HEARTBEAT with a remover, GROUP_JOIN, COMMIT_OFFSETS, CONNECT, STOP, DISCONNECT and REQUEST', async () => {
    const producer = live.kafka().producer();
    await producer.connect();
    await producer.send({ topic: 'observed', messages: [{ value: 'x' }] });
    await producer.disconnect();

    const consumer = live.kafka().consumer({ groupId: 'observed-group', heartbeatInterval: 100 });
    const seen = new Map<string, Event[]>();
    const record = (e: Event) => seen.set(e.type, [...(seen.get(e.type) ?? []), e]);
    const { HEARTBEAT, GROUP_JOIN, COMMIT_OFFSETS, CONNECT, STOP, DISCONNECT, REQUEST } = consumer.events;
    const heartbeats = collector<Event>(1);
    const removeListener = consumer.on(HEARTBEAT, (e) => heartbeats.push(e));
    for (const name of [GROUP_JOIN, COMMIT_OFFSETS, CONNECT, STOP, DISCONNECT, REQUEST]) consumer.on(name, record);

    await consumer.connect();
    await consumer.subscribe({ topics: ['observed'], fromBeginning: true });
    const got = collector<string>(1);
    await consumer.run({ eachMessage: async ({ message }) => got.push(String(message.value)) });
    await got.done;
    await heartbeats.done;
    removeListener();
    await consumer.disconnect();

    const heartbeat = heartbeats.items[0]!;
    expect(Object.keys(heartbeat).sort()).toEqual(['id', 'payload', 'timestamp', 'type']);
    expect(heartbeat.type).toBe('consumer.heartbeat');
    expect(Object.keys(heartbeat.payload).sort()).toEqual(['groupGenerationId', 'groupId', 'memberId']);
    expect(Object.keys(seen.get(GROUP_JOIN)![0]!.payload).sort()).toEqual(
      ['duration', 'groupId', 'groupProtocol', 'isLeader', 'leaderId', 'memberAssignment', 'memberId'].sort(),
    );
    expect(Object.keys(seen.get(COMMIT_OFFSETS)![0]!.payload).sort()).toEqual(
      ['groupGenerationId', 'groupId', 'memberId', 'topics'].sort(),
    );
    for (const name of [CONNECT, STOP, DISCONNECT]) expect(seen.get(name), name).toHaveLength(1);
    expect(Object.keys(seen.get(REQUEST)![0]!.payload).sort()).toEqual(REQUEST_FIELDS);
    expect(heartbeats.items.length).toBe(1); // removed: no more deliveries after removeListener()
  });

  it('producer and admin: CONNECT, DISCONNECT, REQUEST and REQUEST_QUEUE_SIZE', async () => {
    const producer = live.kafka().producer();
    const admin = live.kafka().admin();
    const types: string[] = [];
    const queueSizes: Event[] = [];
    type Listened = { events: Record<string, string>; on(name: string, listener: (e: Event) => void): unknown };
    for (const client of [producer, admin] as unknown as Listened[]) {
      const { CONNECT, DISCONNECT, REQUEST, REQUEST_QUEUE_SIZE, REQUEST_TIMEOUT } = client.events;
      for (const name of [CONNECT!, DISCONNECT!, REQUEST!, REQUEST_TIMEOUT!])
        client.on(name, (e) => types.push(e.type));
      client.on(REQUEST_QUEUE_SIZE!, (e) => queueSizes.push(e));
    }
    await producer.connect();
    await admin.connect();
    await admin.listTopics();
    await producer.send({ topic: 'observed-too', messages: [{ value: 'y' }] });
    await producer.disconnect();
    await admin.disconnect();
    for (const type of [
      'producer.connect',
      'producer.network.request',
      'producer.disconnect',
      'admin.connect',
      'admin.network.request',
      'admin.disconnect',
    ])
      expect(types, type).toContain(type);
    expect(Object.keys(queueSizes[0]!.payload).sort()).toEqual(['broker', 'clientId', 'queueSize']);
  });
});
