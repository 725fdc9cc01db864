// The activity log: each event a client's request causes, and the broker's start and stop, written to
// the internal topic `__activity` exactly once, as one JSON record each, readable with a plain Fetch.
import { afterAll, describe, expect, it } from 'vitest';
import {
  AlterConfigsApi,
  CreateAclsApi,
  CreatePartitionsApi,
  DeleteAclsApi,
  DeleteTopicsApi,
  ErrorCode,
  JoinGroupApi,
  LeaveGroupApi,
  OffsetCommitApi,
} from '../../../src/protocol/index.js';
import { batchOf, createTopic, fetchPartition, produce, recordsOf, startBroker } from '../../helpers/broker.js';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import type { ActivityRecord } from '../../../src/broker/activity/activity-log.js';

afterAll(removeTempDirs);

const ALL = {
  principal: null,
  host: null,
  resourceType: null,
  resourceName: null,
  patternType: null,
  operation: null,
  permission: null,
};

describe('__activity', () => {
  it('holds each event exactly once, with who, from where and what, and no secret', async () => {
    const first = await startBroker({ security: { authorization: true, superUsers: ['User:ANONYMOUS'] } });
    const client = await first.client();
    expect((await createTopic(client, 'orders', 1)).errorCode).toBe(ErrorCode.NONE);
    await client.request(AlterConfigsApi, {
      resources: [{ type: 'topic', name: 'orders', configs: { 'retention.ms': '60000' } }],
      validateOnly: false,
    });
    await client.request(CreatePartitionsApi, {
      topics: [{ name: 'orders', count: 2, assignments: null }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    const acl = {
      principal: 'User:bob',
      host: '*',
      resourceType: 'topic',
      resourceName: 'orders',
      patternType: 'literal',
      operation: 'Read',
      permission: 'allow',
    } as const;
    await client.request(CreateAclsApi, { acls: [acl] });
    await client.request(DeleteAclsApi, { filters: [{ ...ALL, principal: 'User:bob' }] });
    const joined = await client.request(JoinGroupApi, {
      groupId: 'billing',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      reason: null,
    });
    await client.request(LeaveGroupApi, {
      groupId: 'billing',
      members: [{ memberId: joined.memberId, groupInstanceId: null, reason: null }],
    });
    await client.request(OffsetCommitApi, {
      groupId: 'billing',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [{ name: 'orders', partitions: [{ partition: 0, offset: 0, leaderEpoch: -1, metadata: null }] }],
    });
    // Writes to __activity itself are refused (and are not events).
    const forged = await produce(client, '__activity', 0, batchOf(['forged']));
    expect(forged.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    const deleted = await client.request(DeleteTopicsApi, { topics: ['orders'], timeoutMs: 5000 });
    expect(deleted.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    await first.stop();

    // Authorization on without super users: reading __activity needs an explicit ACL.
    const second = await startBroker({ dataDir: first.dataDir, security: { authorization: true } });
    try {
      const reader = await second.client();
      expect((await fetchPartition(reader, '__activity', 0, 0)).errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      await second.broker.core.authorizer.create([{ ...acl, principal: 'User:ANONYMOUS', resourceName: '__activity' }]);
      // Events are written in batches, after the request that caused them: wait for the denial just above.
      const raw = await waitFor(
        async () => {
          const fetched = await fetchPartition(reader, '__activity', 0, 0);
          expect(fetched.errorCode).toBe(ErrorCode.NONE);
          const texts = (await recordsOf(fetched)).map((r) => r.value!.toString('utf8'));
          return texts.some((text) => text.includes('"acl.denied"')) ? texts : undefined;
        },
        { message: 'the denied fetch to reach __activity' },
      );
      // Connections opened and closed are events too (test/broker/activity/coverage.test.ts): the rest here.
      const events = raw
        .map((text) => JSON.parse(text) as ActivityRecord)
        .filter((e) => !e.type.startsWith('connection.'));
      expect(events.map((e) => e.type)).toEqual([
        'broker.started',
        'topic.created',
        'topic.altered',
        'topic.altered',
        'acl.created',
        'acl.deleted',
        'group.rebalancing',
        'group.joined',
        'group.rebalancing',
        'group.left',
        'group.offsets.reset',
        'topic.deleted',
        'broker.stopped',
        // The second start, and the denied read above.
        'broker.started',
        'acl.denied',
      ]);
      const created = events.find((e) => e.type === 'topic.created')!;
      expect(created).toMatchObject({
        principal: 'User:ANONYMOUS',
        clientHost: '127.0.0.1',
        outcome: 'success',
        resource: 'topic:orders',
        details: { partitions: 1 },
      });
      expect(Date.parse(created.time)).toBeGreaterThan(0);
      expect(events.find((e) => e.type === 'acl.created')).toMatchObject({
        resource: 'topic:orders',
        details: { aclPrincipal: 'User:bob', operation: 'Read', permission: 'allow' },
      });
      expect(events.find((e) => e.type === 'group.offsets.reset')).toMatchObject({
        resource: 'group:billing',
        details: { topic: 'orders', offsets: '0:0' },
      });
      expect(events.find((e) => e.type === 'acl.denied')).toMatchObject({
        outcome: 'denied',
        resource: 'topic:__activity',
        details: { operation: 'Read' },
      });
      expect(raw.join('\n')).not.toMatch(/password|secret|token|forged/i);
    } finally {
      await second.stop();
    }
  });
});
