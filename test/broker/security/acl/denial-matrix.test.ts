// The denial matrix on the native wire: with authorization on (and no authentication, so every client is
// User:ANONYMOUS, as in Kafka with an authorizer on a PLAINTEXT listener), each API refuses a principal
// without the permission with Kafka's authorization error and serves one with it.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activityChannel, type ActivityEvent } from '../../../../src/broker/diagnostics.js';
import type { AclBinding, Operation, ResourceType } from '../../../../src/broker/security/acl/types.js';
import {
  AlterConfigsApi,
  CreatePartitionsApi,
  DeleteGroupsApi,
  DeleteRecordsApi,
  DeleteTopicsApi,
  DescribeConfigsApi,
  DescribeGroupsApi,
  ErrorCode,
  FindCoordinatorApi,
  HeartbeatApi,
  InitProducerIdApi,
  JoinGroupApi,
  LeaveGroupApi,
  ListGroupsApi,
  ListOffsetsApi,
  MetadataApi,
  OffsetCommitApi,
  OffsetFetchApi,
  SyncGroupApi,
} from '../../../../src/protocol/index.js';
import {
  batchOf,
  createTopic,
  fetchPartition,
  produce,
  startBroker,
  type TestBroker,
} from '../../../helpers/broker.js';
import { removeTempDirs } from '../../../helpers/temp-dir.js';
import { buildRecordBatchSync } from '../../../../src/records/index.js';
import type { WireClient } from '../../../helpers/wire-client.js';

let t: TestBroker;
let client: WireClient;

beforeEach(async () => {
  t = await startBroker({ security: { authorization: true } });
  client = await t.client();
});
afterEach(async () => t.stop());
afterAll(removeTempDirs);

function binding(
  operation: Operation,
  resourceType: ResourceType,
  resourceName: string,
  extra: Partial<AclBinding> = {},
) {
  return {
    principal: 'User:ANONYMOUS',
    host: '*',
    resourceType,
    resourceName,
    patternType: 'literal',
    operation,
    permission: 'allow',
    ...extra,
  } satisfies AclBinding;
}

async function grant(operation: Operation, type: ResourceType, name: string, extra: Partial<AclBinding> = {}) {
  const [result] = await t.broker.core.authorizer.create([binding(operation, type, name, extra)]);
  expect(result).toEqual({ ok: true });
}

async function revokeAll() {
  await t.broker.core.authorizer.delete([{}]);
}

/** A topic made by a principal allowed to create it; the grant is taken back afterwards. */
async function existingTopic(name: string, partitions = 1) {
  await grant('Create', 'cluster', 'kafka-cluster');
  expect((await createTopic(client, name, partitions)).errorCode).toBe(ErrorCode.NONE);
  await revokeAll();
}

const joinRequest = (groupId: string) => ({
  groupId,
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 10_000,
  memberId: '',
  groupInstanceId: null,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
  reason: null,
});

describe('the denial matrix (native wire)', () => {
  it('CreateTopics needs Create on the cluster or on the topic', async () => {
    expect((await createTopic(client, 'a')).errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    await grant('Create', 'topic', 'a');
    expect((await createTopic(client, 'a')).errorCode).toBe(ErrorCode.NONE);
    expect((await createTopic(client, 'b')).errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    await grant('Create', 'cluster', 'kafka-cluster');
    expect((await createTopic(client, 'b')).errorCode).toBe(ErrorCode.NONE);
  });

  it('Metadata lists only topics the principal may Describe, and refuses the others by name', async () => {
    await existingTopic('seen');
    await existingTopic('hidden');
    const none = await client.request(MetadataApi, { topics: null, allowAutoTopicCreation: false });
    expect(none.topics).toEqual([]);
    await grant('Describe', 'topic', 'seen');
    const some = await client.request(MetadataApi, { topics: null, allowAutoTopicCreation: false });
    expect(some.topics.map((x) => x.name)).toEqual(['seen']);
    const named = await client.request(MetadataApi, { topics: ['seen', 'hidden'], allowAutoTopicCreation: false });
    expect(named.topics.map((x) => [x.name, x.errorCode])).toEqual([
      ['seen', ErrorCode.NONE],
      ['hidden', ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    ]);
  });

  it('Metadata auto-creates only with Create', async () => {
    await grant('Describe', 'topic', 'auto');
    const refused = await client.request(MetadataApi, { topics: ['auto'], allowAutoTopicCreation: true });
    expect(refused.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await grant('Create', 'topic', 'auto');
    const created = await client.request(MetadataApi, { topics: ['auto'], allowAutoTopicCreation: true });
    expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
  });

  it('Produce needs Write, Fetch needs Read, ListOffsets needs Describe', async () => {
    await existingTopic('data');
    expect((await produce(client, 'data', 0, batchOf(['x']))).errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect((await fetchPartition(client, 'data', 0, 0)).errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const listOffsets = () =>
      client.request(ListOffsetsApi, {
        isolationLevel: 0,
        topics: [{ name: 'data', partitions: [{ partition: 0, timestamp: -1 }] }],
      });
    expect((await listOffsets()).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    await grant('Write', 'topic', 'data');
    expect((await produce(client, 'data', 0, batchOf(['x']))).errorCode).toBe(ErrorCode.NONE);
    expect((await fetchPartition(client, 'data', 0, 0)).errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect((await listOffsets()).topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, offset: 1 });
    await grant('Read', 'topic', 'data');
    const fetched = await fetchPartition(client, 'data', 0, 0);
    expect(fetched.errorCode).toBe(ErrorCode.NONE);
    expect(fetched.records.length).toBeGreaterThan(0);
  });

  it('DeleteRecords and DeleteTopics need Delete, CreatePartitions needs Alter', async () => {
    await existingTopic('gone');
    const deleteRecords = () =>
      client.request(DeleteRecordsApi, {
        topics: [{ name: 'gone', partitions: [{ partition: 0, offset: -1 }] }],
        timeoutMs: 5000,
      });
    const addPartitions = () =>
      client.request(CreatePartitionsApi, {
        topics: [{ name: 'gone', count: 2, assignments: null }],
        timeoutMs: 5000,
        validateOnly: false,
      });
    const deleteTopic = () => client.request(DeleteTopicsApi, { topics: ['gone'], timeoutMs: 5000 });
    expect((await deleteRecords()).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect((await addPartitions()).topics[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect((await deleteTopic()).topics[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    await grant('Alter', 'topic', 'gone');
    expect((await addPartitions()).topics[0]!.errorCode).toBe(ErrorCode.NONE);
    await grant('Delete', 'topic', 'gone');
    expect((await deleteRecords()).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect((await deleteTopic()).topics[0]!.errorCode).toBe(ErrorCode.NONE);
  });

  it('DescribeConfigs and AlterConfigs need their operations on the topic, or on the cluster for the broker', async () => {
    await existingTopic('conf');
    const describe = (type: 'topic' | 'broker', name: string) =>
      client.request(DescribeConfigsApi, { resources: [{ type, name, configNames: null }] });
    const alter = () =>
      client.request(AlterConfigsApi, {
        resources: [{ type: 'topic', name: 'conf', configs: { 'retention.ms': '60000' } }],
        validateOnly: false,
      });
    expect((await describe('topic', 'conf')).resources[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect((await describe('broker', '0')).resources[0]!.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect((await alter()).resources[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    await grant('AlterConfigs', 'topic', 'conf');
    expect((await alter()).resources[0]!.errorCode).toBe(ErrorCode.NONE);
    // AlterConfigs implies DescribeConfigs.
    expect((await describe('topic', 'conf')).resources[0]!.errorCode).toBe(ErrorCode.NONE);
    await grant('DescribeConfigs', 'cluster', 'kafka-cluster');
    expect((await describe('broker', '0')).resources[0]!.errorCode).toBe(ErrorCode.NONE);
  });

  it('InitProducerId needs IdempotentWrite on the cluster or Write on some topic', async () => {
    const init = () =>
      client.request(InitProducerIdApi, {
        transactionalId: null,
        transactionTimeoutMs: 60_000,
        producerId: -1,
        producerEpoch: -1,
      });
    expect((await init()).errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    await grant('Write', 'topic', 'events-', { patternType: 'prefixed' });
    expect((await init()).errorCode).toBe(ErrorCode.NONE);
    await revokeAll();
    await grant('IdempotentWrite', 'cluster', 'kafka-cluster');
    expect((await init()).errorCode).toBe(ErrorCode.NONE);
  });

  it('an idempotent produce needs Write on its topic: IdempotentWrite on the cluster gets a producer id, not a write', async () => {
    await existingTopic('idem');
    await grant('IdempotentWrite', 'cluster', 'kafka-cluster');
    const init = await client.request(InitProducerIdApi, {
      transactionalId: null,
      transactionTimeoutMs: 60_000,
      producerId: -1,
      producerEpoch: -1,
    });
    expect(init.errorCode).toBe(ErrorCode.NONE);
    const idempotent = (baseSequence: number) =>
      buildRecordBatchSync([{ key: null, value: Buffer.from(`r${baseSequence}`), timestamp: Date.now() }], {
        producerId: init.producerId,
        producerEpoch: init.producerEpoch,
        baseSequence,
      });
    expect((await produce(client, 'idem', 0, idempotent(0))).errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    await grant('Write', 'topic', 'idem');
    expect((await produce(client, 'idem', 0, idempotent(0))).errorCode).toBe(ErrorCode.NONE);
    // Write on the topic alone (IdempotentWrite taken back) is enough, as in Kafka since KIP-679.
    await revokeAll();
    await grant('Write', 'topic', 'idem');
    expect((await produce(client, 'idem', 0, idempotent(1))).errorCode).toBe(ErrorCode.NONE);
  });

  it('the group APIs need Read (membership, commits) or Describe (lookups) on the group', async () => {
    await existingTopic('in');
    const find = () => client.request(FindCoordinatorApi, { key: 'g', keyType: 0 });
    expect((await find()).errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    expect((await client.request(JoinGroupApi, joinRequest('g'))).errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const member = { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null };
    expect((await client.request(HeartbeatApi, member)).errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const sync = await client.request(SyncGroupApi, {
      ...member,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    expect(sync.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const leave = await client.request(LeaveGroupApi, {
      groupId: 'g',
      members: [{ memberId: 'm', groupInstanceId: null, reason: null }],
    });
    expect(leave.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);

    await grant('Read', 'group', 'g');
    expect((await find()).errorCode).toBe(ErrorCode.NONE); // Read implies Describe
    const joined = await client.request(JoinGroupApi, joinRequest('g'));
    expect(joined.errorCode).toBe(ErrorCode.NONE);
    const me = { groupId: 'g', generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null };
    expect((await client.request(HeartbeatApi, me)).errorCode).toBe(ErrorCode.NONE);
    const left = await client.request(LeaveGroupApi, {
      groupId: 'g',
      members: [{ memberId: joined.memberId, groupInstanceId: null, reason: null }],
    });
    expect(left.errorCode).toBe(ErrorCode.NONE);
  });

  it('OffsetCommit needs Read on the group and on each topic; OffsetFetch Describe on both', async () => {
    await existingTopic('in');
    await existingTopic('other');
    const commit = () =>
      client.request(OffsetCommitApi, {
        groupId: 'g',
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: ['in', 'other'].map((name) => ({
          name,
          partitions: [{ partition: 0, offset: 0, leaderEpoch: -1, metadata: null }],
        })),
      });
    const codes = async () => (await commit()).topics.map((x) => [x.name, x.partitions[0]!.errorCode]);
    expect(await codes()).toEqual([
      ['in', ErrorCode.GROUP_AUTHORIZATION_FAILED],
      ['other', ErrorCode.GROUP_AUTHORIZATION_FAILED],
    ]);
    await grant('Read', 'group', 'g');
    await grant('Read', 'topic', 'in');
    expect(await codes()).toEqual([
      ['in', ErrorCode.NONE],
      ['other', ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    ]);
    const all = await client.request(OffsetFetchApi, { groupId: 'g', topics: null, requireStable: false });
    expect(all.topics.map((x) => x.name)).toEqual(['in']);
    const named = await client.request(OffsetFetchApi, {
      groupId: 'g',
      topics: [{ name: 'other', partitions: [0] }],
      requireStable: false,
    });
    expect(named.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const otherGroup = await client.request(OffsetFetchApi, { groupId: 'h', topics: null, requireStable: false });
    expect(otherGroup.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  });

  it('ListGroups shows the groups the principal may Describe; DescribeGroups and DeleteGroups check each', async () => {
    await existingTopic('in');
    await grant('Read', 'group', 'mine');
    await grant('Read', 'group', 'theirs');
    await grant('Read', 'topic', 'in');
    for (const groupId of ['mine', 'theirs']) {
      const res = await client.request(OffsetCommitApi, {
        groupId,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [{ name: 'in', partitions: [{ partition: 0, offset: 0, leaderEpoch: -1, metadata: null }] }],
      });
      expect(res.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    }
    await t.broker.core.authorizer.delete([{ resourceType: 'group', resourceName: 'theirs' }]);
    const listed = await client.request(ListGroupsApi, { statesFilter: null });
    expect(listed.groups.map((g) => g.groupId)).toEqual(['mine']);
    const described = await client.request(DescribeGroupsApi, { groups: ['mine', 'theirs'] });
    expect(described.groups.map((g) => [g.groupId, g.errorCode])).toEqual([
      ['mine', ErrorCode.NONE],
      ['theirs', ErrorCode.GROUP_AUTHORIZATION_FAILED],
    ]);
    const deleted = await client.request(DeleteGroupsApi, { groups: ['mine', 'theirs'] });
    expect(deleted.results.map((r) => [r.groupId, r.errorCode])).toEqual([
      ['mine', ErrorCode.GROUP_AUTHORIZATION_FAILED],
      ['theirs', ErrorCode.GROUP_AUTHORIZATION_FAILED],
    ]);
    await grant('Delete', 'group', 'mine');
    const again = await client.request(DeleteGroupsApi, { groups: ['mine'] });
    expect(again.results[0]!.errorCode).toBe(ErrorCode.NONE);
    await grant('Describe', 'cluster', 'kafka-cluster');
    expect((await client.request(ListGroupsApi, { statesFilter: null })).groups.map((g) => g.groupId)).toEqual([
      'theirs',
    ]);
  });

  it('a deny beats an allow; prefixed ACLs cover every name they start', async () => {
    await existingTopic('logs.app');
    await existingTopic('logs.audit');
    await grant('All', 'topic', 'logs.', { patternType: 'prefixed' });
    await grant('Write', 'topic', 'logs.audit', { permission: 'deny' });
    expect((await produce(client, 'logs.app', 0, batchOf(['x']))).errorCode).toBe(ErrorCode.NONE);
    expect((await produce(client, 'logs.audit', 0, batchOf(['x']))).errorCode).toBe(
      ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    );
    expect((await fetchPartition(client, 'logs.audit', 0, 0)).errorCode).toBe(ErrorCode.NONE);
  });

  it('super users are allowed everything', async () => {
    await t.stop();
    t = await startBroker({ security: { authorization: true, superUsers: ['ANONYMOUS'] } });
    client = await t.client();
    expect((await createTopic(client, 'root')).errorCode).toBe(ErrorCode.NONE);
    expect((await produce(client, 'root', 0, batchOf(['x']))).errorCode).toBe(ErrorCode.NONE);
  });

  it('publishes each denial as an acl.denied activity event', async () => {
    const events: ActivityEvent[] = [];
    const listen = (message: unknown) => events.push(message as ActivityEvent);
    activityChannel.subscribe(listen);
    try {
      await createTopic(client, 'nope');
    } finally {
      activityChannel.unsubscribe(listen);
    }
    expect(events).toEqual([
      expect.objectContaining({
        type: 'acl.denied',
        principal: 'User:ANONYMOUS',
        clientHost: '127.0.0.1',
        outcome: 'denied',
        resource: 'topic:nope',
        details: expect.objectContaining({ operation: 'Create' }),
      }),
    ]);
  });
});

describe("internal topics are the broker's, authorization off", () => {
  it('refuses creating, deleting, altering and producing to "__" names', async () => {
    await t.stop();
    t = await startBroker({});
    client = await t.client();
    expect((await createTopic(client, '__mine')).errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    const write = await produce(client, '__consumer_offsets', 0, batchOf(['x']));
    expect(write).toMatchObject({
      errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION,
      errorMessage: expect.stringMatching(/internal/),
    });
    const deleted = await client.request(DeleteTopicsApi, { topics: ['__consumer_offsets'], timeoutMs: 5000 });
    expect(deleted.topics[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    const altered = await client.request(AlterConfigsApi, {
      resources: [{ type: 'topic', name: '__consumer_offsets', configs: { 'retention.ms': '1' } }],
      validateOnly: false,
    });
    expect(altered.resources[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    const grown = await client.request(CreatePartitionsApi, {
      topics: [{ name: '__consumer_offsets', count: 3, assignments: null }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(grown.topics[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });
});
