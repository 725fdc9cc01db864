// Where does produce→consume latency go? One latency run with a timeline from the three processes
// (producer = this process, consumer = its own process, broker = bench/lib/traced-broker.ts), all on
// the machine's monotonic clock, then the slowest records' timelines and what coincides with them.
//   node --import tsx bench/latency-trace.ts [--rate 10000] [--seconds 3] [--show 8] [--json out.json]
// Broker events: recv (socket chunk in), arm (fetch registers its waiters), notify (append done, wakes
// fetches), write (responses flushed). Client events: req:<Api> (request sent), resp (socket chunk in).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerNodeFlags, type BrokerProcess } from './lib/broker-process.js';
import type { Trace } from './lib/latency-trace-hooks.js';
import { freePort, stopProcess, waitForPort } from './lib/processes.js';
import { percentileSorted } from './lib/stats.js';
import { latency } from './lib/workloads.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;

const dataDir = mkdtempSync(join(tmpdir(), 'sluice-trace-'));
const traceFile = join(dataDir, 'broker-trace.json');
const port = await freePort();
// The broker runs with the node flags `sluice serve` has (or SLUICE_BENCH_BROKER_NODE_ARGS); the forked
// consumer with this process's own (bench/lib/proc.ts clientExecArgv).
const child = spawn(
  process.execPath,
  [
    ...brokerNodeFlags(),
    '--import',
    'tsx',
    join(import.meta.dirname, 'lib', 'traced-broker.ts'),
    String(port),
    join(dataDir, 'data'),
    traceFile,
  ],
  {
    stdio: ['ignore', 'inherit', 'inherit'],
  },
);
await waitForPort(port, 30_000);
const broker = {
  port,
  address: `127.0.0.1:${port}`,
  dataDir,
  child,
  startMs: 0,
  stop: async () => {},
} as BrokerProcess;
let run: Awaited<ReturnType<typeof latency>>;
try {
  run = await latency(broker, 't', opt('rate', 10_000), opt('seconds', 3), { trace: true });
} finally {
  await stopProcess(child); // also when the run fails: never leave a broker behind
}
const brokerTrace = JSON.parse(readFileSync(traceFile, 'utf8')) as Trace;
rmSync(dataDir, { recursive: true, force: true });
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ run, brokerTrace }));

const sentAt = run.sentAt!;
const arrivedAt = run.arrivedAt!;
const sources: Array<[string, Trace]> = [
  ['producer', run.producerTrace!],
  ['consumer', run.consumerTrace!],
  ['broker', brokerTrace],
];
const lat = sentAt.map((s, i) => arrivedAt[i]! - s);
const sorted = Float64Array.from(lat).sort();
const p99 = percentileSorted(sorted, 99);
const f = (ms: number) => ms.toFixed(2);
process.stdout.write(
  `${lat.length} samples: p50 ${f(percentileSorted(sorted, 50))} p99 ${f(p99)} p99.9 ${f(percentileSorted(sorted, 99.9))} max ${f(sorted[sorted.length - 1]!)} ms (load ${loadavg()[0]!.toFixed(1)})\n`,
);
for (const [name, t] of sources) {
  const pauses = t.gc.map(([, d]) => d).sort((a, b) => a - b);
  const over1 = pauses.filter((d) => d >= 1).length;
  process.stdout.write(
    `${name}: event-loop delay p50 ${f(t.loop.p50)} p99 ${f(t.loop.p99)} max ${f(t.loop.max)} ms; GC ${pauses.length} pauses (${JSON.stringify(t.gcKinds)}), ${over1} ≥ 1 ms, max ${f(pauses.at(-1) ?? 0)} ms, total ${f(pauses.reduce((a, d) => a + d, 0))} ms; ` +
      `CPU ${t.sched.cpuMs.toFixed(0)} ms, waited for a core ${t.sched.waitMs.toFixed(0)} ms\n`,
  );
}

// Tail records: which stage took the time? For each record above p99: time from send to the broker's
// first recv after it, from the next notify to the next broker write, to the consumer's next resp, to delivery.
function nextAfter(events: Trace['events'], kind: string, t: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]![0] < t) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < events.length; i++) if (events[i]![1] === kind) return events[i]![0];
  return Number.NaN;
}
const b = brokerTrace.events;
const c = run.consumerTrace!.events;
const stages = {
  'send→broker recv': [] as number[],
  'recv→notify': [] as number[],
  'notify→write': [] as number[],
  'write→consumer resp': [] as number[],
  'resp→eachMessage': [] as number[],
};
const tail: number[] = [];
for (let i = 0; i < lat.length; i++) {
  const recv = nextAfter(b, 'recv', sentAt[i]!);
  const notify = nextAfter(b, 'notify', recv);
  const write = nextAfter(b, 'write', notify);
  const resp = nextAfter(c, 'resp', write);
  const parts = [recv - sentAt[i]!, notify - recv, write - notify, resp - write, arrivedAt[i]! - resp];
  if (lat[i]! < p99) continue;
  tail.push(i);
  Object.values(stages).forEach((list, k) => {
    list.push(parts[k]!);
  });
}
process.stdout.write(`\nrecords ≥ p99 (${tail.length}): median ms per stage (approximate: next event of each kind)\n`);
for (const [name, list] of Object.entries(stages)) {
  const s = Float64Array.from(list.filter((v) => Number.isFinite(v))).sort();
  process.stdout.write(
    `  ${name.padEnd(22)} median ${f(percentileSorted(s, 50))}  max ${f(s[s.length - 1] ?? Number.NaN)}\n`,
  );
}
// Coincidences: a GC pause or a long gap in a process's events between send and delivery.
const overlapsGc = (t: Trace, from: number, to: number) => t.gc.some(([s, d]) => s < to && s + d > from && d >= 0.5);
for (const [name, t] of sources) {
  const n = tail.filter((i) => overlapsGc(t, sentAt[i]!, arrivedAt[i]!)).length;
  process.stdout.write(`  ${name}: a GC pause ≥ 0.5 ms during ${n} of ${tail.length} tail records\n`);
}

// Timelines of a few of the slowest records (distinct moments).
const show = opt('show', 6);
const slowest = [...tail].sort((x, y) => lat[y]! - lat[x]!);
const shown: number[] = [];
for (const i of slowest) {
  if (shown.length >= show) break;
  if (shown.some((j) => Math.abs(sentAt[j]! - sentAt[i]!) < 50)) continue;
  shown.push(i);
  const t0 = sentAt[i]!;
  const t1 = arrivedAt[i]!;
  process.stdout.write(`\nrecord sent at +${f(t0 - sentAt[0]!)} ms, latency ${f(lat[i]!)} ms\n`);
  const merged: Array<[number, string]> = [];
  for (const [name, t] of sources) {
    for (const [at, kind, detail] of t.events)
      if (at >= t0 - 0.5 && at <= t1 + 0.2) merged.push([at, `${name} ${kind} ${detail || ''}`]);
    for (const [at, d] of t.gc) if (at + d >= t0 - 0.5 && at <= t1) merged.push([at, `${name} GC ${f(d)} ms`]);
  }
  merged.sort((x, y) => x[0] - y[0]);
  // Collapse runs of the same line to keep it readable.
  let last = '';
  let repeat = 0;
  for (const [at, what] of merged) {
    const key = what.replace(/ \d+$/, '');
    if (key === last) {
      repeat++;
      continue;
    }
    if (repeat > 0) process.stdout.write(`          … ×${repeat + 1}\n`);
    repeat = 0;
    last = key;
    process.stdout.write(`  ${f(at - t0).padStart(7)}  ${what}\n`);
  }
  if (repeat > 0) process.stdout.write(`          … ×${repeat + 1}\n`);
}
