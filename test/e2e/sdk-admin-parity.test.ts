// kafkajs's admin methods Sluice gained for parity: createPartitions, describeCluster, deleteTopicRecords
// (against a real broker), the ACL and partition-reassignment methods that reject clearly until Sluice has
// them, and the check that every method of kafkajs's admin exists.
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  type Admin,
  KafkaJSDeleteTopicRecordsError,
  KafkaJSNotImplemented,
  KafkaJSProtocolError,
  ResourcePatternTypes,
} from '../../src/client/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { LogSink, type SdkBroker, sdkClient, startSdkBroker } from '../client/helpers.js';

const kafkajs = createRequire(import.meta.url)('kafkajs') as any;

let b: SdkBroker;
let admin: Admin;
let logs: LogSink;

beforeEach(async () => {
  b = await startSdkBroker();
  logs = new LogSink();
  admin = sdkClient(b.port, { logs }).admin();
  await admin.connect();
});
afterEach(async () => {
  await admin.disconnect();
  await b.stop();
});
afterAll(removeTempDirs);

async function produceTo(topic: string, partition: number, count: number): Promise<void> {
  const producer = sdkClient(b.port).producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ value: `m${i}`, partition })) });
  await producer.disconnect();
}

describe('admin.createPartitions', () => {
  it("runs kafkajs's examples/admin.js: create a topic, then grow it to 3 partitions", async () => {
    await admin.createTopics({ topics: [{ topic: 'topic-test1' }], waitForLeaders: true });
    expect(await admin.createPartitions({ topicPartitions: [{ topic: 'topic-test1', count: 3 }] })).toBe(true);
    const { topics } = await admin.fetchTopicMetadata({ topics: ['topic-test1'] });
    expect(topics[0]!.partitions.map((p) => p.partitionId)).toEqual([0, 1, 2]);
    await produceTo('topic-test1', 2, 1);
    expect((await admin.fetchTopicOffsets('topic-test1')).find((o) => o.partition === 2)!.high).toBe('1');
  });

  it('rejects what kafkajs rejects, and broker refusals as KafkaJSProtocolError', async () => {
    await admin.createTopics({ topics: [{ topic: 'grown', numPartitions: 2 }] });
    await expect(admin.createPartitions({ topicPartitions: [] })).rejects.toThrow('Empty topic partitions array');
    await expect(
      admin.createPartitions({
        topicPartitions: [
          { topic: 'grown', count: 3 },
          { topic: 'grown', count: 4 },
        ],
      }),
    ).rejects.toThrow(/multiple entries for the same topic/);
    const shrink = await admin.createPartitions({ topicPartitions: [{ topic: 'grown', count: 1 }] }).catch((e) => e);
    expect(shrink).toBeInstanceOf(KafkaJSProtocolError);
    expect(shrink.type).toBe('INVALID_PARTITIONS');
    expect(await admin.createPartitions({ topicPartitions: [{ topic: 'grown', count: 5 }], validateOnly: true })).toBe(
      true,
    );
    expect((await admin.fetchTopicMetadata({ topics: ['grown'] })).topics[0]!.partitions).toHaveLength(2);
  });
});

describe('admin.describeCluster', () => {
  it('names this broker, the controller and the cluster id', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster).toEqual({
      brokers: [{ nodeId: 0, host: '127.0.0.1', port: b.port }],
      controller: 0,
      clusterId: expect.any(String),
    });
    expect(cluster.clusterId.length).toBeGreaterThan(0);
  });
});

describe('admin.deleteTopicRecords', () => {
  it('deletes below an offset per partition; -1 deletes everything; the low watermark moves', async () => {
    await admin.createTopics({ topics: [{ topic: 'trim', numPartitions: 2 }] });
    await produceTo('trim', 0, 10);
    await produceTo('trim', 1, 4);
    await admin.deleteTopicRecords({
      topic: 'trim',
      partitions: [
        { partition: 0, offset: '6' },
        { partition: 1, offset: '-1' },
      ],
    });
    const offsets = await admin.fetchTopicOffsets('trim');
    expect(offsets.map(({ partition, low, high }) => ({ partition, low, high }))).toEqual([
      { partition: 0, low: '6', high: '10' },
      { partition: 1, low: '4', high: '4' },
    ]);
  });

  it('an offset below the earliest deletes nothing and warns, as kafkajs does', async () => {
    await admin.createTopics({ topics: [{ topic: 'warned', numPartitions: 1 }] });
    await produceTo('warned', 0, 5);
    await admin.deleteTopicRecords({ topic: 'warned', partitions: [{ partition: 0, offset: '3' }] });
    await admin.deleteTopicRecords({ topic: 'warned', partitions: [{ partition: 0, offset: '1' }] });
    expect((await admin.fetchTopicOffsets('warned'))[0]!.low).toBe('3');
    expect(logs.has(/before the earliest offset/)).toBe(true);
  });

  it("fails with KafkaJSDeleteTopicRecordsError naming each failed partition (kafkajs's shape)", async () => {
    await admin.createTopics({ topics: [{ topic: 'partly', numPartitions: 2 }] });
    await produceTo('partly', 0, 3);
    const error = await admin
      .deleteTopicRecords({
        topic: 'partly',
        partitions: [
          { partition: 0, offset: '2' },
          { partition: 1, offset: '50' },
        ],
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(KafkaJSDeleteTopicRecordsError);
    expect(error.name).toBe('KafkaJSDeleteTopicRecordsError');
    expect(error.retriable).toBe(false);
    expect(error.partitions).toEqual([{ partition: 1, offset: '50', error: expect.any(KafkaJSProtocolError) }]);
    expect(error.partitions[0].error.type).toBe('OFFSET_OUT_OF_RANGE');
    expect((await admin.fetchTopicOffsets('partly'))[0]!.low).toBe('2'); // the good partition went through

    const unknown = await admin
      .deleteTopicRecords({ topic: 'partly', partitions: [{ partition: 7, offset: '1' }] })
      .catch((e) => e);
    expect(unknown).toBeInstanceOf(KafkaJSDeleteTopicRecordsError);
    expect(unknown.partitions[0].error.name).toBe('KafkaJSBrokerNotFound');
    await expect(admin.deleteTopicRecords({ topic: 'partly', partitions: [] })).rejects.toThrow(/Invalid partitions/);
  });
});

describe('methods Sluice does not have yet', () => {
  const acl = {
    resourceType: AclResourceTypes.TOPIC,
    resourceName: 'topic-name',
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: 'User:bob',
    host: '*',
    operation: AclOperationTypes.ALL,
    permissionType: AclPermissionTypes.DENY,
  };

  it.each([
    ['createAcls', () => admin.createAcls({ acl: [acl] })],
    ['describeAcls', () => admin.describeAcls(acl)],
    ['deleteAcls', () => admin.deleteAcls({ filters: [acl] })],
    ['alterPartitionReassignments', () => admin.alterPartitionReassignments({ topics: [] })],
    ['listPartitionReassignments', () => admin.listPartitionReassignments({})],
  ])('%s rejects with KafkaJSNotImplemented saying why', async (method, call) => {
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaJSNotImplemented);
    expect((error as Error).name).toBe('KafkaJSNotImplemented');
    expect((error as Error).message).toMatch(new RegExp(`^admin\\.${method}\\(\\) is not supported yet: `));
  });

  it("has every method of kafkajs's admin client", () => {
    const theirs = new kafkajs.Kafka({ brokers: ['127.0.0.1:1'], logLevel: kafkajs.logLevel.NOTHING }).admin();
    const missing = Object.keys(theirs).filter(
      (key) => typeof theirs[key] === 'function' && typeof (admin as any)[key] !== 'function',
    );
    expect(missing).toEqual([]);
  });
});
