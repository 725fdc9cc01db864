// End-to-end throughput and latency: `sluice serve` in its own process, the SDK in this one (the latency
// consumer in a third: bench/lib/latency-consumer.ts), over loopback — beside the loopback limit and the Redis Streams / NATS JetStream peers, in the same run.
//   node --import tsx bench/e2e.ts [--short] [--write]
// --short: smaller counts, one run each (a quick check). --write: replace the section in RESULTS.md.
import { startBrokerProcess } from './lib/broker-process.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { writeResultsSection, table } from './lib/results.js';
import { mbPerSecond, median } from './lib/stats.js';
import { latencyFloor } from './lib/latency-floor.js';
import { latency, produce, replay, type LatencyRun } from './lib/workloads.js';
import { measureLoopback } from './loopback.js';
import { benchNats } from './peers/nats.js';
import { benchIoredis, benchNatsJs } from './peers/libraries.js';
import { benchRedis, type PeerResult } from './peers/redis.js';

const short = process.argv.includes('--short');
const write = process.argv.includes('--write');
const RUNS = short ? 1 : 3;

async function main(): Promise<void> {
  const counts = short
    ? { p100: 500_000, p1k: 100_000, replay: 1_000_000, peers: 200_000 }
    : { p100: 3_000_000, p1k: 500_000, replay: 10_000_000, peers: 1_000_000 };
  const loopback = median(await Promise.all([measureLoopback(short ? 1 : 3)]));
  const rows: Array<Array<string | number>> = [];
  const runs = { p100: [] as number[], p1k: [] as number[], replay: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    const broker = await startBrokerProcess({ flush: 'os' });
    try {
      runs.p100.push(await produce(broker, `p100-${run}`, counts.p100, 100));
      runs.p1k.push(await produce(broker, `p1k-${run}`, counts.p1k, 1024));
      await produce(broker, `replay-${run}`, counts.replay, 100);
      runs.replay.push(await replay(broker, `replay-${run}`, counts.replay));
    } finally {
      await broker.stop();
    }
  }
  const broker = await startBrokerProcess({ flush: 'os' });
  const lat = await latency(broker, 'latency', 10_000, short ? 3 : 10).finally(() => broker.stop());
  const floor = await latencyFloor(10_000, short ? 3 : 10);
  const matched = await startBrokerProcess({ flush: '1000' });
  const sluiceMatched = { produce: 0, replay: 0 };
  try {
    sluiceMatched.produce = await produce(matched, 'peer', counts.peers, 100);
    sluiceMatched.replay = await replay(matched, 'peer', counts.peers);
  } finally {
    await matched.stop();
  }
  // Each peer by its raw pipelining client and by its usual library; the faster of the two counts.
  const redis = { raw: await benchRedis(counts.peers, 100), lib: await benchIoredis(counts.peers, 100) };
  const nats = { raw: await benchNats(counts.peers, 100), lib: await benchNatsJs(counts.peers, 100) };
  const k = (n: number) => `${(n / 1e3).toFixed(0)} k/s`;
  const peerRow = (name: string, key: keyof PeerResult, sluice: number) => {
    const fastest = Math.max(redis.raw[key], redis.lib[key], nats.raw[key], nats.lib[key]);
    return [
      name,
      k(sluice),
      `${k(redis.raw[key])} / ${k(redis.lib[key])}`,
      `${k(nats.raw[key])} / ${k(nats.lib[key])}`,
      `${(sluice / fastest).toFixed(1)}×`,
    ];
  };

  const p100 = median(runs.p100);
  const p1kMiB = mbPerSecond(median(runs.p1k) * 1024, 1);
  const replayRate = median(runs.replay);
  rows.push([
    'produce 100 B, acks=1, flush os',
    `${(p100 / 1e6).toFixed(2)} M rec/s (${mbPerSecond(p100 * 100, 1).toFixed(0)} MiB/s)`,
    '≥ 1.00 M rec/s',
    `${(((p100 * 100) / (loopback * 1024 * 1024)) * 100).toFixed(1)} % of loopback bytes`,
  ]);
  rows.push([
    'produce 1 KiB, acks=1, flush os',
    `${p1kMiB.toFixed(0)} MiB/s`,
    '≥ 300 MB/s',
    `${((p1kMiB / loopback) * 100).toFixed(1)} % of loopback`,
  ]);
  rows.push([
    `replay ${counts.replay.toLocaleString('en')} × 100 B`,
    `${(replayRate / 1e6).toFixed(2)} M rec/s`,
    '≥ 2.00 M rec/s',
    `${(((replayRate * 100) / (loopback * 1024 * 1024)) * 100).toFixed(1)} % of loopback bytes`,
  ]);
  const ms = (r: LatencyRun) => `${r.p50.toFixed(2)} / ${r.p99.toFixed(2)} / ${r.p999.toFixed(2)} ms`;
  rows.push([
    `latency at 10k rec/s (p50 / p99 / p99.9), ${lat.count} samples, steal ${lat.stealPct.toFixed(1)} %`,
    ms(lat),
    'p99 ≤ 2 ms',
    `floor (no Sluice, steal ${floor.stealPct.toFixed(1)} %): ${ms(floor)}`,
  ]);
  const peers = table(
    [
      '100 B records',
      'Sluice (flush 1000 ms)',
      'Redis Streams (everysec): raw / ioredis',
      'NATS JetStream (file): raw / nats.js',
      'Sluice ÷ fastest peer client',
    ],
    [
      peerRow('produce', 'produceRecordsPerSec', sluiceMatched.produce),
      peerRow('replay', 'replayRecordsPerSec', sluiceMatched.replay),
    ],
  );
  const body = [
    `Date ${today()}, commit ${describeCommit()}, machine: ${describeMachine()}.`,
    `Command: \`node --import tsx bench/e2e.ts${short ? ' --short' : ''} --write\` (after \`npm ci\`). Broker = \`sluice serve\` in its own process; SDK client in the bench process (the latency consumer in its own process); all share the 2 cores. Medians of ${RUNS} run(s).`,
    '',
    `Loopback limit in the same run (64 KiB writes between two Node processes): **${loopback.toFixed(0)} MiB/s**. Latency floor in the same run: the latency work without Sluice (producer → a byte relay → consumer, three Node processes, same send pattern: bench/lib/latency-floor.ts); steal = the hypervisor's share of CPU time during the run (/proc/stat).`,
    '',
    table(['workload', 'Sluice', 'target', 'vs limit'], rows),
    '',
    `Peers, same machine, same run, ${counts.peers.toLocaleString('en')} records each; each peer driven by a raw-protocol pipelining client and by its usual Node library (bench/peers/), the faster of all four is the one compared:`,
    '',
    peers,
  ].join('\n');
  process.stdout.write(`${body}\n`);
  if (write) writeResultsSection('End to end (broker + SDK)', body);
}

await main();
