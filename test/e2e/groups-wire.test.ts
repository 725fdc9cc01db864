// The group APIs over the wire against a real in-process broker (raw protocol client, no SDK).
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ApiVersionsApi,
  DeleteGroupsApi,
  DescribeGroupsApi,
  ErrorCode,
  FindCoordinatorApi,
  HeartbeatApi,
  JoinGroupApi,
  LeaveGroupApi,
  ListGroupsApi,
  OffsetCommitApi,
  OffsetFetchApi,
  SyncGroupApi,
  type JoinGroupResponse,
} from '../../src/protocol/index.js';
import { batchOf, createTopic, produce, startBroker, type TestBroker } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import type { WireClient } from '../helpers/wire-client.js';

let b: TestBroker;
let c: WireClient;

beforeEach(async () => {
  b = await startBroker();
  c = await b.client();
  await createTopic(c, 'orders', 2);
});
afterEach(async () => b.stop());
afterAll(removeTempDirs);

function join(client: WireClient, groupId: string, memberId = '', sessionTimeoutMs = 2000): Promise<JoinGroupResponse> {
  return client.request(JoinGroupApi, {
    groupId,
    sessionTimeoutMs,
    rebalanceTimeoutMs: 3000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'RangeAssigner', metadata: Buffer.from('m') }],
    reason: null,
  });
}

function commit(
  client: WireClient,
  groupId: string,
  generationId: number,
  memberId: string,
  topic: string,
  partition: number,
  offset: number,
) {
  return client.request(OffsetCommitApi, {
    groupId,
    generationId,
    memberId,
    groupInstanceId: null,
    topics: [{ name: topic, partitions: [{ partition, offset, leaderEpoch: -1, metadata: 'm' }] }],
  });
}

describe('group APIs on the wire', () => {
  it('are listed by ApiVersions, and FindCoordinator names this broker', async () => {
    const versions = await c.request(ApiVersionsApi, {} as never);
    const keys = versions.apiVersions.map((k) => k.apiKey);
    for (const key of [8, 9, 10, 11, 12, 13, 14, 15, 16, 42]) expect(keys).toContain(key);
    const fc = await c.request(FindCoordinatorApi, { key: 'g', keyType: 0 });
    expect(fc).toMatchObject({ errorCode: 0, host: '127.0.0.1', port: b.port });
  });

  it('join → sync → heartbeat → commit → fetch with lag → leave', async () => {
    await produce(c, 'orders', 0, batchOf(['a', 'b', 'c', 'd']));
    const j = await join(c, 'g');
    expect(j.errorCode).toBe(0);
    expect(j.leader).toBe(j.memberId);
    const s = await c.request(SyncGroupApi, {
      groupId: 'g',
      generationId: j.generationId,
      memberId: j.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: j.protocolName,
      assignments: [{ memberId: j.memberId, assignment: Buffer.from('mine') }],
    });
    expect(s.assignment.toString()).toBe('mine');
    expect(
      (
        await c.request(HeartbeatApi, {
          groupId: 'g',
          generationId: j.generationId,
          memberId: j.memberId,
          groupInstanceId: null,
        })
      ).errorCode,
    ).toBe(0);
    const cr = await commit(c, 'g', j.generationId, j.memberId, 'orders', 0, 1);
    expect(cr.topics[0]!.partitions[0]!.errorCode).toBe(0);
    const f = await c.request(OffsetFetchApi, {
      groupId: 'g',
      topics: [{ name: 'orders', partitions: [0, 1] }],
      requireStable: false,
    });
    expect(f.topics[0]!.partitions).toEqual([
      { partition: 0, offset: 1, metadata: 'm', errorCode: 0, logEndOffset: 4, lag: 3 },
      { partition: 1, offset: -1, metadata: null, errorCode: 0, logEndOffset: 0, lag: -1 },
    ]);
    const d = await c.request(DescribeGroupsApi, { groups: ['g'] });
    expect(d.groups[0]).toMatchObject({ groupState: 'Stable', protocolData: 'RangeAssigner' });
    expect(d.groups[0]!.members[0]!.clientHost).toBe('/127.0.0.1');
    const l = await c.request(LeaveGroupApi, {
      groupId: 'g',
      members: [{ memberId: j.memberId, groupInstanceId: null, reason: 'bye' }],
    });
    expect(l.members[0]!.errorCode).toBe(0);
    expect((await c.request(ListGroupsApi, { statesFilter: null })).groups).toEqual([
      { groupId: 'g', protocolType: 'consumer', groupState: 'Empty' },
    ]);
  });

  it('answers bad input with clear codes: unknown group, wrong member, removed member, missing topic, non-empty delete', async () => {
    const j = await join(c, 'g', '', 500);
    await c.request(SyncGroupApi, {
      groupId: 'g',
      generationId: j.generationId,
      memberId: j.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    expect((await c.request(DescribeGroupsApi, { groups: ['nope'] })).groups[0]!.errorCode).toBe(
      ErrorCode.GROUP_ID_NOT_FOUND,
    );
    expect((await c.request(DeleteGroupsApi, { groups: ['nope'] })).results[0]!.errorCode).toBe(
      ErrorCode.GROUP_ID_NOT_FOUND,
    );
    expect((await c.request(DeleteGroupsApi, { groups: ['g'] })).results[0]!.errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
    expect(
      (
        await c.request(HeartbeatApi, {
          groupId: 'g',
          generationId: j.generationId,
          memberId: 'wrong',
          groupInstanceId: null,
        })
      ).errorCode,
    ).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const missing = await commit(c, 'g', j.generationId, j.memberId, 'no-such-topic', 0, 1);
    expect(missing.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const unknownFetch = await c.request(OffsetFetchApi, {
      groupId: 'never-seen',
      topics: [{ name: 'orders', partitions: [0] }],
      requireStable: false,
    });
    expect(unknownFetch.topics[0]!.partitions[0]!.offset).toBe(-1);
    await waitFor(async () => (await c.request(DescribeGroupsApi, { groups: ['g'] })).groups[0]!.members.length === 0, {
      timeoutMs: 5000,
      intervalMs: 50,
      message: 'the session (500 ms) to expire and the member to be removed',
    });
    const hb = await c.request(HeartbeatApi, {
      groupId: 'g',
      generationId: j.generationId,
      memberId: j.memberId,
      groupInstanceId: null,
    });
    expect(hb.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(hb.errorMessage).toContain('session timeout');
    expect((await c.request(DeleteGroupsApi, { groups: ['g'] })).results[0]!.errorCode).toBe(0);
  });

  it('rejects a commit from a stale generation with a clear message', async () => {
    const c2 = await b.client();
    const first = await join(c, 'g');
    await c.request(SyncGroupApi, {
      groupId: 'g',
      generationId: first.generationId,
      memberId: first.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    const second = join(c2, 'g'); // a new member: the group rebalances to generation 2
    const again = await join(c, 'g', first.memberId);
    expect((await second).generationId).toBe(first.generationId + 1);
    expect(again.generationId).toBe(first.generationId + 1);
    const stale = await commit(c, 'g', first.generationId, first.memberId, 'orders', 0, 3);
    expect(stale.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(stale.topics[0]!.partitions[0]!.errorMessage).toMatch(/generation 1 but group 'g' is at generation 2/);
  });

  it('a JoinGroup parked in a rebalance does not hold up broker shutdown', async () => {
    const first = await join(c, 'g');
    await c.request(SyncGroupApi, {
      groupId: 'g',
      generationId: first.generationId,
      memberId: first.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    const c2 = await b.client();
    const parked = join(c2, 'g'); // waits for the first member to rejoin (up to the 3 s rebalance timeout)
    await waitFor(
      async () =>
        (await c.request(DescribeGroupsApi, { groups: ['g'] })).groups[0]!.groupState === 'PreparingRebalance',
      { message: 'the second JoinGroup to reach the broker and start a rebalance' },
    );
    const started = Date.now();
    await b.broker.stop(); // (b.stop() would close the clients first)
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await parked).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    b = await startBroker({ dataDir: b.dataDir });
  });

  it('keeps committed offsets across a broker restart', async () => {
    await commit(c, 'kept', -1, '', 'orders', 1, 42);
    await b.stop();
    b = await startBroker({ dataDir: b.dataDir });
    c = await b.client();
    const f = await c.request(OffsetFetchApi, { groupId: 'kept', topics: null, requireStable: false });
    expect(f.topics).toEqual([
      {
        name: 'orders',
        partitions: [{ partition: 1, offset: 42, metadata: 'm', errorCode: 0, logEndOffset: 0, lag: 0 }],
      },
    ]);
    expect((await c.request(ListGroupsApi, { statesFilter: null })).groups.map((g) => g.groupId)).toEqual(['kept']);
  });
});
