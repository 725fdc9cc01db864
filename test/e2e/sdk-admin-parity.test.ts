// kafkajs's admin methods Sluice gained for parity: createPartitions, describeCluster, deleteTopicRecords
// (against a real broker), createAcls / describeAcls / deleteAcls over the native wire, the
// partition-reassignment methods that reject clearly until Sluice has them, and the check that every
// method of kafkajs's admin exists.
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  type Admin,
  KafkaJSDeleteTopicRecordsError,
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

describe('admin ACLs over the native wire', () => {
  const entry = (resourceName: string, operation: AclOperationTypes, extra: object = {}) => ({
    resourceType: AclResourceTypes.TOPIC,
    resourceName,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: 'User:bob',
    host: '*',
    operation,
    permissionType: AclPermissionTypes.ALLOW,
    ...extra,
  });
  const anyTopic = {
    resourceType: AclResourceTypes.TOPIC,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  };

  it('creates, describes (MATCH included) and deletes ACLs, which survive a restart', async () => {
    expect(
      await admin.createAcls({
        acl: [
          entry('orders', AclOperationTypes.READ),
          entry('orders', AclOperationTypes.WRITE),
          entry('logs.', AclOperationTypes.ALL, { resourcePatternType: ResourcePatternTypes.PREFIXED }),
        ],
      }),
    ).toBe(true);
    const all = await admin.describeAcls(anyTopic);
    expect(all.resources.map((r) => [r.resourceName, r.acls.length]).sort()).toEqual([
      ['logs.', 1],
      ['orders', 2],
    ]);
    const match = await admin.describeAcls({
      ...anyTopic,
      resourceName: 'logs.app',
      resourcePatternType: ResourcePatternTypes.MATCH,
    });
    expect(match.resources.map((r) => r.resourceName)).toEqual(['logs.']);

    await admin.disconnect();
    await b.stop();
    b = await startSdkBroker({ dataDir: b.dataDir });
    admin = sdkClient(b.port).admin();
    await admin.connect();
    const deleted = await admin.deleteAcls({ filters: [{ ...anyTopic, operation: AclOperationTypes.WRITE }] });
    expect(deleted.filterResponses[0]!.matchingAcls).toEqual([
      expect.objectContaining({ resourceName: 'orders', operation: AclOperationTypes.WRITE, errorCode: 0 }),
    ]);
    expect((await admin.describeAcls(anyTopic)).resources.flatMap((r) => r.acls)).toHaveLength(2);
  });

  it('refuses a bad entry before sending, and a principal without Alter on the cluster', async () => {
    await expect(admin.createAcls({ acl: [entry('x', 99 as AclOperationTypes)] })).rejects.toThrow(
      /Invalid operation 99/,
    );
    await admin.disconnect();
    await b.stop();
    b = await startSdkBroker({ dataDir: b.dataDir, security: { authorization: true } });
    admin = sdkClient(b.port).admin();
    await admin.connect();
    const refused = await admin.createAcls({ acl: [entry('x', AclOperationTypes.READ)] }).catch((e) => e);
    expect(refused).toBeInstanceOf(KafkaJSProtocolError);
    expect(refused.type).toBe('CLUSTER_AUTHORIZATION_FAILED');
  });
});

describe('cluster operations on a single broker', () => {
  it('lists no reassignment, refuses to move a partition to another broker, and needs no election', async () => {
    await admin.createTopics({ topics: [{ topic: 'alone', numPartitions: 2 }] });
    await expect(admin.listPartitionReassignments({})).resolves.toEqual({ topics: [] });
    const moved = await admin
      .alterPartitionReassignments({
        topics: [{ topic: 'alone', partitionAssignment: [{ partition: 0, replicas: [7] }] }],
      })
      .catch((e: unknown) => e);
    expect(moved).toBeInstanceOf(KafkaJSProtocolError);
    expect((moved as KafkaJSProtocolError).type).toBe('INVALID_REPLICA_ASSIGNMENT');
    expect((moved as Error).message).toMatch(/runs alone/);
    const elected = await admin.electLeaders({ topicPartitions: [{ topic: 'alone', partitions: [0, 1, 5] }] });
    expect(elected.map((r) => [r.partition, r.error])).toEqual([
      [0, 'ELECTION_NOT_NEEDED'],
      [1, 'ELECTION_NOT_NEEDED'],
      [5, 'UNKNOWN_TOPIC_OR_PARTITION'],
    ]);
  });

  it("has every method of kafkajs's admin client", () => {
    const theirs = new kafkajs.Kafka({ brokers: ['127.0.0.1:1'], logLevel: kafkajs.logLevel.NOTHING }).admin();
    const missing = Object.keys(theirs).filter(
      (key) => typeof theirs[key] === 'function' && typeof (admin as any)[key] !== 'function',
    );
    expect(missing).toEqual([]);
  });
});
