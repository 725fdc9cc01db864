// Consumer groups through the SDK against a real in-process broker.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartitionAssigners, type Consumer, type Sluice } from '../../src/client/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { nextEvent } from '../helpers/wait-for.js';
import { sdkClient, startSdkBroker, waitFor, type SdkBroker } from '../client/helpers.js';

let b: SdkBroker;
let sluice: Sluice;
const consumers: Consumer[] = [];

beforeEach(async () => {
  b = await startSdkBroker();
  sluice = sdkClient(b.port);
});
afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.disconnect().catch(() => undefined)));
  await b.stop();
});
afterAll(removeTempDirs);

async function createTopic(topic: string, numPartitions: number) {
  const admin = sluice.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions }] });
  await admin.disconnect();
}

async function produce(topic: string, count: number, partitions: number, prefix = 'm') {
  const producer = sluice.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: count }, (_, i) => ({ partition: i % partitions, value: `${prefix}${i}` })),
  });
  await producer.disconnect();
}

interface Member {
  consumer: Consumer;
  /** topic-partition list of the latest GROUP_JOIN. */
  assignment: () => number[];
  joins: number;
  seen: Array<{ partition: number; offset: string; value: string; at: number }>;
  /** Times of REBALANCING and GROUP_JOIN events. */
  rebalances: number[];
  joinTimes: number[];
  memberIds: string[];
}

async function member(
  groupId: string,
  topic: string,
  options: {
    assigner?: 'roundRobin' | 'range' | 'cooperativeSticky';
    instanceId?: string;
    session?: number;
    delayMs?: number;
  } = {},
): Promise<Member> {
  const consumer = sluice.consumer({
    groupId,
    sessionTimeout: options.session ?? 2000,
    rebalanceTimeout: 3000,
    heartbeatInterval: 100,
    maxWaitTimeInMs: 100,
    partitionAssigners: [PartitionAssigners[options.assigner ?? 'roundRobin']],
    ...(options.instanceId ? { groupInstanceId: options.instanceId } : {}),
  });
  consumers.push(consumer);
  const m: Member = {
    consumer,
    assignment: () => [],
    joins: 0,
    seen: [],
    rebalances: [],
    joinTimes: [],
    memberIds: [],
  };
  consumer.on(consumer.events.REBALANCING, () => m.rebalances.push(Date.now()));
  let current: number[] = [];
  m.assignment = () => current;
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    m.joins++;
    m.joinTimes.push(Date.now());
    m.memberIds.push(e.payload.memberId as string);
    current = [...((e.payload.memberAssignment as Record<string, number[]>)[topic] ?? [])].sort((x, y) => x - y);
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      m.seen.push({ partition, offset: message.offset, value: message.value!.toString(), at: Date.now() });
      // A slow handler is what the test is about: it holds the record for delayMs.
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    },
  });
  return m;
}

/** Resolves once `groupId` committed every partition of `topic` to its end: nothing is left to deliver. */
async function committedToEnd(groupId: string, topic: string): Promise<void> {
  const admin = sluice.admin();
  await admin.connect();
  try {
    await waitFor(
      async () => {
        const [offsets] = (await admin.fetchGroupLag({ groupId, topics: [topic] })).topics;
        return offsets !== undefined && offsets.partitions.length > 0 && offsets.partitions.every((p) => p.lag === 0);
      },
      { timeoutMs: 8000, intervalMs: 20, message: `group ${groupId} to commit all of ${topic}` },
    );
  } finally {
    await admin.disconnect();
  }
}

/** Resolves after `count` successful heartbeats of the member: a heartbeat in a rebalance is refused. */
function heartbeats(m: Member, count: number): Promise<unknown> {
  let beats = 0;
  return nextEvent(m.consumer, m.consumer.events.HEARTBEAT, {
    match: () => ++beats === count,
    message: `${count} successful heartbeats`,
  });
}

const sizes = (ms: Member[]) => ms.map((m) => m.assignment().length).sort();
const union = (ms: Member[]) => ms.flatMap((m) => m.assignment()).sort((x, y) => x - y);

describe('consumer groups (SDK)', () => {
  it('3 members over 6 partitions get 2 each; a 4th member triggers a rebalance', async () => {
    await createTopic('t6', 6);
    const ms = await Promise.all([member('g', 't6'), member('g', 't6'), member('g', 't6')]);
    await waitFor(() => sizes(ms).join() === '2,2,2' && union(ms).join() === '0,1,2,3,4,5', 8000);
    const fourth = await member('g', 't6');
    const all = [...ms, fourth];
    await waitFor(() => sizes(all).join() === '1,1,2,2' && union(all).join() === '0,1,2,3,4,5', 8000);
    const described = (await fourth.consumer.describeGroup()) as { state: string; members: unknown[] };
    expect(described.state).toBe('Stable');
    expect(described.members).toHaveLength(4);
  });

  it('two groups each see every record; within a group each record is processed once', async () => {
    await createTopic('fan', 4);
    const a = await Promise.all([member('ga', 'fan'), member('ga', 'fan'), member('ga', 'fan')]);
    const bb = await member('gb', 'fan');
    await waitFor(() => union(a).join() === '0,1,2,3' && bb.assignment().length === 4, 8000);
    await produce('fan', 200, 4);
    const seenA = () => a.flatMap((m) => m.seen.map((s) => s.value));
    await waitFor(() => seenA().length >= 200 && bb.seen.length >= 200, 8000);
    await committedToEnd('ga', 'fan'); // past this, a record delivered twice would already be in `seen`
    await committedToEnd('gb', 'fan');
    expect(new Set(seenA()).size).toBe(200);
    expect(seenA()).toHaveLength(200);
    expect(new Set(bb.seen.map((s) => s.value)).size).toBe(200);
  });

  it('a restarted consumer resumes where it committed, across a broker restart', async () => {
    await createTopic('resume', 2);
    await produce('resume', 10, 2, 'a');
    const first = await member('rg', 'resume');
    await waitFor(() => first.seen.length >= 10, 8000);
    await first.consumer.disconnect(); // commits and leaves
    await b.stop();
    b = await startSdkBroker({ dataDir: b.dataDir });
    sluice = sdkClient(b.port);
    await produce('resume', 6, 2, 'b');
    const second = await member('rg', 'resume');
    await waitFor(() => second.seen.length >= 6, 8000);
    await committedToEnd('rg', 'resume'); // everything it will ever deliver is in `seen`
    expect(second.seen.map((s) => s.value).sort()).toEqual(['b0', 'b1', 'b2', 'b3', 'b4', 'b5']);
  });

  it('a static member that restarts within its session timeout gets its partitions back without a rebalance', async () => {
    await createTopic('static', 4);
    const one = await member('sg', 'static', { instanceId: 'pod-1', session: 4000 });
    const two = await member('sg', 'static', { instanceId: 'pod-2', session: 4000 });
    await waitFor(() => one.assignment().length === 2 && two.assignment().length === 2, 8000);
    const before = two.assignment().join();
    const oneJoins = one.joins;
    await two.consumer.disconnect(); // a static member does not send LeaveGroup
    const back = await member('sg', 'static', { instanceId: 'pod-2', session: 4000 });
    await waitFor(() => back.joins > 0, 4000);
    expect(back.assignment().join()).toBe(before);
    // Had the rejoin started a rebalance, the group would be in it by now and refuse one's heartbeats.
    await heartbeats(one, 2);
    expect(one.joins).toBe(oneJoins);
    await produce('static', 8, 4);
    await waitFor(() => one.seen.length + back.seen.length >= 8, 4000);
  });

  it('a member whose handler outlasts the session timeout during an eager rebalance keeps its membership', async () => {
    await createTopic('slow', 2);
    const a = await member('slowg', 'slow', { session: 1000, delayMs: 1500 });
    await waitFor(() => a.assignment().length === 2, 8000);
    await produce('slow', 2, 2);
    await waitFor(() => a.seen.length >= 1, 4000); // a is inside a 1.5 s handler now
    const bm = await member('slowg', 'slow', { session: 1000 });
    await waitFor(() => a.assignment().length === 1 && bm.assignment().length === 1, 8000);
    expect(a.joins).toBeGreaterThanOrEqual(2);
    expect(new Set(a.memberIds).size).toBe(1); // rejoined under the same member id: never expired
  });

  it('cooperative-sticky: while a member joins, the untouched partitions keep delivering', async () => {
    await createTopic('coop', 4);
    const a = await member('cg', 'coop', { assigner: 'cooperativeSticky', delayMs: 2 });
    await waitFor(() => a.assignment().length === 4, 8000);
    let stop = false;
    const producer = sluice.producer();
    await producer.connect();
    const pump = (async () => {
      for (let i = 0; !stop; i++) {
        await producer.send({
          topic: 'coop',
          messages: [0, 1, 2, 3].map((partition) => ({ partition, value: `v${i}` })),
        });
        await new Promise((r) => setTimeout(r, 10)); // a steady trickle of records, not a flood
      }
    })();
    await waitFor(() => a.seen.length > 20, 4000);
    const joinStarted = Date.now();
    const bm = await member('cg', 'coop', { assigner: 'cooperativeSticky' });
    await waitFor(() => a.assignment().length === 2 && bm.assignment().length === 2 && a.joinTimes.length >= 3, 8000);
    const joinDone = Date.now();
    await waitFor(() => bm.seen.length > 0, { timeoutMs: 4000, message: 'the new member to get records' });
    stop = true;
    await pump;
    await producer.disconnect();
    const kept = a.assignment();
    // The rebalance window as `a` saw it: from REBALANCING to the end of its second (follow-up) join.
    const from = a.rebalances[0]!;
    const to = a.joinTimes[a.joinTimes.length - 1]!;
    expect(to).toBeGreaterThan(from);
    const keptDuring = a.seen.filter((s) => kept.includes(s.partition) && s.at >= from && s.at <= to);
    expect(keptDuring.length).toBeGreaterThan(0);
    // Partitions that moved were revoked from a and are now delivered to b only.
    const moved = [0, 1, 2, 3].filter((p) => !kept.includes(p));
    expect(bm.assignment()).toEqual(moved);
    expect(bm.seen.length).toBeGreaterThan(0);
    expect(joinDone - joinStarted).toBeLessThan(8000);
  });
});
