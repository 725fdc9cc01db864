// Consumer-group benchmarks: the built `sluice serve` in its own process (flush os), the built SDK in the
// members (lib/sdk.ts).
//   node --import tsx bench/groups.ts [--short] [--write] [--only rebalance|throughput] [--records N] [--runs N]
//     [--members 1,3]
// 1. Rebalance latency: a group of N members (2, 10, 50; in this process) consumes a topic of 2·N
//    partitions that a producer keeps writing to; one more member joins; measured from its run() call
//    until every member of the new generation has delivered a record it fetched after its last join.
//    Eager (roundRobin) and cooperative-sticky; heartbeatInterval 100 ms (the rebalance is noticed by
//    heartbeat), sessionTimeout 10 s.
// 2. Throughput: a pre-filled topic (6 partitions, 100-byte records) read by a group of 1 and of 3
//    members, each member its own process; records/s from the moment the (paused, stable) group resumes
//    to the last record (each member notes, within about a millisecond, when its count last moved).
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { Consumer } from '../src/client/index.js';
import { numberOptions, textOptions } from './lib/args.js';
import { startBrokerProcess } from './lib/broker-process.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { clientExecArgv } from './lib/proc.js';
import { stopProcess } from './lib/processes.js';
import { table, writeResultsSection } from './lib/results.js';
import { sdk } from './lib/sdk.js';
import { median } from './lib/stats.js';

const { PartitionAssigners, Sluice, logLevel } = sdk;
const args = process.argv.slice(2);
const short = args.includes('--short');
const write = args.includes('--write');
const only = textOptions(args)('only', '');
if (only !== '' && only !== 'rebalance' && only !== 'throughput')
  throw new Error(`--only takes rebalance or throughput, not ${JSON.stringify(only)}`);
if (write && only !== '') throw new Error('--write replaces the whole section: run both parts (no --only)');
const RUNS = numberOptions(args)('runs', short ? 1 : 3);
const RECORDS = numberOptions(args)('records', short ? 200_000 : 1_000_000);
const MEMBER_COUNTS = textOptions(args)('members', '1,3').split(',').map(Number);
const root = resolve(import.meta.dirname, '..');

const client = (address: string) => new Sluice({ clientId: 'bench', brokers: [address], logLevel: logLevel.NOTHING });

async function createTopic(address: string, topic: string, numPartitions: number) {
  const admin = client(address).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions }] });
  await admin.disconnect();
}

interface Member {
  consumer: Consumer;
  joinedAt: number;
  consumingSince: number;
  generation: number;
}

async function startMember(address: string, groupId: string, topic: string, cooperative: boolean): Promise<Member> {
  const consumer = client(address).consumer({
    groupId,
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 100,
    maxWaitTimeInMs: 50,
    partitionAssigners: [cooperative ? PartitionAssigners.cooperativeSticky : PartitionAssigners.roundRobin],
  });
  const m: Member = { consumer, joinedAt: 0, consumingSince: 0, generation: 0 };
  consumer.on(consumer.events.GROUP_JOIN, () => {
    m.joinedAt = Date.now();
    m.consumingSince = 0;
    m.generation++;
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({
    autoCommitInterval: 1000,
    eachMessage: async ({ message }) => {
      if (m.consumingSince === 0 && Number(message.timestamp) > m.joinedAt) m.consumingSince = Date.now();
    },
  });
  return m;
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** ms from the new member's run() until all members consume again. */
async function rebalanceOnce(address: string, n: number, cooperative: boolean, run: number): Promise<number> {
  const topic = `rb-${n}-${cooperative ? 'c' : 'e'}-${run}`;
  await createTopic(address, topic, 2 * n);
  const producer = client(address).producer();
  await producer.connect();
  let producing = true;
  const pump = (async () => {
    while (producing) {
      await producer.send({
        topic,
        messages: Array.from({ length: 2 * n }, (_, partition) => ({ partition, value: 'x' })),
      });
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const groupId = `g-${topic}`;
  const members = await Promise.all(Array.from({ length: n }, () => startMember(address, groupId, topic, cooperative)));
  await until(() => members.every((m) => m.consumingSince > 0), 60_000);
  await new Promise((r) => setTimeout(r, 300));
  const generations = members.map((m) => m.generation);
  const started = Date.now();
  const newcomer = await startMember(address, groupId, topic, cooperative);
  const all = [...members, newcomer];
  // Eager members all rejoin; cooperative ones whose partitions did not move may keep their generation count
  // moving by one or two joins: wait until every member joined after `started` and consumes since.
  await until(
    () =>
      all.every((m, i) => m.joinedAt >= started && m.consumingSince > 0 && (i === n || m.generation > generations[i]!)),
    60_000,
  );
  const elapsed = Math.max(...all.map((m) => m.consumingSince)) - started;
  producing = false;
  await pump;
  await producer.disconnect();
  await Promise.all(all.map((m) => m.consumer.disconnect()));
  return elapsed;
}

async function fill(address: string, topic: string, records: number): Promise<void> {
  await createTopic(address, topic, 6);
  const producer = client(address).producer();
  await producer.connect();
  const value = Buffer.alloc(100, 0x61);
  const perSend = 1000;
  let sent = 0;
  const lane = async () => {
    while (sent < records) {
      const k = Math.min(perSend, records - sent);
      sent += k;
      await producer.send({ topic, acks: 1, messages: Array.from({ length: k }, () => ({ value })) });
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  await producer.disconnect();
}

/** records/s for a group of `members` processes reading `records` records, timed from a stable, paused group. */
async function throughputOnce(
  address: string,
  topic: string,
  records: number,
  members: number,
  run: number,
): Promise<number> {
  const groupId = `tp-${members}-${run}`;
  const counts = new Array<number>(members).fill(0);
  const owned = new Array<number>(members).fill(-1);
  const lastCountedAt = new Array<number>(members).fill(0);
  let lastJoin = Date.now();
  const children: ChildProcess[] = [];
  for (let i = 0; i < members; i++) {
    const child = spawn(
      process.execPath,
      [...clientExecArgv(), join(root, 'bench/groups-member.ts'), address, groupId, topic],
      { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    children.push(child);
    child.stdout!.on('data', (d: Buffer) => {
      for (const line of d.toString().trim().split('\n')) {
        const [kind, value, at] = line.split(' ');
        if (kind === 'COUNT') {
          counts[i] = Number(value);
          lastCountedAt[i] = Number(at);
        }
        if (kind === 'JOIN') {
          owned[i] = Number(value);
          lastJoin = Date.now();
        }
      }
    });
  }
  // Every member joined, the partitions are all owned, and no join for 1 s: the group is stable.
  await until(
    () => owned.every((o) => o >= 0) && owned.reduce((a, b) => a + b, 0) === 6 && Date.now() - lastJoin > 1000,
    120_000,
  );
  // Epoch milliseconds with a fraction, the clock the members' COUNT lines use.
  const started = performance.timeOrigin + performance.now();
  for (const child of children) child.stdin!.write('GO\n');
  await until(() => counts.reduce((a, b) => a + b, 0) >= records, 300_000);
  const seconds = (Math.max(...lastCountedAt) - started) / 1000;
  await Promise.all(children.map((c) => stopProcess(c)));
  return records / seconds;
}

async function main() {
  const broker = await startBrokerProcess({ flush: 'os' });
  const rebalanceRows: Array<Array<string | number>> = [];
  try {
    for (const n of only === 'throughput' ? [] : short ? [2, 10] : [2, 10, 50]) {
      for (const cooperative of [false, true]) {
        const samples: number[] = [];
        for (let run = 0; run < RUNS; run++) samples.push(await rebalanceOnce(broker.address, n, cooperative, run));
        rebalanceRows.push([
          n,
          `${n + 1}`,
          2 * n,
          cooperative ? 'cooperative-sticky' : 'round-robin (eager)',
          median(samples),
          samples.join(', '),
        ]);
        console.log(`rebalance n=${n} ${cooperative ? 'coop' : 'eager'}: ${samples.join(', ')} ms`);
      }
    }
    const records = RECORDS;
    if (only !== 'rebalance') await fill(broker.address, 'tp', records);
    const tpRows: Array<Array<string | number>> = [];
    for (const members of only === 'rebalance' ? [] : MEMBER_COUNTS) {
      const samples: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        samples.push(await throughputOnce(broker.address, 'tp', records, members, run));
        console.log(`  run ${run + 1}: ${Math.round(samples.at(-1)!)} records/s (load ${loadavg()[0]!.toFixed(1)})`);
      }
      tpRows.push([
        members,
        records.toLocaleString('en-US'),
        Math.round(median(samples)).toLocaleString('en-US'),
        `${samples.map((s) => Math.round(s / 1000)).join(', ')} k`,
      ]);
      console.log(`throughput members=${members}: ${samples.map(Math.round).join(', ')} records/s`);
    }
    const body = [
      `${today()}, ${describeCommit()}, ${describeMachine()}.`,
      `Command: \`node --import tsx bench/groups.ts${short ? ' --short' : ''} --write\`. Broker: the built \`sluice serve\` in its own process, flush os; the built SDK. Medians of ${RUNS} run(s).`,
      '',
      '### Rebalance: a member joins a consuming group',
      '',
      'N members (in the bench process) consume a topic of 2·N partitions while a producer writes a record to every partition every ~5 ms.',
      'One more member calls run(); the time is until every member of the new generation has delivered a record written after its latest join.',
      'heartbeatInterval 100 ms (existing members learn of the rebalance from a heartbeat), maxWaitTimeInMs 50, sessionTimeout 10 s.',
      'Target: < 1 s for 10 members.',
      '',
      table(['members before', 'after', 'partitions', 'assigner', 'median ms', 'runs (ms)'], rebalanceRows),
      '',
      '### Throughput: one group of 3 members vs a single consumer',
      '',
      `A topic of 6 partitions pre-filled with ${records.toLocaleString('en-US')} records of 100 bytes; each member is its own process (eachMessage, auto-commit every 1 s).`,
      'Members join with the topic paused; once the group is stable they all resume, and records/s runs from then to the last record delivered.',
      'The machine has 2 cores, shared by the broker process and the member processes, so 3 members cannot run 3× in parallel here.',
      '',
      table(['members', 'records', 'median records/s', 'runs'], tpRows),
    ].join('\n');
    console.log(body);
    if (write) writeResultsSection('Consumer groups', body);
  } finally {
    await broker.stop();
  }
}

await main();
