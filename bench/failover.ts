// Failover soak and the cost of acks=-1 replication: three `sluice serve --cluster` processes on a local etcd.
// Run: `npm run build && node --import tsx bench/failover.ts [--rounds 20] [--write]`
//
// 1. Throughput and latency: one producer, 100-record batches (100-byte values) sent one at a time, for
//    `--seconds` each, to a topic with replication factor 3 (min.insync.replicas 2, acks=-1) and to one with
//    replication factor 1 (acks=-1 = the leader alone), alternating RF3/RF1 three times; medians reported.
// 2. Failover: an idempotent producer sends acks=-1 records in a loop; each round SIGKILLs the leader, and
//    measures the time from the kill to the first acknowledged produce after it (on the new leader), then
//    restarts the killed broker and waits for the ISR to hold three replicas again. At the end every
//    acknowledged record must be read back once, in order, or the run fails.
// 3. Controlled shutdown: the same loop with SIGTERM (a clean stop: the broker asks the controller to move
//    its leadership first) for `--controlled-rounds` rounds, measuring the time without a leader: from the
//    last acknowledgement by the stopping leader (or the signal, if later) to the first by the new one.
// The cluster harness (etcd, the brokers as child processes, the acks=-1 load) is the one the cluster tests
// use: test/helpers/sluice-cluster.ts.
import { batchOf, produce, readAll, values } from '../test/helpers/broker.js';
import { AckedLoad, SluiceCluster } from '../test/helpers/sluice-cluster.js';
import { removeTempDirs } from '../test/helpers/temp-dir.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { WireClient } from '../test/helpers/wire-client.js';
import { CreateTopicsApi, ErrorCode } from '../src/protocol/index.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { median, summarizeLatencies } from './lib/stats.js';
import { table, writeResultsSection } from './lib/results.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const ROUNDS = flag('--rounds', 20);
const SECONDS = flag('--seconds', 5);
const CONTROLLED_ROUNDS = flag('--controlled-rounds', 20);
const WRITE = args.includes('--write');

let cluster: SluiceCluster;

async function createTopic(name: string, replicationFactor: number): Promise<void> {
  const configs: Record<string, string> = replicationFactor > 1 ? { 'min.insync.replicas': '2' } : {};
  await cluster.ask(1, (c) =>
    c.request(CreateTopicsApi, {
      topics: [{ name, numPartitions: 1, replicationFactor, configs }],
      timeoutMs: 30_000,
      validateOnly: false,
    }),
  );
  await cluster.settled(name, 0, replicationFactor);
}

/** Sends 100-record batches one at a time for SECONDS: records per second and per-batch latencies. */
async function throughput(topic: string): Promise<{ perSecond: number; p50: number; p99: number }> {
  const leader = await cluster.leader(topic, 0);
  const client = await WireClient.connect(cluster.port(leader));
  const value = 'v'.repeat(100);
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  let records = 0;
  try {
    while (performance.now() < end) {
      const batch = batchOf(Array.from({ length: 100 }, () => value));
      const t0 = performance.now();
      const r = await produce(client, topic, 0, batch, -1);
      if (r.errorCode !== ErrorCode.NONE) throw new Error(`produce to ${topic}: ${r.errorMessage}`);
      latencies.push(performance.now() - t0);
      records += 100;
    }
  } finally {
    client.destroy();
  }
  const s = summarizeLatencies(latencies);
  return { perSecond: records / SECONDS, p50: s.p50, p99: s.p99 };
}

async function soak(topic: string, signal: 'SIGKILL' | 'SIGTERM', rounds: number): Promise<number[]> {
  await createTopic(topic, 3);
  const load = new AckedLoad(cluster, topic, 0, {
    producerId: 777,
    produce: (client, batch) => produce(client, topic, 0, batch, -1),
  });
  const failovers: number[] = [];
  for (let round = 0; round < rounds; round++) {
    await load.more(20, 120_000);
    const victim = await cluster.leader(topic, 0);
    const killedAt = performance.now();
    await cluster.stop(victim, signal);
    const first = await waitFor(() => load.acks.find((t) => t.at > killedAt && t.by !== victim)?.at, {
      timeoutMs: 120_000,
    });
    // SIGKILL: from the kill. SIGTERM: the stopping leader keeps acknowledging until its leadership moved,
    // so the time without a leader runs from its last acknowledgement (or the signal, if later).
    const lastByVictim = load.acks.filter((t) => t.by === victim && t.at < first).at(-1)?.at ?? killedAt;
    const from = signal === 'SIGKILL' ? killedAt : Math.max(killedAt, lastByVictim);
    const ms = Math.round(first - from);
    failovers.push(ms);
    console.log(`round ${round + 1}: ${signal} broker ${victim}, ${ms} ms without a leader`);
    await cluster.serve(victim);
    await cluster.isr(topic, 0, [1, 2, 3]);
  }
  await load.stop();
  const acked = load.acked;
  const read = values(await cluster.ask(await cluster.leader(topic, 0), (c) => readAll(c, topic, 0)));
  if (read.length !== acked.length || read.some((v, i) => v !== acked[i]))
    throw new Error(`read ${read.length} records, acknowledged ${acked.length}: they differ`);
  console.log(`every one of ${acked.length} acknowledged records read back once, in order`);
  return failovers;
}

async function main(): Promise<void> {
  cluster = await SluiceCluster.start([1, 2, 3]);
  try {
    await createTopic('rf3', 3);
    await createTopic('rf1', 1);
    const rf3: Array<{ perSecond: number; p50: number; p99: number }> = [];
    const rf1: Array<{ perSecond: number; p50: number; p99: number }> = [];
    for (let i = 0; i < 3; i++) {
      rf3.push(await throughput('rf3'));
      rf1.push(await throughput('rf1'));
    }
    const med = (list: typeof rf3, key: 'perSecond' | 'p50' | 'p99') => median(list.map((x) => x[key]));
    const failovers = await soak('soak', 'SIGKILL', ROUNDS);
    const sorted = [...failovers].sort((a, b) => a - b);
    const controlled = await soak('controlled', 'SIGTERM', CONTROLLED_ROUNDS);
    const controlledSorted = [...controlled].sort((a, b) => a - b);
    const body = [
      `${today()}, ${describeCommit()}, ${describeMachine()}, 1-min load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)} at the end.`,
      `Command: \`npm run build && node --import tsx bench/failover.ts --rounds ${ROUNDS} --controlled-rounds ${CONTROLLED_ROUNDS} --seconds ${SECONDS}${WRITE ? ' --write' : ''}\`.`,
      'Three `sluice serve --cluster` processes and etcd on this one machine (loopback), default cluster timeouts',
      '(3 s broker lease, 500 ms replica fetch wait, 10 s replica lag).',
      '',
      `### acks=-1 produce, RF 3 (min ISR 2) vs RF 1: one producer, 100 × 100-byte records per batch, one batch in flight, ${SECONDS} s per run, medians of 3 alternating runs`,
      '',
      table(
        ['topic', 'records/s', 'batch p50 ms', 'batch p99 ms'],
        [
          ['RF 3', Math.round(med(rf3, 'perSecond')), med(rf3, 'p50').toFixed(2), med(rf3, 'p99').toFixed(2)],
          ['RF 1', Math.round(med(rf1, 'perSecond')), med(rf1, 'p50').toFixed(2), med(rf1, 'p99').toFixed(2)],
          ['RF 3 / RF 1', (med(rf3, 'perSecond') / med(rf1, 'perSecond')).toFixed(2), '', ''],
        ],
      ),
      '',
      `### Failover over ${ROUNDS} SIGKILLs of the leader (kill → first acknowledged acks=-1 produce on the new leader)`,
      '',
      table(
        ['rounds', 'median ms', 'max ms', 'min ms'],
        [[ROUNDS, Math.round(median(failovers)), sorted[sorted.length - 1]!, sorted[0]!]],
      ),
      '',
      `Every round: ${failovers.join(', ')} ms. Every acknowledged record was read back once, in order.`,
      '',
      `### Controlled shutdown over ${CONTROLLED_ROUNDS} SIGTERMs of the leader (last acknowledgement by the stopping leader → first by the new one)`,
      '',
      table(
        ['rounds', 'median ms', 'max ms', 'min ms'],
        [
          [
            CONTROLLED_ROUNDS,
            Math.round(median(controlled)),
            controlledSorted[controlledSorted.length - 1]!,
            controlledSorted[0]!,
          ],
        ],
      ),
      '',
      `Every round: ${controlled.join(', ')} ms. Every acknowledged record was read back once, in order.`,
    ].join('\n');
    console.log(body);
    if (WRITE) writeResultsSection('Replication: acks=-1 cost and failover (issue 18)', body);
  } finally {
    await cluster.close();
    await removeTempDirs();
  }
}

await main();
