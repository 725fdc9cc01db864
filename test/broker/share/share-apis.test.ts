import { afterEach, describe, expect, it } from 'vitest';
import { deliverSlices } from '../../../src/client/share/delivered.js';
import { ShareFetchRecordsApi } from '../../helpers/share-fetch.js';
import {
  AlterConfigsApi,
  AlterShareGroupOffsetsApi,
  DeleteTopicsApi,
  DeleteShareGroupsApi,
  ErrorCode,
  ListShareGroupsApi,
  ShareAcknowledgeApi,
  ShareFetchApi,
  ShareGroupDescribeApi,
  ShareGroupHeartbeatApi,
} from '../../../src/protocol/index.js';
import { DLQ_HEADERS } from '../../../src/records/index.js';
import {
  batchOf,
  createTopic,
  fetchPartition,
  LogCapture,
  produce,
  recordsOf,
  startBroker,
  type TestBroker,
} from '../../helpers/broker.js';
import { waitFor } from '../../helpers/wait-for.js';
import type { WireClient } from '../../helpers/wire-client.js';

let tb: TestBroker | undefined;
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
});

async function join(
  client: WireClient,
  groupId: string,
  extra: Partial<Parameters<typeof ShareGroupHeartbeatApi.encodeRequest>[0]> = {},
) {
  const res = await client.request(ShareGroupHeartbeatApi, {
    groupId,
    topics: ['jobs'],
    maxInFlight: 10,
    startFrom: 'earliest',
    lockTimeoutMs: null,
    retry: null,
    deadLetterTopic: null,
    ...extra,
  });
  expect(res.errorCode).toBe(0);
  return res.memberId;
}

describe('share-group APIs on the native wire', () => {
  it('joins, acquires with delivery counts, acks, and refuses acks of records not held', async () => {
    tb = await startBroker();
    const c = await tb.client();
    await createTopic(c, 'jobs', 1);
    await produce(c, 'jobs', 0, batchOf(['a', 'b', 'c']));
    const m1 = await join(c, 'workers', { maxInFlight: 2 });
    const m2 = await join(c, 'workers', { maxInFlight: 2 });
    const f1 = await c.request(ShareFetchRecordsApi, {
      groupId: 'workers',
      memberId: m1,
      maxRecords: 10,
      maxWaitMs: 0,
      acks: [],
    });
    expect(f1.records.map((r) => [r.offset, r.value?.toString(), r.deliveryCount])).toEqual([
      [0, 'a', 1],
      [1, 'b', 1],
    ]);
    const f2 = await c.request(ShareFetchRecordsApi, {
      groupId: 'workers',
      memberId: m2,
      maxRecords: 10,
      maxWaitMs: 0,
      acks: [],
    });
    expect(f2.records.map((r) => r.offset)).toEqual([2]);

    const acks = await c.request(ShareAcknowledgeApi, {
      groupId: 'workers',
      memberId: m2,
      acks: [
        { topic: 'jobs', partition: 0, offset: 0, lastOffset: null, type: 'ack', errorMessage: null },
        { topic: 'jobs', partition: 0, offset: 2, lastOffset: null, type: 'ack', errorMessage: null },
        { topic: 'jobs', partition: 0, offset: 9, lastOffset: null, type: 'ack', errorMessage: null },
      ],
    });
    // Only the offsets that could not be settled are answered; 2 was.
    expect(acks.results.map((r) => [r.offset, r.errorCode])).toEqual([
      [0, ErrorCode.INVALID_RECORD_STATE],
      [9, ErrorCode.INVALID_RECORD_STATE],
    ]);
    expect(acks.results[0]!.errorMessage).toMatch(/held by another member/);

    const unknown = await c.request(ShareFetchRecordsApi, {
      groupId: 'workers',
      memberId: 'nobody',
      maxRecords: 1,
      maxWaitMs: 0,
      acks: [],
    });
    expect(unknown.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(unknown.errorMessage).toMatch(/join again/);
  });

  it('settles ranges of offsets in one acknowledgement, answers only the offsets it could not settle, and refuses absurd ranges', async () => {
    tb = await startBroker();
    const c = await tb.client();
    await createTopic(c, 'jobs', 1);
    await produce(c, 'jobs', 0, batchOf(['a', 'b', 'c', 'd', 'e', 'f']));
    const m1 = await join(c, 'workers', { maxInFlight: 4 });
    const m2 = await join(c, 'workers', { maxInFlight: 2 });
    const fetch = (memberId: string, acks: Parameters<typeof ShareFetchApi.encodeRequest>[0]['acks'] = []) =>
      c.request(ShareFetchRecordsApi, { groupId: 'workers', memberId, maxRecords: 10, maxWaitMs: 0, acks });
    expect((await fetch(m1)).records.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    expect((await fetch(m2)).records.map((r) => r.offset)).toEqual([4, 5]);
    const range = (offset: number, lastOffset: number, type: 'ack' | 'fail' = 'ack') => ({
      topic: 'jobs',
      partition: 0,
      offset,
      lastOffset,
      type,
      errorMessage: null,
    });

    // 0..4 in one entry: 4 is m2's, the rest are settled; the fetch carrying it hands m1 nothing new (none left).
    const carried = await fetch(m1, [range(0, 4)]);
    expect(carried.acks.map((r) => [r.offset, r.errorCode])).toEqual([[4, ErrorCode.INVALID_RECORD_STATE]]);
    const settled = await c.request(ShareAcknowledgeApi, { groupId: 'workers', memberId: m2, acks: [range(4, 5)] });
    expect(settled.results).toEqual([]);
    const described = await c.request(ShareGroupDescribeApi, { groupIds: ['workers'] });
    expect(described.groups[0]!.partitions[0]).toMatchObject({ startOffset: 6, available: 0, acquired: 0 });

    const backwards = await c.request(ShareAcknowledgeApi, { groupId: 'workers', memberId: m2, acks: [range(9, 3)] });
    expect(backwards.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(backwards.errorMessage).toMatch(/ends \(3\) before it starts \(9\)/);
    const huge = await c.request(ShareAcknowledgeApi, { groupId: 'workers', memberId: m2, acks: [range(0, 1e9)] });
    expect(huge.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(huge.errorMessage).toMatch(/at most 10000 records/);

    // Version 0 answers one result per acknowledgement, 0 for those settled.
    await produce(c, 'jobs', 0, batchOf(['g']));
    const g = await fetch(m2);
    expect(g.records.map((r) => r.offset)).toEqual([6]);
    const v0 = await c.request(
      ShareAcknowledgeApi,
      {
        groupId: 'workers',
        memberId: m2,
        acks: [{ topic: 'jobs', partition: 0, offset: 6, type: 'ack', errorMessage: null }],
      } as never,
      { apiVersion: 0 },
    );
    expect(v0.results.map((r) => [r.offset, r.errorCode])).toEqual([[6, 0]]);
  });

  it('v3 answers records as slices of their batch, v2 as one entry each: the same records either way', async () => {
    tb = await startBroker();
    const c = await tb.client();
    await createTopic(c, 'jobs', 1);
    await produce(c, 'jobs', 0, batchOf(['a', 'b', 'c', 'd']));
    const m1 = await join(c, 'workers', { maxInFlight: 2 });
    const m2 = await join(c, 'workers', { maxInFlight: 2 });
    const request = (memberId: string) => ({ groupId: 'workers', memberId, maxRecords: 10, maxWaitMs: 0, acks: [] });
    const v3 = await c.request(ShareFetchApi, request(m1), { apiVersion: 3 });
    expect(v3.records).toEqual([]);
    // Records 0 and 1 lie back to back in one batch with the same delivery count: one slice.
    expect(v3.slices.map((s) => [s.baseOffset, s.recordCount, s.deliveryCount])).toEqual([[0, 2, 1]]);
    const read = await c.request(ShareFetchRecordsApi, request(m1), { apiVersion: 3 });
    expect(read.records).toEqual([]);
    const v2 = await c.request(ShareFetchApi, request(m2), { apiVersion: 2 });
    expect(v2.slices).toEqual([]);
    expect(v2.records.map((r) => [r.offset, r.value?.toString(), r.deliveryCount])).toEqual([
      [2, 'c', 1],
      [3, 'd', 1],
    ]);
    const [slice] = v3.slices;
    const decoded: Array<[number, string | undefined]> = [];
    deliverSlices(v3.slices, (r) => decoded.push([r.offset, r.value?.toString()]));
    expect(decoded).toEqual([
      [0, 'a'],
      [1, 'b'],
    ]);
    expect(slice!.appendTimestamp).toBeNull();
  });

  it('long-polls until an append wakes it', async () => {
    tb = await startBroker();
    const c = await tb.client();
    const p = await tb.client();
    await createTopic(c, 'jobs', 1);
    const m = await join(c, 'workers');
    const started = Date.now();
    const pending = c.request(ShareFetchRecordsApi, {
      groupId: 'workers',
      memberId: m,
      maxRecords: 5,
      maxWaitMs: 10_000,
      acks: [],
    });
    await new Promise((r) => setImmediate(r));
    await produce(p, 'jobs', 0, batchOf(['late']));
    const res = await pending;
    expect(res.records.map((r) => r.value?.toString())).toEqual(['late']);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('rejects to the dead-letter topic with the failure headers, and describes the queue', async () => {
    tb = await startBroker();
    const c = await tb.client();
    await createTopic(c, 'jobs', 1);
    await produce(c, 'jobs', 0, batchOf(['poison', 'fine']));
    const m = await join(c, 'workers');
    const f = await c.request(ShareFetchRecordsApi, {
      groupId: 'workers',
      memberId: m,
      maxRecords: 10,
      maxWaitMs: 0,
      acks: [],
    });
    expect(f.records).toHaveLength(2);
    const described = await c.request(ShareGroupDescribeApi, { groupIds: ['workers', 'nope'] });
    expect(described.groups[0]!.partitions[0]).toMatchObject({ acquired: 2, available: 0, startOffset: 0 });
    expect(described.groups[0]!.members).toHaveLength(1);
    expect(described.groups[1]!.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);

    await c.request(ShareAcknowledgeApi, {
      groupId: 'workers',
      memberId: m,
      acks: [
        { topic: 'jobs', partition: 0, offset: 0, lastOffset: null, type: 'reject', errorMessage: 'cannot parse' },
        { topic: 'jobs', partition: 0, offset: 1, lastOffset: null, type: 'ack', errorMessage: null },
      ],
    });
    // Until the dead-letter topic exists a fetch of it fails at once (no long poll): the wait is by time.
    const dlq = await waitFor(
      async () => {
        const result = await fetchPartition(c, 'jobs.dlq', 0, 0, { maxWaitMs: 50 });
        const records = result.errorCode === 0 ? await recordsOf(result) : [];
        return records.length > 0 ? records : undefined;
      },
      { timeoutMs: 10_000, message: 'the rejected record in jobs.dlq' },
    );
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.value?.toString()).toBe('poison');
    const headers = Object.fromEntries(dlq[0]!.headers.map(([k, v]) => [k, v?.toString()]));
    expect(headers).toMatchObject({
      [DLQ_HEADERS.sourceTopic]: 'jobs',
      [DLQ_HEADERS.sourcePartition]: '0',
      [DLQ_HEADERS.sourceOffset]: '0',
      [DLQ_HEADERS.group]: 'workers',
      [DLQ_HEADERS.attempts]: '1',
      [DLQ_HEADERS.error]: 'cannot parse',
    });
    const after = await c.request(ShareGroupDescribeApi, { groupIds: ['workers'] });
    await expect
      .poll(
        async () =>
          (await c.request(ShareGroupDescribeApi, { groupIds: ['workers'] })).groups[0]!.partitions[0]!.startOffset,
      )
      .toBe(2);
    expect(after.groups[0]!.config).toMatchObject({ maxAttempts: 5, deadLetterTopic: null });
  });

  it('lists, refuses to delete or reset a group with members, then resets and deletes it', async () => {
    tb = await startBroker();
    const c = await tb.client();
    await createTopic(c, 'jobs', 2);
    await produce(c, 'jobs', 0, batchOf(['a', 'b']));
    const m = await join(c, 'workers');
    expect((await c.request(ListShareGroupsApi, {})).groups).toEqual([
      { groupId: 'workers', state: 'Stable', members: 1 },
    ]);
    const busy = await c.request(DeleteShareGroupsApi, { groupIds: ['workers', 'ghost'] });
    expect(busy.results.map((r) => r.errorCode)).toEqual([ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND]);
    await c.request(ShareGroupHeartbeatApi, {
      groupId: 'workers',
      memberId: m,
      leave: true,
      topics: [],
      maxInFlight: 1,
      startFrom: 'latest',
      lockTimeoutMs: null,
      retry: null,
      deadLetterTopic: null,
    });
    const reset = await c.request(AlterShareGroupOffsetsApi, {
      groupId: 'workers',
      topic: 'jobs',
      partitions: null,
      to: 'latest',
      timestamp: -1,
    });
    expect(reset.partitions).toEqual([
      { partition: 0, startOffset: 2 },
      { partition: 1, startOffset: 0 },
    ]);
    const badTime = await c.request(AlterShareGroupOffsetsApi, {
      groupId: 'workers',
      topic: 'jobs',
      partitions: [0],
      to: 'timestamp',
      timestamp: -1,
    });
    expect(badTime.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await c.request(DeleteShareGroupsApi, { groupIds: ['workers'] })).results[0]!.errorCode).toBe(0);
    expect((await c.request(ListShareGroupsApi, {})).groups).toEqual([]);
  });

  it('answers absurd settings with clear errors', async () => {
    tb = await startBroker();
    const c = await tb.client();
    await createTopic(c, 'jobs', 1);
    const base = {
      groupId: 'g',
      memberId: '',
      leave: false,
      maxInFlight: 1,
      topics: ['jobs'],
      startFrom: 'earliest' as const,
      retry: null,
      deadLetterTopic: null,
    };
    const lock = await c.request(ShareGroupHeartbeatApi, { ...base, lockTimeoutMs: 5 });
    expect(lock.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(lock.errorMessage).toMatch(/lockTimeoutMs must be from 100/);
    const retry = await c.request(ShareGroupHeartbeatApi, {
      ...base,
      lockTimeoutMs: null,
      retry: {
        maxAttempts: 0,
        backoffType: null,
        initialMs: null,
        multiplierMilli: null,
        maxMs: null,
        jitterPercent: null,
      },
    });
    expect(retry.errorMessage).toMatch(/retry.maxAttempts must be an integer from 1/);
    const dlq = await c.request(ShareGroupHeartbeatApi, { ...base, lockTimeoutMs: null, deadLetterTopic: 'bad name!' });
    expect(dlq.errorMessage).toMatch(/not a valid topic name/);
  });
});

describe('dead letters that cannot be written', () => {
  it('keep the record (not settled, retried with a pause) until the dead-letter topic takes it', async () => {
    const logs = new LogCapture();
    tb = await startBroker({ logger: logs.logger });
    const c = await tb.client();
    await createTopic(c, 'jobs', 1);
    await createTopic(c, 'tiny.dlq', 1, { 'max.message.bytes': '100' });
    await produce(c, 'jobs', 0, batchOf(['x'.repeat(500)]));
    const m = await join(c, 'workers', { deadLetterTopic: 'tiny.dlq' });
    await c.request(ShareFetchRecordsApi, { groupId: 'workers', memberId: m, maxRecords: 1, maxWaitMs: 0, acks: [] });
    const rejected = await c.request(ShareAcknowledgeApi, {
      groupId: 'workers',
      memberId: m,
      acks: [{ topic: 'jobs', partition: 0, offset: 0, lastOffset: null, type: 'reject', errorMessage: 'no' }],
    });
    expect(rejected.results).toEqual([]);
    await waitFor(() => logs.find(/could not write dead letters/), { message: 'the failed dead-letter write logged' });
    const stuck = await c.request(ShareGroupDescribeApi, { groupIds: ['workers'] });
    expect(stuck.groups[0]!.partitions[0]).toMatchObject({ startOffset: 0, deadLettering: 1 });

    await c.request(AlterConfigsApi, {
      validateOnly: false,
      resources: [{ type: 'topic', name: 'tiny.dlq', configs: { 'max.message.bytes': '100000' } }],
    });
    await waitFor(
      async () =>
        (await c.request(ShareGroupDescribeApi, { groupIds: ['workers'] })).groups[0]!.partitions[0]!.startOffset === 1,
      { timeoutMs: 10_000, message: 'the dead letter written once the topic allows it' },
    );
    const dlq = await recordsOf(await fetchPartition(c, 'tiny.dlq', 0, 0));
    expect(dlq.map((r) => r.value?.length)).toEqual([500]);
  });

  it('refuses the broker-internal topics as dead-letter topics', async () => {
    tb = await startBroker();
    const c = await tb.client();
    await createTopic(c, 'jobs', 1);
    const res = await c.request(ShareGroupHeartbeatApi, {
      groupId: 'g',
      memberId: '',
      leave: false,
      topics: ['jobs'],
      maxInFlight: 1,
      startFrom: 'earliest',
      lockTimeoutMs: null,
      retry: null,
      deadLetterTopic: '__consumer_offsets',
    });
    expect(res.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(res.errorMessage).toMatch(/broker's own/);
  });
});

describe('deleting a topic', () => {
  it('drops its share state: a topic created again under the name is read afresh, also after a restart', async () => {
    tb = await startBroker();
    const c = await tb.client();
    await createTopic(c, 'jobs', 1);
    await produce(c, 'jobs', 0, batchOf(['old-0', 'old-1']));
    const m = await join(c, 'workers');
    const f = await c.request(ShareFetchRecordsApi, {
      groupId: 'workers',
      memberId: m,
      maxRecords: 10,
      maxWaitMs: 0,
      acks: [],
    });
    await c.request(ShareAcknowledgeApi, {
      groupId: 'workers',
      memberId: m,
      acks: f.records.map((r) => ({
        topic: 'jobs',
        partition: 0,
        offset: r.offset,
        lastOffset: null,
        type: 'ack' as const,
        errorMessage: null,
      })),
    });
    await c.request(ShareGroupHeartbeatApi, {
      groupId: 'workers',
      memberId: m,
      leave: true,
      topics: [],
      maxInFlight: 1,
      startFrom: 'earliest',
      lockTimeoutMs: null,
      retry: null,
      deadLetterTopic: null,
    });
    const deleted = await c.request(DeleteTopicsApi, { topics: ['jobs'], timeoutMs: 5000 });
    expect(deleted.topics.every((r) => r.errorCode === 0)).toBe(true);
    const gone = await c.request(ShareGroupDescribeApi, { groupIds: ['workers'] });
    expect(gone.groups[0]!.partitions).toEqual([]);
    await createTopic(c, 'jobs', 1);
    await produce(c, 'jobs', 0, batchOf(['new-0']));
    const dataDir = tb.dataDir;
    await tb.stop();
    tb = await startBroker({ dataDir });
    const c2 = await tb.client();
    const m2 = await join(c2, 'workers');
    const again = await c2.request(ShareFetchRecordsApi, {
      groupId: 'workers',
      memberId: m2,
      maxRecords: 10,
      maxWaitMs: 0,
      acks: [],
    });
    expect(again.records.map((r) => [r.offset, r.value?.toString(), r.deliveryCount])).toEqual([[0, 'new-0', 1]]);
  });
});
