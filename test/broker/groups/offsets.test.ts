import { describe, expect, it } from 'vitest';
import { buildRecordBatchSync } from '../../../src/records/index.js';
import {
  GroupCoordinator,
  ManualScheduler,
  MemoryOffsetsLog,
  OffsetsStore,
  TRANSITIONS,
  Group,
  IllegalTransitionError,
} from '../../../src/broker/groups/index.js';
import { decodeEntry, encodeOffsetKey, encodeOffsetValue } from '../../../src/broker/groups/offsets-codec.js';
import {
  ErrorCode,
  harness,
  heartbeat,
  join,
  now,
  settle,
  stableGroup,
  sync,
  WireCoordinator,
  type Harness,
} from './harness.js';

const DAY = 24 * 60 * 60 * 1000;

function commit(
  h: Harness,
  groupId: string,
  parts: Array<[string, number, number, string?]>,
  generationId = -1,
  memberId = '',
) {
  return h.coordinator.commitOffsets({
    groupId,
    generationId,
    memberId,
    groupInstanceId: null,
    topics: [...new Set(parts.map((p) => p[0]))].map((name) => ({
      name,
      partitions: parts
        .filter((p) => p[0] === name)
        .map(([, partition, offset, metadata]) => ({ partition, offset, leaderEpoch: -1, metadata: metadata ?? null })),
    })),
  });
}

const codes = (r: Awaited<ReturnType<typeof commit>>) => r.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));

describe('offset commits', () => {
  it('a standalone commit (generation -1, no member) creates an Empty group; fetch returns offset, log end and lag', async () => {
    const h = await harness();
    expect(
      codes(
        await commit(h, 'g', [
          ['orders', 0, 40, 'meta'],
          ['orders', 1, 50],
        ]),
      ),
    ).toEqual([0, 0]);
    expect(h.coordinator.groups.get('g')!.state).toBe('Empty');
    const f = h.coordinator.fetchOffsets({ groupId: 'g', topics: [{ name: 'orders', partitions: [0, 1, 2] }] });
    expect(f.topics[0]!.partitions).toEqual([
      { partition: 0, offset: 40, metadata: 'meta', errorCode: 0, logEndOffset: 100, lag: 60 },
      { partition: 1, offset: 50, metadata: null, errorCode: 0, logEndOffset: 50, lag: 0 },
      { partition: 2, offset: -1, metadata: null, errorCode: 0, logEndOffset: 0, lag: -1 },
    ]);
    const all = h.coordinator.fetchOffsets({ groupId: 'g', topics: null });
    expect(all.topics.map((t) => [t.name, t.partitions.map((p) => p.partition)])).toEqual([['orders', [0, 1]]]);
  });

  it('fetching an unknown group returns -1 offsets, like Kafka', async () => {
    const h = await harness();
    const f = h.coordinator.fetchOffsets({ groupId: 'nobody', topics: [{ name: 'orders', partitions: [0] }] });
    expect(f.errorCode).toBe(0);
    expect(f.topics[0]!.partitions[0]!.offset).toBe(-1);
  });

  it('rejects per partition: missing topic or partition, negative offset, oversized metadata', async () => {
    const h = await harness();
    const r = await commit(h, 'g', [
      ['nope', 0, 1],
      ['orders', 9, 1],
      ['orders', 0, -5],
      ['orders', 1, 1, 'x'.repeat(5000)],
      ['orders', 2, 0],
    ]);
    expect(codes(r)).toEqual([
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.INVALID_COMMIT_OFFSET_SIZE,
      ErrorCode.OFFSET_METADATA_TOO_LARGE,
      0,
    ]);
    expect(r.topics[0]!.partitions[0]!.errorMessage).toContain('nope-0');
  });

  it('fences commits: stale generation (clear message), unknown member, standalone into an active group, mid-rebalance', async () => {
    const h = await harness();
    const [a, b] = await stableGroup(h, 'g', 2);
    expect(codes(await commit(h, 'g', [['orders', 0, 1]], 1, a!.memberId))).toEqual([0]);
    expect(codes(await commit(h, 'g', [['orders', 0, 1]], -1, ''))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(codes(await commit(h, 'g', [['orders', 0, 1]], 1, 'intruder'))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    // A third member joins: generation 2 forms while b is still consuming under generation 1.
    const c = join(h, 'g');
    // During PreparingRebalance the current generation may still commit (what it processed before rejoining).
    expect(codes(await commit(h, 'g', [['orders', 0, 2]], 1, b!.memberId))).toEqual([0]);
    const ra = join(h, 'g', { memberId: a!.memberId });
    const rb = join(h, 'g', { memberId: b!.memberId });
    const [, , rc] = await Promise.all([ra, rb, c]);
    expect(rc.generationId).toBe(2);
    const mid = await commit(h, 'g', [['orders', 0, 3]], 2, b!.memberId);
    expect(codes(mid)).toEqual([ErrorCode.REBALANCE_IN_PROGRESS]);
    const leader = [await ra, await rb, rc].find((r) => r.leader === r.memberId)!;
    await sync(h, 'g', leader, {});
    const stale = await commit(h, 'g', [['orders', 0, 4]], 1, b!.memberId);
    expect(codes(stale)).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(stale.topics[0]!.partitions[0]!.errorMessage).toMatch(/generation 1 but group 'g' is at generation 2/);
    expect(
      h.coordinator.fetchOffsets({ groupId: 'g', topics: [{ name: 'orders', partitions: [0] }] }).topics[0]!
        .partitions[0]!.offset,
    ).toBe(2);
  });

  it('a failed append stores nothing and answers KAFKA_STORAGE_ERROR', async () => {
    const h = await harness();
    h.log.failNextAppend = new Error('disk full');
    const r = await commit(h, 'g', [['orders', 0, 7]]);
    expect(codes(r)).toEqual([ErrorCode.KAFKA_STORAGE_ERROR]);
    expect(r.topics[0]!.partitions[0]!.errorMessage).toContain('disk full');
    expect(
      h.coordinator.fetchOffsets({ groupId: 'g', topics: [{ name: 'orders', partitions: [0] }] }).topics[0]!
        .partitions[0]!.offset,
    ).toBe(-1);
  });
});

describe('offsets persistence in __consumer_offsets', () => {
  it('replays the log on start: latest value wins, tombstones delete, a Stable group survives with its generation', async () => {
    const log = new MemoryOffsetsLog();
    const h = await harness({}, log);
    await commit(h, 'g', [
      ['orders', 0, 10],
      ['orders', 1, 5],
    ]);
    await commit(h, 'g', [['orders', 0, 30, 'later']]);
    await commit(h, 'other', [['events', 0, 3]]);
    await stableGroup(h, 'live', 1);
    await h.coordinator.deleteGroups({ groups: ['other'] });
    await h.coordinator.close();

    const h2 = await harness({}, log);
    const f = h2.coordinator.fetchOffsets({ groupId: 'g', topics: null });
    expect(f.topics[0]!.partitions.map((p) => [p.partition, p.offset, p.metadata])).toEqual([
      [0, 30, 'later'],
      [1, 5, null],
    ]);
    expect(h2.coordinator.fetchOffsets({ groupId: 'other', topics: null }).topics).toEqual([]);
    const groups = h2.coordinator.listGroups({ statesFilter: null }).groups;
    expect(groups.map((g) => [g.groupId, g.groupState, g.protocolType]).sort()).toEqual([
      ['g', 'Empty', ''],
      ['live', 'Stable', 'consumer'],
    ]);
    expect(h2.coordinator.groups.get('live')!.generationId).toBe(1);
    const p = join(h2, 'live');
    settle(h2, 'live');
    expect((await p).generationId).toBe(2);
  });

  it('skips records it does not understand', async () => {
    const log = new MemoryOffsetsLog();
    log.batches.push(
      buildRecordBatchSync([
        { key: Buffer.from('garbage'), value: Buffer.from('x'), timestamp: 1 },
        {
          key: encodeOffsetKey('g', 'orders', 0),
          value: encodeOffsetValue({ offset: 9, metadata: null, commitTimestamp: 1 }),
          timestamp: 1,
        },
        { key: null, value: null, timestamp: 1 },
      ]),
    );
    const store = new OffsetsStore(log);
    expect((await store.load()).records).toBe(3);
    expect(store.get('g', 'orders', 0)?.offset).toBe(9);
    expect(decodeEntry(Buffer.from([0x93, 1, 2, 3]), null)).toBeUndefined();
  });

  it('expires the offsets of a group Empty longer than offsets retention, checked periodically', async () => {
    const clock = new ManualScheduler();
    const h = await harness(
      { offsetsRetentionMs: 7 * DAY, offsetsRetentionCheckIntervalMs: 60_000 },
      new MemoryOffsetsLog(),
      clock,
    );
    await commit(h, 'old', [['orders', 0, 1]]);
    const [m] = await stableGroup(h, 'busy', 1, { session: 120_000 });
    await commit(h, 'busy', [['orders', 1, 1]], m!.generationId, m!.memberId);
    for (let t = 0; t < 7 * DAY; t += 60_000) {
      clock.advance(60_000);
      heartbeat(h, 'busy', m!.memberId, m!.generationId);
      await new Promise((r) => setImmediate(r)); // let a running expiry check finish, as real time would
    }
    expect(h.coordinator.groups.has('old')).toBe(false);
    expect(h.coordinator.fetchOffsets({ groupId: 'old', topics: null }).topics).toEqual([]);
    expect(h.coordinator.groups.get('busy')!.state).toBe('Stable');
    expect(h.coordinator.fetchOffsets({ groupId: 'busy', topics: null }).topics).toHaveLength(1);
    const h2 = await harness({}, h.log);
    expect(h2.coordinator.groups.has('old')).toBe(false);
  });

  it('tombstones offsets of a deleted topic', async () => {
    const h = await harness();
    await commit(h, 'g', [
      ['orders', 0, 1],
      ['events', 0, 2],
    ]);
    await h.coordinator.topicDeleted('orders');
    expect(h.coordinator.fetchOffsets({ groupId: 'g', topics: null }).topics.map((t) => t.name)).toEqual(['events']);
  });
});

describe('admin group APIs', () => {
  it('describes a Stable group with members and assignments; an unknown group is GROUP_ID_NOT_FOUND', async () => {
    const h = await harness();
    const [a] = await stableGroup(h, 'g', 1);
    const d = h.coordinator.describeGroups({ groups: ['g', 'missing'] });
    expect(d.groups[0]).toMatchObject({
      errorCode: 0,
      groupId: 'g',
      groupState: 'Stable',
      protocolType: 'consumer',
      protocolData: 'range',
    });
    expect(d.groups[0]!.members[0]).toMatchObject({ memberId: a!.memberId, clientId: 'app', clientHost: '/127.0.0.1' });
    expect(d.groups[0]!.members[0]!.memberAssignment.toString()).toBe('a0');
    expect(d.groups[1]).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, groupState: 'Dead' });
  });

  it('lists groups, filtered by state', async () => {
    const h = await harness();
    await stableGroup(h, 'g1', 1);
    await commit(h, 'g2', [['orders', 0, 1]]);
    expect(h.coordinator.listGroups({ statesFilter: ['Stable'] }).groups).toEqual([
      { groupId: 'g1', protocolType: 'consumer', groupState: 'Stable' },
    ]);
    expect(h.coordinator.listGroups({ statesFilter: null }).groups).toHaveLength(2);
  });

  it('deletes only Empty groups, with their offsets', async () => {
    const h = await harness();
    await stableGroup(h, 'busy', 1);
    await commit(h, 'idle', [['orders', 0, 1]]);
    const r = await h.coordinator.deleteGroups({ groups: ['busy', 'idle', 'ghost'] });
    expect(r.results.map((x) => x.errorCode)).toEqual([ErrorCode.NON_EMPTY_GROUP, 0, ErrorCode.GROUP_ID_NOT_FOUND]);
    expect(h.coordinator.groups.has('idle')).toBe(false);
    expect(h.coordinator.fetchOffsets({ groupId: 'idle', topics: null }).topics).toEqual([]);
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS before start()', async () => {
    const c = new WireCoordinator(
      new GroupCoordinator({ store: new OffsetsStore(new MemoryOffsetsLog()), topics: { logEndOffset: () => 0 } }),
    );
    expect(
      (
        await now(
          c.join(
            {
              groupId: 'g',
              sessionTimeoutMs: 1000,
              rebalanceTimeoutMs: 1000,
              memberId: '',
              groupInstanceId: null,
              protocolType: 'consumer',
              protocols: [{ name: 'r', metadata: Buffer.alloc(0) }],
              reason: null,
            },
            { clientId: 'c', clientHost: 'h' },
          ),
        )
      ).errorCode,
    ).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  });
});

describe('transition table', () => {
  it('allows only the documented transitions', () => {
    const g = new Group('g', 0);
    expect(() => g.transitionTo('Stable', 1)).toThrow(IllegalTransitionError);
    g.transitionTo('PreparingRebalance', 1);
    g.transitionTo('CompletingRebalance', 2);
    g.transitionTo('Stable', 3);
    expect(g.stateSince).toBe(3);
    expect(() => g.transitionTo('Empty', 4)).toThrow(/Stable → Empty/);
    g.transitionTo('Dead', 5);
    expect(TRANSITIONS.Dead).toEqual([]);
    expect(() => g.transitionTo('Empty', 6)).toThrow(IllegalTransitionError);
  });
});
