// The end-to-end workload matrix of issue 6: produce and replay by record size, latency at fixed rates,
// 1 → 100 concurrent producers, and the partition-count scale curve (broker RSS, start-up time,
// produce throughput). Broker = `sluice serve` (built binary) in its own process, flush os; SDK here.
//   node --import tsx bench/matrix.ts [--short] [--write]
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { startBrokerProcess, type BrokerProcess } from './lib/broker-process.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { table, writeResultsSection } from './lib/results.js';
import { median } from './lib/stats.js';
import { latencyFloor } from './lib/latency-floor.js';
import { createTopic, latency, produce, replay } from './lib/workloads.js';

const short = process.argv.includes('--short');
const write = process.argv.includes('--write');
const RUNS = short ? 1 : 3;
const load = () => loadavg()[0]!.toFixed(1);

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

function openFiles(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

async function withBroker<T>(fn: (broker: BrokerProcess) => Promise<T>, extraArgs: string[] = []): Promise<T> {
  const broker = await startBrokerProcess({ flush: 'os', extraArgs });
  try {
    return await fn(broker);
  } finally {
    await broker.stop();
  }
}

async function repeat(fn: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < RUNS; i++) values.push(await fn());
  return median(values);
}

const fmtRate = (r: number) => (r >= 1e6 ? `${(r / 1e6).toFixed(2)} M/s` : `${(r / 1e3).toFixed(1)} k/s`);
const fmtMiB = (r: number, size: number) => `${((r * size) / 2 ** 20).toFixed(0)} MiB/s`;

async function bySize(): Promise<string> {
  const sizes = [10, 100, 1024, 16 * 1024, 1024 * 1024];
  const bytesPerPoint = short ? 32 * 2 ** 20 : 256 * 2 ** 20;
  const rows: Array<Array<string | number>> = [];
  for (const size of sizes) {
    const records = Math.max(64, Math.min(short ? 500_000 : 3_000_000, Math.floor(bytesPerPoint / size)));
    // Records of 1 MiB make batches just over the default max.message.bytes (1 MiB + 12): raise it.
    const setup = (b: BrokerProcess) =>
      createTopic(b, 't', 1, size > 512 * 1024 ? { 'max.message.bytes': String(4 * 2 ** 20) } : {});
    const p = await repeat(() =>
      withBroker(async (b) => {
        await setup(b);
        return produce(b, 't', records, size);
      }),
    );
    const r = await repeat(() =>
      withBroker(async (b) => {
        await setup(b);
        await produce(b, 't', records, size);
        return replay(b, 't', records);
      }),
    );
    rows.push([
      size >= 1024 ? `${size / 1024} KiB` : `${size} B`,
      records.toLocaleString('en'),
      fmtRate(p),
      fmtMiB(p, size),
      fmtRate(r),
      fmtMiB(r, size),
      load(),
    ]);
    process.stdout.write(`size ${size}: produce ${fmtRate(p)}, replay ${fmtRate(r)}\n`);
  }
  return table(['record', 'records', 'produce rec/s', 'produce MiB/s', 'replay rec/s', 'replay MiB/s', 'load'], rows);
}

async function byRate(): Promise<string> {
  const rows: Array<Array<string | number>> = [];
  for (const rate of [1_000, 10_000, 100_000]) {
    const seconds = short ? 3 : 10;
    const s = await withBroker((b) => latency(b, 'lat', rate, seconds));
    const f = await latencyFloor(rate, seconds);
    rows.push([
      rate.toLocaleString('en'),
      s.count,
      s.p50.toFixed(2),
      s.p99.toFixed(2),
      s.p999.toFixed(2),
      s.max.toFixed(1),
      s.stealPct.toFixed(1),
      f.p50.toFixed(2),
      f.p99.toFixed(2),
      f.p999.toFixed(2),
      f.stealPct.toFixed(1),
      load(),
    ]);
    process.stdout.write(
      `latency at ${rate}/s: p50 ${s.p50.toFixed(2)} p99 ${s.p99.toFixed(2)} ms; floor p50 ${f.p50.toFixed(2)} p99 ${f.p99.toFixed(2)} ms\n`,
    );
  }
  return table(
    [
      'records/s',
      'samples',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms',
      'steal %',
      'floor p50 ms',
      'floor p99 ms',
      'floor p99.9 ms',
      'floor steal %',
      'load',
    ],
    rows,
  );
}

async function byProducers(): Promise<string> {
  const rows: Array<Array<string | number>> = [];
  const records = short ? 400_000 : 2_000_000;
  for (const producers of [1, 10, 100]) {
    // Each producer keeps 4 sends of 100 records outstanding (many small clients, not one big one).
    const r = await repeat(() =>
      withBroker((b) => produce(b, 't', records, 100, { producers, inFlight: 4, perSend: 100 })),
    );
    rows.push([producers, fmtRate(r), fmtMiB(r, 100), load()]);
    process.stdout.write(`${producers} producers: ${fmtRate(r)}\n`);
  }
  return table(['producers (connections)', 'records/s (100 B)', 'MiB/s', 'load'], rows);
}

async function byPartitions(): Promise<string> {
  const rows: Array<Array<string | number>> = [];
  const records = short ? 400_000 : 2_000_000;
  for (const partitions of short ? [1, 1000] : [1, 100, 1000]) {
    const broker = await startBrokerProcess({ flush: 'os' });
    let row;
    try {
      const t0 = performance.now();
      await createTopic(broker, 't', partitions);
      const createMs = performance.now() - t0;
      const rate = await produce(broker, 't', records, 100, { partitions });
      row = { createMs, rate, rss: rssMiB(broker.child.pid!), fds: openFiles(broker.child.pid!) };
    } finally {
      await broker.stop({ keepData: true });
    }
    // Restart on the same data directory: start-up time and idle RSS with `partitions` partitions on disk.
    const again = await startBrokerProcess({ flush: 'os', dataDir: broker.dataDir });
    const idleRss = rssMiB(again.child.pid!);
    await again.stop({ keepData: true });
    rmSync(broker.dataDir, { recursive: true, force: true });
    rows.push([
      partitions,
      row.createMs.toFixed(0),
      fmtRate(row.rate),
      row.rss.toFixed(0),
      row.fds,
      again.startMs.toFixed(0),
      idleRss.toFixed(0),
      load(),
    ]);
    process.stdout.write(
      `${partitions} partitions: ${fmtRate(row.rate)}, RSS ${row.rss.toFixed(0)} MiB, restart ${again.startMs.toFixed(0)} ms\n`,
    );
  }
  return table(
    [
      'partitions',
      'create ms',
      'produce rec/s (100 B, over all)',
      'broker RSS MiB after produce',
      'open fds',
      'restart: spawn → listening ms',
      'RSS after restart MiB',
      'load',
    ],
    rows,
  );
}

const started = performance.now();
const sections = [
  [
    '### Produce and replay by record size',
    'acks=1, 16 sends outstanding of ~256 KiB each (at most 1000 records), one partition; replay from the beginning with eachBatch.',
    await bySize(),
  ],
  [
    '### Produce→consume latency at fixed rates',
    'One record per send() (an application emitting events), acks=1, one partition; the consumer (eachMessage) runs in its own process and stamps arrival (both stamp the same monotonic clock). The producer sleeps 1 ms between bursts. "floor": the same work without Sluice, run right after each point (producer → a relay forwarding bytes → consumer, three Node processes over loopback: bench/lib/latency-floor.ts); steal = share of CPU time the hypervisor took for other guests during the run (/proc/stat).',
    await byRate(),
  ],
  [
    '### Concurrent producers',
    'N producer instances in the bench process, each its own connection, 4 sends of 100 records outstanding each, one partition.',
    await byProducers(),
  ],
  [
    '### Partitions',
    'One topic of N partitions, records sent round-robin over all partitions (explicit partition per send of ~1000 records).',
    await byPartitions(),
  ],
];
const body = [
  `Date ${today()}, commit ${describeCommit()}, machine: ${describeMachine()}.`,
  `Command: \`node --import tsx bench/matrix.ts${short ? ' --short' : ''} --write\` (took ${((performance.now() - started) / 1000).toFixed(0)} s). Broker = \`sluice serve\` (built binary) in its own process, flush os, a fresh one per point; SDK in the bench process; medians of ${RUNS} run(s). "load" = 1-min load average after the point (other engineers share the 2 cores).`,
  '',
  ...sections.flatMap(([title, note, t]) => [title!, '', note!, '', t!, '']),
].join('\n');
process.stdout.write(`${body}\n`);
if (write) writeResultsSection('End-to-end matrix (sizes, rates, producers, partitions)', body);
