// The group coordinator in cluster mode, without a cluster: it serves only while `isCoordinator` says this
// broker leads `__consumer_offsets` (NOT_COORDINATOR otherwise), resigns when the leadership leaves (pending
// joins answered, groups forgotten) and, loaded again, finds in the log what was committed meanwhile.
import { describe, expect, it } from 'vitest';
import {
  GroupCoordinator,
  GroupError,
  ManualScheduler,
  MemoryOffsetsLog,
  OffsetsStore,
} from '../../../src/broker/groups/index.js';
import { ErrorCode } from '../../../src/protocol/index.js';
import { WireCoordinator } from './harness.js';

function coordinator(log: MemoryOffsetsLog, leading: { now: boolean }) {
  const domain = new GroupCoordinator({
    store: new OffsetsStore(log),
    topics: { logEndOffset: () => 100 },
    scheduler: new ManualScheduler(),
    isCoordinator: () => leading.now,
  });
  return new WireCoordinator(domain);
}

const commit = (c: WireCoordinator, offset: number) =>
  c.commitOffsets({
    groupId: 'g',
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: 't', partitions: [{ partition: 0, offset, leaderEpoch: -1, metadata: null }] }],
  });

const fetchOffset = async (c: WireCoordinator) =>
  c.fetchOffsets({ groupId: 'g', topics: [{ name: 't', partitions: [0] }] });

describe('group coordinator following the leadership of __consumer_offsets', () => {
  it('answers NOT_COORDINATOR while another broker leads, and COORDINATOR_LOAD_IN_PROGRESS before loading', async () => {
    const leading = { now: false };
    const c = coordinator(new MemoryOffsetsLog(), leading);
    const refused = await commit(c, 5);
    expect(refused.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await fetchOffset(c)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    leading.now = true;
    expect((await fetchOffset(c)).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    await c.start();
    expect((await commit(c, 5)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
  });

  it('resigns (groups forgotten), then loads what another coordinator appended to the replicated log', async () => {
    const log = new MemoryOffsetsLog();
    const leading = { now: true };
    const c = coordinator(log, leading);
    await c.start();
    await commit(c, 7);
    expect(c.groups.has('g')).toBe(true);
    leading.now = false;
    await c.domain.resign();
    expect(c.groups.size).toBe(0);
    // Meanwhile the new leader committed 9 (replicated into this broker's copy of the log).
    const other = coordinator(log, { now: true });
    await other.start();
    await commit(other, 9);
    leading.now = true;
    await c.start();
    const fetched = await fetchOffset(c);
    expect(fetched.topics[0]!.partitions[0]!.offset).toBe(9);
  });

  it('a write the replicated log refuses reaches the committer as the coordinator error it names', async () => {
    const log = new MemoryOffsetsLog();
    const c = coordinator(log, { now: true });
    await c.start();
    log.failNextAppend = new GroupError('not-coordinator', 'leadership moved');
    expect((await commit(c, 3)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    log.failNextAppend = new GroupError('replication-timed-out', 'the ISR did not confirm');
    expect((await commit(c, 3)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
  });
});
