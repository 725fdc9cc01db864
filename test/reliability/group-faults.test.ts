// Consumer-group faults: a member SIGKILLed inside a batch, the coordinator restarted mid-rebalance, and
// a member whose heartbeats stop (blocked event loop) past its session timeout. Each checks what a user
// relies on: every produced record is processed by someone (at least once), records are processed twice
// only after the last commit of the member that lost them, and the group's committed offsets, sampled
// through the admin API the whole time, never go backwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { Broker } from '../../src/broker/index.js';
import { AssignerProtocol, PartitionAssigners, type Admin, type Sluice } from '../../src/client/index.js';
import { ErrorCode, OffsetCommitApi } from '../../src/protocol/index.js';
import { sdkClient, waitFor } from '../client/helpers.js';
import { WireClient } from '../helpers/wire-client.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { elapse } from '../helpers/wait-for.js';

const root = resolve(import.meta.dirname, '..', '..');
const TOPIC = 'work';
const PARTITIONS = 4;
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
});
afterAll(removeTempDirs);

interface Processed {
  who: string;
  partition: number;
  offset: number;
  value: string;
}

/** A member in a child process (lib/group-member.ts); its stdout lines, parsed. */
class ChildMember {
  readonly proc: ChildProcess;
  readonly lines: string[] = [];
  partitions: number[] = [];
  readonly commits = new Map<number, number>();
  private partial = '';
  constructor(port: number, groupId: string, args: string[], processed: Processed[]) {
    this.proc = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(root, 'test/reliability/lib/group-member.ts'), String(port), groupId, TOPIC, ...args],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanups.push(() => this.proc.kill('SIGKILL'));
    this.proc.stdout!.on('data', (chunk: Buffer) => {
      const lines = (this.partial + chunk.toString()).split('\n');
      this.partial = lines.pop()!;
      for (const line of lines) {
        this.lines.push(line);
        const [kind, a, b, c] = line.split(' ');
        if (kind === 'JOIN') this.partitions = a ? a.split(',').map(Number) : [];
        if (kind === 'MSG') processed.push({ who: 'child', partition: Number(a), offset: Number(b), value: c! });
        if (kind === 'COMMIT') this.commits.set(Number(a), Math.max(this.commits.get(Number(a)) ?? 0, Number(b)));
      }
    });
  }
  count(prefix: string): number {
    return this.lines.filter((l) => l.startsWith(prefix)).length;
  }
}

/** Samples the group's committed offsets through the admin API until stopped (errors while the broker is down are skipped). */
function sampleCommits(admin: Admin, groupId: string) {
  const history = new Map<number, number[]>();
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const topics = (await admin.fetchOffsets({ groupId, topics: [TOPIC] })) as Array<{
          partitions: Array<{ partition: number; offset: string }>;
        }>;
        for (const p of topics[0]?.partitions ?? []) {
          if (Number(p.offset) < 0) continue;
          const list = history.get(p.partition) ?? [];
          if (list.at(-1) !== Number(p.offset)) list.push(Number(p.offset));
          history.set(p.partition, list);
        }
      } catch {
        // the broker is restarting
      }
      await new Promise((r) => setTimeout(r, 20)); // the sampling period of the commit history
    }
  })();
  return {
    history,
    async stop() {
      running = false;
      await loop;
      return history;
    },
  };
}

function expectMonotonic(history: Map<number, number[]>) {
  for (const [partition, offsets] of history) {
    const sorted = [...offsets].sort((a, b) => a - b);
    expect(offsets, `committed offsets of partition ${partition}`).toEqual(sorted);
  }
}

async function setup(sluice: Sluice) {
  const admin = sluice.admin();
  await admin.connect();
  cleanups.push(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
  return admin;
}

/** Produces `perPartition` records to every partition, `chunk` per send (so fetched batches hold several). */
async function produce(sluice: Sluice, from: number, perPartition: number, chunk = 10) {
  const producer = sluice.producer();
  await producer.connect();
  let n = from;
  for (let i = 0; i < perPartition; i += chunk) {
    const messages = [];
    for (let p = 0; p < PARTITIONS; p++)
      for (let j = 0; j < chunk; j++) messages.push({ partition: p, value: String(n++) });
    await producer.send({ topic: TOPIC, messages });
  }
  await producer.disconnect();
  return n;
}

function inProcessMember(sluice: Sluice, who: string, groupId: string, processed: Processed[], sessionTimeout = 1000) {
  const consumer = sluice.consumer({
    groupId,
    sessionTimeout,
    rebalanceTimeout: 2000,
    heartbeatInterval: 100,
    maxWaitTimeInMs: 100,
    partitionAssigners: [PartitionAssigners.range],
  });
  cleanups.push(() => consumer.disconnect());
  const state = { consumer, partitions: [] as number[], joins: 0 };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    state.partitions = (e.payload.memberAssignment as Record<string, number[]>)[TOPIC] ?? [];
    state.joins++;
  });
  const start = async () => {
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        await new Promise((r) => setTimeout(r, 1)); // each record takes a moment of work, as in a real handler
        processed.push({ who, partition, offset: Number(message.offset), value: message.value!.toString() });
      },
    });
  };
  return { ...state, state, start };
}

const distinct = (processed: Processed[]) => new Set(processed.map((p) => p.value)).size;

/** Every record processed more than once was first processed by `lost` at or after its last commit there. */
function expectDuplicatesOnlyAfterCommit(
  processed: Processed[],
  lostPartitions: number[],
  commits: Map<number, number>,
) {
  const byValue = new Map<string, Processed[]>();
  for (const p of processed) byValue.set(p.value, [...(byValue.get(p.value) ?? []), p]);
  for (const list of byValue.values()) {
    if (list.length === 1) continue;
    const { partition, offset } = list[0]!;
    expect(lostPartitions).toContain(partition);
    expect(offset).toBeGreaterThanOrEqual(commits.get(partition) ?? 0);
  }
}

/** waitFor for a check that asks the broker: a failed request (it may be restarting) counts as "not yet". */
function waitForAsync(check: () => Promise<boolean>, timeoutMs: number): Promise<unknown> {
  return waitFor(() => check().catch(() => false), { timeoutMs, intervalMs: 20 });
}

async function committedNow(admin: Admin, groupId: string): Promise<number[]> {
  const topics = (await admin.fetchOffsets({ groupId, topics: [TOPIC] })) as Array<{
    partitions: Array<{ partition: number; offset: string }>;
  }>;
  return topics[0]!.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
}

it('a member SIGKILLed inside a batch: at least once, duplicates only after its last commit, commits never go back', async () => {
  const broker = new Broker({ port: 0, dataDir: await tempDir('sluice-gf-'), shutdownTimeoutMs: 1000 });
  const port = await broker.start();
  cleanups.push(() => broker.stop());
  const sluice = sdkClient(port);
  const admin = await setup(sluice);
  const sampler = sampleCommits(admin, 'kill');
  const processed: Processed[] = [];
  const child = new ChildMember(port, 'kill', ['batch'], processed);
  await waitFor(() => child.partitions.length === PARTITIONS, 20_000);
  const a = inProcessMember(sluice, 'a', 'kill', processed);
  await a.start();
  await waitFor(() => child.partitions.length === 2 && a.state.partitions.length === 2, 10_000);

  // A first wave the child processes and commits, then a larger one it is killed in the middle of.
  let next = await produce(sluice, 0, 20);
  await waitFor(() => child.partitions.every((p) => (child.commits.get(p) ?? 0) >= 20), 10_000);
  const batchesBefore = child.count('BATCH');
  next = await produce(sluice, next, 100, 50);
  // Inside a batch: it was handed over and some, not all, of its records were processed.
  await waitFor(() => {
    const at = child.lines.findLastIndex((l) => l.startsWith('BATCH'));
    return (
      child.count('BATCH') > batchesBefore && child.lines.slice(at + 1).filter((l) => l.startsWith('MSG')).length >= 10
    );
  }, 10_000);
  child.proc.kill('SIGKILL');
  const lostPartitions = child.partitions;
  const commitsAtKill = new Map(child.commits);
  const batch = child.lines
    .findLast((l) => l.startsWith('BATCH'))!
    .split(' ')
    .map(Number);
  const lastMsg = child.lines
    .findLast((l) => l.startsWith('MSG'))!
    .split(' ')
    .map(Number);
  expect(lastMsg[2]).toBeLessThan(batch[3]!); // killed before the end of the batch

  await waitFor(() => a.state.partitions.length === PARTITIONS, 10_000);
  await waitFor(() => distinct(processed) === next, 15_000);
  const perPartition = next / PARTITIONS;
  await waitForAsync(async () => (await committedNow(admin, 'kill')).every((o) => o === perPartition), 10_000);
  const history = await sampler.stop();

  expect(distinct(processed)).toBe(next); // every record processed
  expectDuplicatesOnlyAfterCommit(processed, lostPartitions, commitsAtKill);
  // What the child processed after its last commit was processed again by the survivor.
  const redone = processed.filter((p) => p.who === 'child' && p.offset >= (commitsAtKill.get(p.partition) ?? 0));
  expect(redone.length).toBeGreaterThan(0);
  for (const r of redone) expect(processed.some((p) => p.who === 'a' && p.value === r.value)).toBe(true);
  expectMonotonic(history);
  expect([...history.values()].flat().length).toBeGreaterThan(PARTITIONS); // the sampler saw the offsets move
}, 30_000);

it('the coordinator restarted mid-rebalance: members rejoin by themselves, the group ends Stable with each partition once', async () => {
  const dataDir = await tempDir('sluice-gf-');
  let broker = new Broker({ port: 0, dataDir, shutdownTimeoutMs: 500 });
  const port = await broker.start();
  cleanups.push(() => broker.stop());
  const sluice = sdkClient(port);
  const admin = await setup(sluice);
  const sampler = sampleCommits(admin, 'restart');
  const processed: Processed[] = [];
  let next = await produce(sluice, 0, 50);
  const a = inProcessMember(sluice, 'a', 'restart', processed);
  await a.start();
  await waitFor(() => distinct(processed) >= 40, 10_000);

  // Member b joins: a rebalance starts. The broker is stopped while it is in progress.
  const b = inProcessMember(sluice, 'b', 'restart', processed);
  let rebalancing = false;
  a.consumer.on(a.consumer.events.REBALANCING, () => (rebalancing = true));
  void b.start();
  await waitFor(() => rebalancing, 10_000);
  const describedDuring = await admin.describeGroups(['restart']);
  await broker.stop();
  const stateAtStop = describedDuring.groups[0]!.state;
  await elapse(1500, 'down for longer than the session timeout, then up again on the same data and port');
  broker = new Broker({ port, dataDir, shutdownTimeoutMs: 500 });
  await broker.start();
  next = await produce(sluice, next, 50);

  await waitFor(() => distinct(processed) === next, 20_000);
  await waitForAsync(async () => {
    const g = (await admin.describeGroups(['restart'])).groups[0]!;
    if (g.state !== 'Stable' || g.members.length !== 2) return false;
    const owned = g.members.flatMap(
      (m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment as Buffer)?.assignment[TOPIC] ?? [],
    );
    return owned.sort().join() === '0,1,2,3';
  }, 15_000);
  await waitForAsync(async () => (await committedNow(admin, 'restart')).every((o) => o === next / PARTITIONS), 10_000);
  const history = await sampler.stop();

  expect(['PreparingRebalance', 'CompletingRebalance']).toContain(stateAtStop);
  expect(distinct(processed)).toBe(next);
  expect(a.state.partitions.length + b.state.partitions.length).toBe(PARTITIONS);
  expectMonotonic(history);
}, 30_000);

it('heartbeats stopped past the session timeout: removed, partitions move, stale commits rejected, rejoins', async () => {
  const broker = new Broker({ port: 0, dataDir: await tempDir('sluice-gf-'), shutdownTimeoutMs: 1000 });
  const port = await broker.start();
  cleanups.push(() => broker.stop());
  const sluice = sdkClient(port);
  const admin = await setup(sluice);
  const sampler = sampleCommits(admin, 'late');
  const processed: Processed[] = [];
  // The child blocks its event loop for 2.5 s (session timeout 1 s) after its 30th record.
  const child = new ChildMember(port, 'late', ['block', '30', '2500'], processed);
  await waitFor(() => child.partitions.length === PARTITIONS, 20_000);
  const a = inProcessMember(sluice, 'a', 'late', processed);
  await a.start();
  await waitFor(() => child.partitions.length === 2 && a.state.partitions.length === 2, 10_000);
  const childPartitions = child.partitions;

  let next = await produce(sluice, 0, 60);
  await waitFor(() => child.count('BLOCK') === 1, 10_000);
  const blockedAt = Date.now();
  const commitsAtBlock = new Map(child.commits);
  const [, , , oldMemberId, oldGeneration] = child.lines.findLast((l) => l.startsWith('COMMIT'))!.split(' ');
  await waitFor(() => a.state.partitions.length === PARTITIONS, 10_000); // removed, its partitions moved
  const movedAfter = Date.now() - blockedAt;
  // a processes and commits the moved partitions past where the child was.
  await waitForAsync(async () => (await committedNow(admin, 'late')).every((o) => o === next / PARTITIONS), 10_000);
  await waitFor(() => child.count('UNBLOCK') === 1, 10_000);
  // Back: it learns it was removed, rejoins and gets partitions again.
  const joinsBefore = child.count('JOIN');
  await waitFor(() => child.count('JOIN') > joinsBefore && child.partitions.length === 2, 10_000);
  next = await produce(sluice, next, 40);
  await waitFor(() => distinct(processed) === next, 15_000);
  await waitForAsync(async () => (await committedNow(admin, 'late')).every((o) => o === next / PARTITIONS), 10_000);
  const history = await sampler.stop();

  expect(movedAfter).toBeGreaterThanOrEqual(500);
  // Its commits after coming back were refused by the coordinator, not applied.
  // What it tried to commit on waking up failed (refused by the coordinator, or by the SDK once it knew
  // it had been removed), and the coordinator refuses its old identity outright.
  const afterWake = child.lines.slice(child.lines.indexOf('UNBLOCK'));
  expect(
    afterWake.some((l) => l.startsWith('LOG') && /commit .*failed/.test(l)),
    afterWake.filter((l) => !l.startsWith('MSG')).join('\n'),
  ).toBe(true);
  const wire = await WireClient.connect(port);
  cleanups.push(() => wire.destroy());
  const stale = await wire.request(OffsetCommitApi, {
    groupId: 'late',
    generationId: Number(oldGeneration),
    memberId: oldMemberId!,
    groupInstanceId: null,
    topics: [
      { name: TOPIC, partitions: [{ partition: childPartitions[0]!, offset: 0, leaderEpoch: -1, metadata: null }] },
    ],
  });
  expect([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.ILLEGAL_GENERATION]).toContain(
    stale.topics[0]!.partitions[0]!.errorCode,
  );
  expect(await committedNow(admin, 'late')).toEqual(Array(PARTITIONS).fill(next / PARTITIONS));
  expect(distinct(processed)).toBe(next);
  expectDuplicatesOnlyAfterCommit(processed, childPartitions, commitsAtBlock);
  expectMonotonic(history);
  expect(child.partitions.length).toBe(2);
}, 30_000);

it('a removed member that comes back to an emptied group cannot move its offsets back', async () => {
  const broker = new Broker({ port: 0, dataDir: await tempDir('sluice-gf-'), shutdownTimeoutMs: 1000 });
  const port = await broker.start();
  cleanups.push(() => broker.stop());
  const sluice = sdkClient(port);
  const admin = await setup(sluice);
  const sampler = sampleCommits(admin, 'zombie');
  const processed: Processed[] = [];
  const child = new ChildMember(port, 'zombie', ['block', '30', '4000'], processed);
  await waitFor(() => child.partitions.length === PARTITIONS, 20_000);
  const a = inProcessMember(sluice, 'a', 'zombie', processed);
  await a.start();
  await waitFor(() => child.partitions.length === 2 && a.state.partitions.length === 2, 10_000);

  let next = await produce(sluice, 0, 60);
  await waitFor(() => child.count('BLOCK') === 1, 10_000);
  // While the child is blocked: a takes everything over, commits the end, and leaves. The group is Empty.
  await waitFor(() => a.state.partitions.length === PARTITIONS, 10_000);
  await waitForAsync(async () => (await committedNow(admin, 'zombie')).every((o) => o === next / PARTITIONS), 10_000);
  await a.consumer.disconnect();
  expect(child.count('UNBLOCK')).toBe(0); // still blocked: the scenario happened as intended
  await waitFor(() => child.count('UNBLOCK') === 1, 10_000);
  // The child rejoins alone, resumes from the committed offsets, and gets new records.
  await waitFor(() => child.partitions.length === PARTITIONS, 10_000);
  next = await produce(sluice, next, 20);
  await waitFor(() => distinct(processed) === next, 15_000);
  await waitForAsync(async () => (await committedNow(admin, 'zombie')).every((o) => o === next / PARTITIONS), 10_000);
  const history = await sampler.stop();

  expectMonotonic(history);
  expect(distinct(processed)).toBe(next);
}, 30_000);
