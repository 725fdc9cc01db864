// kafkajs's docs/InstrumentationEvents.md against Sluice: `on(event, listener)` returns a remover, events
// are `{ id, type, timestamp, payload }`, and the payloads carry the fields the document lists.
import { describe, expect, it } from 'vitest';
import { AssignerProtocol, type InstrumentationEvent } from '../../src/index.js';
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
    // Heartbeats every 100 ms: on a slow machine more than one may arrive before the message does.
    const heardBeforeRemoval = heartbeats.items.length;
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
    expect(heartbeats.items.length).toBe(heardBeforeRemoval); // removed: no more deliveries after removeListener()
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

  it('consumer: FETCH_START, FETCH, START_BATCH_PROCESS and END_BATCH_PROCESS with their payloads', async () => {
    const producer = live.kafka().producer();
    await producer.connect();
    await producer.send({ topic: 'fetched', messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await producer.disconnect();

    const consumer = live.kafka().consumer({ groupId: 'fetched-group', maxWaitTimeInMs: 100 });
    const { FETCH_START, FETCH, START_BATCH_PROCESS, END_BATCH_PROCESS } = consumer.events;
    const fetchStarts: Event[] = [];
    const fetches = collector<Event>(1);
    const starts: Event[] = [];
    const ends = collector<Event>(1);
    consumer.on(FETCH_START, (e) => fetchStarts.push(e));
    consumer.on(FETCH, (e) => {
      if ((e.payload.numberOfBatches as number) > 0) fetches.push(e);
    });
    consumer.on(START_BATCH_PROCESS, (e) => starts.push(e));
    consumer.on(END_BATCH_PROCESS, (e) => ends.push(e));
    await consumer.connect();
    await consumer.subscribe({ topics: ['fetched'], fromBeginning: true });
    await consumer.run({ eachMessage: async () => {} });
    await Promise.all([fetches.done, ends.done]);
    await consumer.disconnect();

    expect(fetchStarts[0]!.payload).toEqual({ nodeId: expect.any(Number) });
    const fetch = fetches.items[0]!.payload;
    expect(Object.keys(fetch).sort()).toEqual(['duration', 'nodeId', 'numberOfBatches']);
    expect(fetch).toMatchObject({ numberOfBatches: 1, nodeId: fetchStarts[0]!.payload.nodeId });
    const batch = {
      topic: 'fetched',
      partition: 0,
      highWatermark: '3',
      offsetLag: '0',
      offsetLagLow: '2',
      batchSize: 3,
      firstOffset: '0',
      lastOffset: '2',
    };
    expect(starts[0]!.payload).toEqual(batch);
    expect(ends.items[0]!.payload).toEqual({ ...batch, duration: expect.any(Number) });
    expect(starts[0]!.timestamp).toBeLessThanOrEqual(ends.items[0]!.timestamp);
  });

  it('consumer: RECEIVED_UNSUBSCRIBED_TOPICS when the group leader assigns a topic this member did not subscribe to', async () => {
    const producer = live.kafka().producer();
    await producer.connect();
    await producer.send({ topic: 'wanted', messages: [{ value: 'w' }] });
    await producer.send({ topic: 'unwanted', messages: [{ value: 'u' }] });
    await producer.disconnect();

    // A custom assigner (kafkajs docs, "Custom partition assigner") that hands out a topic nobody asked for.
    const generous = () => ({
      name: 'Generous',
      version: 1,
      async assign({ members }: { members: Array<{ memberId: string }> }) {
        return members.map(({ memberId }) => ({
          memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({
            version: 1,
            assignment: { wanted: [0], unwanted: [0] },
            userData: Buffer.alloc(0),
          }),
        }));
      },
      protocol({ topics }: { topics: string[] }) {
        return {
          name: 'Generous',
          metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
        };
      },
    });
    const consumer = live.kafka().consumer({ groupId: 'unsubscribed-group', partitionAssigners: [generous] });
    const reported = collector<Event>(1);
    consumer.on(consumer.events.RECEIVED_UNSUBSCRIBED_TOPICS, (e) => reported.push(e));
    await consumer.connect();
    await consumer.subscribe({ topics: ['wanted'], fromBeginning: true });
    const got = collector<string>(1);
    await consumer.run({ eachMessage: async ({ topic }) => got.push(topic) });
    await Promise.all([reported.done, got.done]);
    await consumer.disconnect();

    expect(reported.items[0]!.payload).toEqual({
      groupId: 'unsubscribed-group',
      generationId: expect.any(Number),
      memberId: expect.any(String),
      assignedTopics: ['wanted', 'unwanted'],
      topicsSubscribed: ['wanted'],
      topicsNotSubscribed: ['unwanted'],
    });
    expect(got.items).toEqual(['wanted']); // the unsubscribed topic is not consumed
  });
});
