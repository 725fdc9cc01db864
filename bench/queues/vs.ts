// Two builds of Sluice side by side in one process, for before/after pairs of a share-group change: each
// build's `sluice serve` runs as its own process, each build's SDK is loaded here, and runs of the same
// workload alternate between them (order swapped every round), so a burst of load on the shared machine
// hits both. With --cross, the broker of one build also runs with the SDK of the other (four setups), which
// tells a broker-side change from a client-side one.
//   node --import tsx bench/queues/vs.ts --other <checkout> [--records N] [--rounds N] [--warmup N]
//     [--members N] [--max-in-flight N] [--flush always|interval:120000] [--cross]
// <checkout> is another worktree with its own `npm run build`. The workload is bench/queues' (handlers that
// return at once); a run is timed from the first member starting until the broker has every ack. Printed:
// each run's acknowledged records/s, then per setup the median and, against this build, the median of the
// round-by-round ratios.
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as SluiceSdk from '../../src/client/index.js';
import { startBrokerProcess } from '../lib/broker-process.js';
import { payload } from './workload.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const other = resolve(flag('other', ''));
if (!process.argv.includes('--other')) throw new Error('--other <checkout> is required');
const here = resolve(import.meta.dirname, '../..');
const records = Number(flag('records', '200000'));
const rounds = Number(flag('rounds', '6'));
const warmup = Number(flag('warmup', '400000'));
const members = Number(flag('members', '4'));
const maxInFlight = Number(flag('max-in-flight', '100'));
const flush = flag('flush', 'interval:120000');
const cross = process.argv.includes('--cross');
const SEND_SIZE = 1000;

type Sdk = typeof SluiceSdk;
const loadSdk = async (root: string) =>
  (await import(pathToFileURL(join(root, 'dist/src/client/index.js')).href)) as Sdk;

const builds = [
  { name: 'this', root: here, sdk: await loadSdk(here) },
  { name: 'other', root: other, sdk: await loadSdk(other) },
];
const brokers = await Promise.all(
  builds.map((b) => startBrokerProcess({ flush, bin: join(b.root, 'dist/bin/sluice.js') })),
);

interface Setup {
  name: string;
  address: string;
  sdk: Sdk;
  rates: number[];
}
const setups: Setup[] = [];
for (const [bi, broker] of builds.entries())
  for (const [si, sdk] of builds.entries())
    if (cross || bi === si)
      setups.push({
        name: bi === si ? broker.name : `${broker.name} broker + ${sdk.name} SDK`,
        address: brokers[bi]!.address,
        sdk: sdk.sdk,
        rates: [],
      });

let queues = 0;
/** One run: a fresh one-partition topic with `n` records, then the members until the broker has every ack. */
async function run(setup: Setup, n: number): Promise<number> {
  const { Sluice, logLevel } = setup.sdk;
  const client = () => new Sluice({ brokers: [setup.address], logLevel: logLevel.NOTHING });
  const queue = `vs-${queues++}`;
  const admin = client().admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: queue, numPartitions: 1 }], waitForLeaders: true });
  const producer = client().producer();
  await producer.connect();
  const body = payload(100);
  for (let sent = 0; sent < n; sent += SEND_SIZE)
    await producer.send({
      topic: queue,
      acks: -1,
      messages: Array.from({ length: Math.min(SEND_SIZE, n - sent) }, () => ({ value: body })),
    });
  await producer.disconnect();
  let acked = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => {
    done = r;
  });
  const started = performance.now();
  const consumers = await Promise.all(
    Array.from({ length: members }, async () => {
      const consumer = client().shareConsumer({ groupId: `vs-${queue}`, maxInFlight });
      await consumer.connect();
      await consumer.subscribe({ topics: [queue], fromBeginning: true });
      await consumer.run({
        eachMessage: async () => {
          if (++acked === n) done();
        },
      });
      return consumer;
    }),
  );
  await all;
  // Every ack is stored once the start offset passed every record with nothing parked or held.
  for (;;) {
    const p = (await admin.describeShareGroups([`vs-${queue}`])).groups[0]?.partitions[0];
    if (p && p.startOffset >= n && p.available + p.acquired + p.waiting + p.deadLettering === 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(consumers.map((c) => c.disconnect()));
  await admin.deleteTopics({ topics: [queue] }).catch(() => undefined);
  await admin.disconnect();
  return n / seconds;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

try {
  if (warmup > 0)
    for (const setup of setups) {
      const rate = await run(setup, warmup);
      process.stdout.write(`warm-up ${setup.name}: ${Math.round(rate)} acked records/s, untimed\n`);
    }
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? setups : [...setups].reverse();
    for (const setup of order) {
      const rate = await run(setup, records);
      setup.rates.push(rate);
      process.stdout.write(
        `round ${round + 1} ${setup.name}: ${Math.round(rate)} acked records/s (load ${loadavg()[0]!.toFixed(1)})\n`,
      );
    }
  }
  const base = setups[0]!;
  for (const setup of setups) {
    const ratios = setup.rates.map((r, i) => r / base.rates[i]!);
    process.stdout.write(
      `${setup.name}: median ${Math.round(median(setup.rates))} acked records/s${setup === base ? '' : `, ratio to this build's run of the same round: median ${median(ratios).toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(', ')})`}\n`,
    );
  }
} finally {
  await Promise.all(brokers.map((b) => b.stop()));
}
