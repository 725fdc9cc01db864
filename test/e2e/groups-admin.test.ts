// Admin group calls (kafkajs shapes) against a real in-process broker.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartitionAssigners, type Admin, type Sluice } from '../../src/client/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { sdkClient, startSdkBroker, waitFor, type SdkBroker } from '../client/helpers.js';

let b: SdkBroker;
let sluice: Sluice;
let admin: Admin;

beforeEach(async () => {
  b = await startSdkBroker();
  sluice = sdkClient(b.port, { retries: 1 });
  admin = sluice.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 2 }] });
  const producer = sluice.producer();
  await producer.connect();
  await producer.send({
    topic: 'orders',
    messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `v${i}` })),
  });
  await producer.disconnect();
});
afterEach(async () => {
  await admin.disconnect();
  await b.stop();
});
afterAll(removeTempDirs);

describe('admin: consumer groups', () => {
  it('sets, fetches (with lag), resets and deletes the offsets of an inactive group', async () => {
    await admin.setOffsets({
      groupId: 'ops',
      topic: 'orders',
      partitions: [
        { partition: 0, offset: '2' },
        { partition: 1, offset: '5' },
      ],
    });
    expect(await admin.listGroups()).toEqual({ groups: [{ groupId: 'ops', protocolType: '' }] });
    const offsets = await admin.fetchOffsets({ groupId: 'ops', topics: ['orders'] });
    expect(offsets).toEqual([
      {
        topic: 'orders',
        partitions: [
          { partition: 0, offset: '2', metadata: null, logEndOffset: '5', lag: 3 },
          { partition: 1, offset: '5', metadata: null, logEndOffset: '5', lag: 0 },
        ],
      },
    ]);
    expect((await admin.fetchGroupLag({ groupId: 'ops' })).totalLag).toBe(3);
    await admin.resetOffsets({ groupId: 'ops', topic: 'orders', earliest: true });
    expect(
      (await admin.fetchOffsets({ groupId: 'ops', topic: 'orders' })).map((p: { offset: string }) => p.offset),
    ).toEqual(['0', '0']);
    await admin.resetOffsets({ groupId: 'ops', topic: 'orders' });
    expect((await admin.fetchGroupLag({ groupId: 'ops' })).totalLag).toBe(0);
    expect(await admin.deleteGroups(['ops'])).toEqual([{ groupId: 'ops', errorCode: 0 }]);
    expect((await admin.listGroups()).groups).toEqual([]);
    await expect(admin.deleteGroups(['ops'])).rejects.toMatchObject({
      type: 'GROUP_ID_NOT_FOUND',
      groups: [{ groupId: 'ops', errorCode: 69 }],
    });
  });

  it('describes an active group, refuses to set its offsets or delete it', async () => {
    const consumer = sluice.consumer({
      groupId: 'live',
      sessionTimeout: 2000,
      heartbeatInterval: 100,
      maxWaitTimeInMs: 100,
      partitionAssigners: [PartitionAssigners.range],
    });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    let seen = 0;
    await consumer.run({ eachMessage: async () => void seen++ });
    await waitFor(() => joined && seen === 10, 8000);
    const { groups } = await admin.describeGroups(['live', 'ghost']);
    expect(groups[0]).toMatchObject({
      groupId: 'live',
      state: 'Stable',
      protocol: 'range',
      protocolType: 'consumer',
    });
    expect(groups[0]!.members).toHaveLength(1);
    expect(groups[0]!.members[0]!.clientId).toBe('sdk-test');
    expect(groups[1]).toMatchObject({ groupId: 'ghost', errorCode: 69, state: 'Dead' });
    await expect(
      admin.setOffsets({ groupId: 'live', topic: 'orders', partitions: [{ partition: 0, offset: '0' }] }),
    ).rejects.toThrow(/no active members/);
    await expect(admin.deleteGroups(['live'])).rejects.toMatchObject({ type: 'NON_EMPTY_GROUP' });
    await waitFor(async () => (await admin.fetchGroupLag({ groupId: 'live' })).totalLag === 0, {
      message: 'the consumer to commit all 10 records',
    });
    await consumer.disconnect();
    expect(await admin.deleteGroups(['live'])).toEqual([{ groupId: 'live', errorCode: 0 }]);
  });
});
