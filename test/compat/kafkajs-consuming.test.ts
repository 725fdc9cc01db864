// kafkajs's docs/Consuming.md, pattern by pattern, against Sluice (group consumers, as the docs use them).
import { describe, expect, it } from 'vitest';
import {
  AssignerProtocol,
  type EachBatchPayload,
  type EachMessagePayload,
  KafkaJSNonRetriableError,
  type PartitionAssigner,
  PartitionAssigners,
} from '../../src/index.js';
import { collector, useBroker } from './helpers.js';

const live = useBroker();

async function produce(topic: string, values: string[], partition?: number) {
  const producer = live.kafka().producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ key: value, value, partition })) });
  await producer.disconnect();
}

describe('Consuming messages', () => {
  it('subscribe (several calls, a RegExp, fromBeginning) and eachMessage with heartbeat and pause', async () => {
    await produce('topic-A', ['a1']);
    await produce('topic-eu-1', ['eu1']);
    await produce('topic-us-1', ['us1']);
    const consumer = live.kafka().consumer({ groupId: 'my-group' });
    await consumer.connect();
    await consumer.subscribe({ topics: ['topic-A'], fromBeginning: true });
    await consumer.subscribe({ topics: [/topic-(eu|us)-.*/i], fromBeginning: true });
    const got = collector<string>(3);
    await consumer.run({
      eachMessage: async ({ topic, partition, message, heartbeat, pause }: EachMessagePayload) => {
        expect(typeof partition).toBe('number');
        expect(typeof pause).toBe('function');
        await heartbeat();
        got.push(`${topic}:${message.key?.toString()}:${message.value?.toString()}`);
      },
    });
    await got.done;
    expect(got.items.sort()).toEqual(['topic-A:a1:a1', 'topic-eu-1:eu1:eu1', 'topic-us-1:us1:us1']);
    await consumer.disconnect();
  });

  it('eachBatch with its helpers: resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale', async () => {
    await produce('batched', ['m1', 'm2', 'm3'], 0);
    const consumer = live.kafka().consumer({ groupId: 'batch-group' });
    await consumer.connect();
    await consumer.subscribe({ topics: ['batched'], fromBeginning: true });
    const got = collector<string>(3);
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        commitOffsetsIfNecessary,
        uncommittedOffsets,
        isRunning,
        isStale,
      }: EachBatchPayload) => {
        expect(batch.topic).toBe('batched');
        expect(Number(batch.highWatermark)).toBeGreaterThanOrEqual(3);
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          got.push(message.value!.toString());
          resolveOffset(message.offset);
          await heartbeat();
        }
        expect(uncommittedOffsets().topics).toBeInstanceOf(Array);
        await commitOffsetsIfNecessary();
      },
    });
    await got.done;
    expect(got.items).toEqual(['m1', 'm2', 'm3']);
    await consumer.disconnect();
    const admin = live.kafka().admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: 'batch-group', topics: ['batched'] });
    expect(committed!.partitions[0]!.offset).toBe('3');
    await admin.disconnect();
  });

  it('autoCommitThreshold, partitionsConsumedConcurrently', async () => {
    const admin = live.kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'concurrent', numPartitions: 3 }] });
    await admin.disconnect();
    for (const p of [0, 1, 2]) await produce('concurrent', [`p${p}a`, `p${p}b`], p);
    const consumer = live.kafka().consumer({ groupId: 'concurrent-group' });
    await consumer.connect();
    await consumer.subscribe({ topics: ['concurrent'], fromBeginning: true });
    const got = collector<string>(6);
    await consumer.run({
      autoCommitThreshold: 2,
      autoCommitInterval: 5000,
      partitionsConsumedConcurrently: 3,
      eachMessage: async ({ message }) => got.push(message.value!.toString()),
    });
    await got.done;
    expect(got.items.sort()).toEqual(['p0a', 'p0b', 'p1a', 'p1b', 'p2a', 'p2b']);
    await consumer.disconnect();
  });

  it('manual commits: autoCommit false, then consumer.commitOffsets (and nothing else is committed, not even on disconnect)', async () => {
    await produce('manual', ['x', 'y'], 0);
    const consumer = live.kafka().consumer({ groupId: 'manual-group' });
    await consumer.connect();
    await consumer.subscribe({ topics: ['manual'], fromBeginning: true });
    const got = collector<string>(2);
    await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => got.push(message.offset) });
    await got.done;
    await consumer.commitOffsets([{ topic: 'manual', partition: 0, offset: '1' }]);
    await consumer.disconnect();
    const admin = live.kafka().admin();
    await admin.connect();
    expect((await admin.fetchOffsets({ groupId: 'manual-group', topics: ['manual'] }))[0]!.partitions[0]!.offset).toBe(
      '1',
    );
    await admin.disconnect();
  });

  it('seek after run moves the next message read', async () => {
    await produce('seekable', ['s0', 's1', 's2', 's3'], 0);
    const consumer = live.kafka().consumer({ groupId: 'seek-group', maxWaitTimeInMs: 500 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['seekable'], fromBeginning: true });
    const got = collector<string>(6);
    let seeked = false;
    await consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message.value!.toString());
        if (message.value!.toString() === 's3' && !seeked) {
          seeked = true;
          consumer.seek({ topic: 'seekable', partition: 0, offset: '2' });
        }
      },
    });
    await got.done;
    expect(got.items).toEqual(['s0', 's1', 's2', 's3', 's2', 's3']);
    await consumer.disconnect();
  });

  it('a custom partition assigner built with AssignerProtocol, listed before roundRobin; describeGroup', async () => {
    await produce('assigned', ['z'], 0);
    const MyPartitionAssigner: PartitionAssigner = ({ cluster }) => ({
      name: 'MyPartitionAssigner',
      version: 1,
      async assign({ members, topics }) {
        const assignment: Record<string, number[]> = {};
        for (const topic of topics)
          assignment[topic] = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId);
        return members.map(({ memberId }, i) => ({
          memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({
            version: this.version,
            assignment: i === 0 ? assignment : {},
            userData: Buffer.alloc(0),
          }),
        }));
      },
      protocol({ topics }) {
        return {
          name: this.name,
          metadata: AssignerProtocol.MemberMetadata.encode({
            version: this.version,
            topics,
            userData: Buffer.alloc(0),
          }),
        };
      },
    });
    const consumer = live.kafka().consumer({
      groupId: 'assigner-group',
      partitionAssigners: [MyPartitionAssigner, PartitionAssigners.roundRobin],
    });
    await consumer.connect();
    await consumer.subscribe({ topics: ['assigned'], fromBeginning: true });
    const got = collector<string>(1);
    await consumer.run({ eachMessage: async ({ message }) => got.push(message.value!.toString()) });
    await got.done;
    const description = await consumer.describeGroup();
    expect(description).toMatchObject({ groupId: 'assigner-group', protocol: 'MyPartitionAssigner', state: 'Stable' });
    expect(description.members).toHaveLength(1);
    await consumer.disconnect();
  });

  it('pause and resume by topic, and paused()', async () => {
    await produce('pausable', ['p'], 0);
    const consumer = live.kafka().consumer({ groupId: 'pause-group' });
    await consumer.connect();
    await consumer.subscribe({ topics: ['pausable'], fromBeginning: true });
    const got = collector<string>(1);
    await consumer.run({ eachMessage: async ({ message }) => got.push(message.value!.toString()) });
    await got.done;
    consumer.pause([{ topic: 'pausable' }]);
    expect(consumer.paused()).toEqual([{ topic: 'pausable', partitions: [0] }]);
    consumer.resume([{ topic: 'pausable' }]);
    expect(consumer.paused()).toEqual([]);
    await consumer.disconnect();
  });

  it('pause(), resume() and seek() before run() throw KafkaJSNonRetriableError, as kafkajs does', async () => {
    const consumer = live.kafka().consumer({ groupId: 'not-running-group' });
    await consumer.connect();
    await consumer.subscribe({ topics: ['pausable'] });
    const notRunning = 'Consumer group was not initialized, consumer#run must be called first';
    for (const call of [
      () => consumer.pause([{ topic: 'pausable' }]),
      () => consumer.resume([{ topic: 'pausable' }]),
      () => consumer.seek({ topic: 'pausable', partition: 0, offset: '0' }),
    ]) {
      expect(call).toThrow(KafkaJSNonRetriableError);
      expect(call).toThrow(notRunning);
    }
    expect(() => consumer.seek({ topic: 'pausable', partition: 0, offset: 'abc' })).toThrow(
      'Invalid offset, expected a long received abc',
    );
    expect(() => consumer.seek({ topic: 'pausable', partition: 0, offset: '-3' })).toThrow(
      'Offset must not be a negative number',
    );
    expect(() => consumer.pause([{ topic: '' }])).toThrow('Invalid topic');
    expect(consumer.paused()).toEqual([]);
    await consumer.disconnect();
  });
});
