// kafkajs's docs/Admin.md, example by example, against Sluice.
import { describe, expect, it } from 'vitest';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  AssignerProtocol,
  ConfigResourceTypes,
  type ITopicConfig,
  ResourcePatternTypes,
} from '../../src/index.js';
import { collector, useBroker } from './helpers.js';

const live = useBroker();

async function connected() {
  const admin = live.kafka().admin({ retry: { retries: 3 } });
  await admin.connect();
  return admin;
}

async function produce(topic: string, messages: Array<{ value: string; partition?: number; timestamp?: string }>) {
  const producer = live.kafka().producer();
  await producer.connect();
  await producer.send({ topic, messages });
  await producer.disconnect();
}

describe('Admin client', () => {
  it('lists, creates (true, then false when it exists) and deletes topics', async () => {
    const admin = await connected();
    const topic: ITopicConfig = {
      topic: 'admin-topic',
      numPartitions: 2,
      replicationFactor: -1,
      configEntries: [{ name: 'retention.ms', value: '86400000' }],
    };
    expect(
      await admin.createTopics({ validateOnly: false, waitForLeaders: true, timeout: 5000, topics: [topic] }),
    ).toBe(true);
    expect(await admin.createTopics({ topics: [topic] })).toBe(false);
    expect(await admin.listTopics()).toContain('admin-topic');
    await admin.deleteTopics({ topics: ['admin-topic'], timeout: 5000 });
    expect(await admin.listTopics()).not.toContain('admin-topic');
    await admin.disconnect();
  });

  it('createPartitions, then fetchTopicMetadata with and without topics', async () => {
    const admin = await connected();
    await admin.createTopics({ topics: [{ topic: 'grown' }] });
    await admin.createPartitions({
      validateOnly: false,
      timeout: 5000,
      topicPartitions: [{ topic: 'grown', count: 4 }],
    });
    const { topics } = await admin.fetchTopicMetadata({ topics: ['grown'] });
    expect(topics[0]!.partitions.map((p) => p.partitionId)).toEqual([0, 1, 2, 3]);
    expect(topics[0]!.partitions[0]).toMatchObject({ partitionErrorCode: 0, leader: 0, replicas: [0], isr: [0] });
    expect((await admin.fetchTopicMetadata()).topics.map((t) => t.name)).toContain('grown');
    await admin.disconnect();
  });

  it('fetchTopicOffsets and fetchTopicOffsetsByTimestamp', async () => {
    const admin = await connected();
    await admin.createTopics({ topics: [{ topic: 'offsets', numPartitions: 2 }] });
    const old = String(Date.now() - 60_000);
    await produce('offsets', [
      { value: 'a', partition: 0, timestamp: old },
      { value: 'b', partition: 0 },
      { value: 'c', partition: 1 },
    ]);
    expect(await admin.fetchTopicOffsets('offsets')).toEqual([
      { partition: 0, offset: '2', high: '2', low: '0' },
      { partition: 1, offset: '1', high: '1', low: '0' },
    ]);
    expect(await admin.fetchTopicOffsetsByTimestamp('offsets', Date.now() - 30_000)).toEqual([
      { partition: 0, offset: '1' },
      { partition: 1, offset: '0' },
    ]);
    await admin.disconnect();
  });

  it('fetchOffsets (also resolveOffsets), resetOffsets, setOffsets and the reset-by-timestamp recipe', async () => {
    const admin = await connected();
    await admin.createTopics({ topics: [{ topic: 'grouped', numPartitions: 2 }] });
    await produce('grouped', [
      { value: 'a', partition: 0 },
      { value: 'b', partition: 0 },
      { value: 'c', partition: 1 },
    ]);
    const groupId = 'offsets-group';
    await admin.setOffsets({
      groupId,
      topic: 'grouped',
      partitions: [
        { partition: 0, offset: '1' },
        { partition: 1, offset: '0' },
      ],
    });
    const fetched = await admin.fetchOffsets({ groupId, topics: ['grouped'] });
    expect(fetched.map((t) => [t.topic, t.partitions.map((p) => [p.partition, p.offset])])).toEqual([
      [
        'grouped',
        [
          [0, '1'],
          [1, '0'],
        ],
      ],
    ]);
    await admin.resetOffsets({ groupId, topic: 'grouped', earliest: true });
    const reset = await admin.fetchOffsets({ groupId, topics: ['grouped'] });
    expect(reset[0]!.partitions.map((p) => p.offset)).toEqual(['0', '0']);
    await admin.resetOffsets({ groupId, topic: 'grouped' }); // latest by default
    expect(
      (await admin.fetchOffsets({ groupId, topics: ['grouped'], resolveOffsets: true }))[0]!.partitions.map(
        (p) => p.offset,
      ),
    ).toEqual(['2', '1']);
    await admin.setOffsets({
      groupId,
      topic: 'grouped',
      partitions: await admin.fetchTopicOffsetsByTimestamp('grouped', Date.now() - 3_600_000),
    });
    expect((await admin.fetchOffsets({ groupId, topics: ['grouped'] }))[0]!.partitions.map((p) => p.offset)).toEqual([
      '0',
      '0',
    ]);
    await admin.disconnect();
  });

  it('describeCluster', async () => {
    const admin = await connected();
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toEqual([{ nodeId: 0, host: '127.0.0.1', port: Number(live.brokers[0]!.split(':')[1]) }]);
    expect(cluster.controller).toBe(0);
    expect(typeof cluster.clusterId).toBe('string');
    await admin.disconnect();
  });

  it('describeConfigs (all, or the ones named) and alterConfigs', async () => {
    const admin = await connected();
    await admin.createTopics({ topics: [{ topic: 'configured' }] });
    const all = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'configured' }],
    });
    expect(all.resources[0]!.configEntries.map((e) => e.configName)).toContain('cleanup.policy');
    const one = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'configured', configNames: ['cleanup.policy'] }],
    });
    expect(one.resources).toEqual([
      expect.objectContaining({
        errorCode: 0,
        resourceName: 'configured',
        resourceType: ConfigResourceTypes.TOPIC,
        configEntries: [
          expect.objectContaining({ configName: 'cleanup.policy', configValue: 'delete', isDefault: true }),
        ],
      }),
    ]);
    const altered = await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: 'configured',
          configEntries: [{ name: 'retention.ms', value: '3600000' }],
        },
      ],
    });
    expect(altered.resources).toEqual([expect.objectContaining({ errorCode: 0, resourceName: 'configured' })]);
    await admin.disconnect();
  });

  it('listGroups, describeGroups (decoded with AssignerProtocol) and deleteGroups with its error shape', async () => {
    const admin = await connected();
    await produce('members', [{ value: 'x' }]);
    const consumer = live.kafka().consumer({ groupId: 'testgroup' });
    await consumer.connect();
    await consumer.subscribe({ topics: ['members'], fromBeginning: true });
    const got = collector<string>(1);
    await consumer.run({ eachMessage: async ({ message }) => got.push(String(message.value)) });
    await got.done;

    expect((await admin.listGroups()).groups).toContainEqual({ groupId: 'testgroup', protocolType: 'consumer' });
    const { groups } = await admin.describeGroups(['testgroup']);
    expect(groups[0]).toMatchObject({ errorCode: 0, groupId: 'testgroup', protocolType: 'consumer', state: 'Stable' });
    const member = groups[0]!.members[0]!;
    expect(AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.topics).toEqual(['members']);
    expect(AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment).toEqual({ members: [0] });

    try {
      await admin.deleteGroups(['testgroup']);
      expect.unreachable('a group with members cannot be deleted');
    } catch (error) {
      expect((error as Error).name).toBe('KafkaJSDeleteGroupsError');
      expect((error as { groups: Array<{ groupId: string; error: Error }> }).groups[0]).toMatchObject({
        groupId: 'testgroup',
        error: expect.objectContaining({ name: 'KafkaJSProtocolError' }),
      });
    }
    await consumer.disconnect();
    expect(await admin.deleteGroups(['testgroup'])).toEqual([{ groupId: 'testgroup', errorCode: 0 }]);
    await admin.disconnect();
  });

  it('deleteTopicRecords: below an offset, and -1 for everything', async () => {
    const admin = await connected();
    await admin.createTopics({ topics: [{ topic: 'custom-topic', numPartitions: 4 }] });
    await produce('custom-topic', [
      ...Array.from({ length: 40 }, (_, i) => ({ value: `p0-${i}`, partition: 0 })),
      ...Array.from({ length: 5 }, (_, i) => ({ value: `p3-${i}`, partition: 3 })),
    ]);
    await admin.deleteTopicRecords({
      topic: 'custom-topic',
      partitions: [
        { partition: 0, offset: '30' }, // delete up to and including offset 29
        { partition: 3, offset: '-1' }, // delete all available records on this partition
      ],
    });
    const offsets = await admin.fetchTopicOffsets('custom-topic');
    expect(offsets.find((o) => o.partition === 0)).toMatchObject({ low: '30', high: '40' });
    expect(offsets.find((o) => o.partition === 3)).toMatchObject({ low: '5', high: '5' });
    await admin.disconnect();
  });

  it('the ACL examples run: createAcls, describeAcls, deleteAcls', async () => {
    const admin = await connected();
    const acl = [
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'topic-name',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: 'User:bob',
        host: '*',
        operation: AclOperationTypes.ALL,
        permissionType: AclPermissionTypes.DENY,
      },
    ];
    expect(await admin.createAcls({ acl })).toBe(true);
    const described = await admin.describeAcls({
      resourceName: 'topic-name',
      resourceType: AclResourceTypes.TOPIC,
      host: '*',
      permissionType: AclPermissionTypes.DENY,
      operation: AclOperationTypes.ANY,
      resourcePatternType: ResourcePatternTypes.LITERAL,
    });
    expect(described.resources).toEqual([
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'topic-name',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        acls: [
          {
            principal: 'User:bob',
            host: '*',
            operation: AclOperationTypes.ALL,
            permissionType: AclPermissionTypes.DENY,
          },
        ],
      },
    ]);
    const deleted = await admin.deleteAcls({ filters: acl });
    expect(deleted.filterResponses[0]!.matchingAcls).toHaveLength(1);
    // A single broker never has a reassignment under way.
    await expect(admin.listPartitionReassignments({ topics: [] })).resolves.toEqual({ topics: [] });
    await admin.disconnect();
  });
});
