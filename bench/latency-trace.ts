// Where does produce→consume latency go? One latency run with a timeline from the three processes
// (producer = this process, consumer = its own process, broker = bench/lib/traced-broker.ts), all on
// the machine's monotonic clock, then the slowest records' timelines and what coincides with them.
//   node --import tsx bench/latency-trace.ts [--rate 10000] [--seconds 3] [--show 8] [--json out.json]
// Broker events: recv:<connection> (socket chunk in), arm (fetch registers its waiters), notify (append
// done, wakes fetches; detail = fetches waiting), write:<connection> (responses flushed). Client events:
// req:<Api> (request sent), resp (socket chunk in). Per record (joined by offset): the producer's batch taken
// into a request, the broker's append and the read that served it, the consumer's decode steps; printed as
// the mean time per stage for the records around p50, around p99 and above p99.9. Event-loop delay is
// the lateness of a 1 ms timer (monitorEventLoopDelay).
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Trace } from './lib/latency-trace-hooks.js';
import { withTracedBroker } from './lib/traced-broker-process.js';
import { percentileSorted } from './lib/stats.js';
import { latency } from './lib/workloads.js';
import { numberOptions } from './lib/args.js';

const args = process.argv.slice(2);
const opt = numberOptions(args);
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;

// The broker runs with the node flags `sluice serve` has (or SLUICE_BENCH_BROKER_NODE_ARGS); the forked
// consumer with this process's own (bench/lib/proc.ts clientExecArgv).
const { result: run, trace: brokerTrace } = await withTracedBroker((broker) =>
  latency(broker, 't', opt('rate', 10_000), opt('seconds', 3), { trace: true }),
);
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

// Per record: the moment it passed each stage of its path, joined by offset (spans) or, where a stage
// only knows bytes (socket writes and reads), by the first such event after the previous stage.
const offsets = run.offsets!;
const producerTrace = run.producerTrace!;
const consumerTrace = run.consumerTrace!;
function firstTimeByOffset(spans: Trace['spans'], stage: string): Float64Array {
  let max = 0;
  for (const [, kind, , to] of spans) if (kind === stage) max = Math.max(max, to);
  const at = new Float64Array(max).fill(Number.NaN);
  for (const [t, kind, from, to] of spans) {
    if (kind !== stage) continue;
    for (let o = from; o < to; o++) if (Number.isNaN(at[o]!) || t < at[o]!) at[o] = t;
  }
  return at;
}
function nextAfter(events: Trace['events'], kind: string, t: number): [number, number] {
  if (Number.isNaN(t)) return [Number.NaN, Number.NaN];
  for (let i = firstIndexAt(events, t); i < events.length; i++)
    if (events[i]![1] === kind) return [events[i]![0], events[i]![2]];
  return [Number.NaN, Number.NaN];
}
/** The index of the first event at or after `t` (events are in time order). */
function firstIndexAt(events: Trace['events'], t: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]![0] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
function firstAfter(events: Trace['events'], wanted: (kind: string) => boolean, t: number): string | undefined {
  for (let i = firstIndexAt(events, t); i < events.length; i++) if (wanted(events[i]![1])) return events[i]![1];
  return undefined;
}
function lastBefore(events: Trace['events'], prefix: string, t: number): string | undefined {
  let found: string | undefined;
  for (const [at, kind] of events) {
    if (at > t) break;
    if (kind.startsWith(prefix)) found = kind;
  }
  return found;
}
const mode = (list: Array<string | undefined>) => {
  const counts = new Map<string, number>();
  for (const k of list) if (k) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].sort((x, y) => y[1] - x[1])[0]?.[0] ?? '';
};
const b = brokerTrace.events;
const c = consumerTrace.events;
const p = producerTrace.events;
// The produce connection: the one whose bytes arrived last before each append started. The fetch
// responses' connection: the first other connection written to after each read that served a fetch (a
// pushed frame is written without any request arriving, so the fetch's own requests cannot name it).
const appendStarts = brokerTrace.spans.filter((s) => s[1] === 'append:start');
const produceRecv = mode(appendStarts.map(([t]) => lastBefore(b, 'recv:', t)));
const produceWrite = produceRecv.replace('recv:', 'write:');
const reads = brokerTrace.spans.filter((s) => s[1] === 'read');
const fetchWrite = mode(
  reads.map(([t]) => firstAfter(b, (kind) => kind.startsWith('write:') && kind !== produceWrite, t)),
);
const at = {
  commit: firstTimeByOffset(producerTrace.spans, 'commit'),
  append: firstTimeByOffset(brokerTrace.spans, 'append'),
  read: firstTimeByOffset(brokerTrace.spans, 'read'),
  absorb: firstTimeByOffset(consumerTrace.spans, 'absorb'),
  slice: firstTimeByOffset(consumerTrace.spans, 'slice'),
};
const STAGES = [
  'producer: send() → batch taken into a request',
  'producer: → request written to the socket',
  'producer → broker: → broker reads the frame',
  'broker: frame read → append done',
  'broker: append done → a fetch read it',
  'broker: fetch read → response written',
  'broker → consumer: → consumer reads the bytes',
  'consumer: bytes read → fetch response decoded',
  'consumer: → records decoded into a slice',
  'consumer: slice → eachMessage called',
] as const;
const perRecord: number[][] = [];
const stageStarts: number[][] = [];
const parked: boolean[] = [];
for (let i = 0; i < lat.length; i++) {
  const o = offsets[i]!;
  const sent = sentAt[i]!;
  const commit = at.commit[o]!;
  const [write] = nextAfter(p, 'req:Produce', commit);
  const [recv] = nextAfter(b, produceRecv, write);
  const append = at.append[o]!;
  const [, waiting] = nextAfter(b, 'notify', append);
  const read = at.read[o]!;
  const [written] = nextAfter(b, fetchWrite, read);
  const [resp] = nextAfter(c, 'resp', written);
  const absorbed = at.absorb[o]!;
  const sliced = at.slice[o]!;
  const marks = [sent, commit, write, recv, append, read, written, resp, absorbed, sliced, arrivedAt[i]!];
  perRecord.push(marks.slice(1).map((m, k) => m - marks[k]!));
  stageStarts.push(marks);
  parked.push(waiting > 0);
}
const ranked = lat.map((_, i) => i).sort((x, y) => lat[x]! - lat[y]!);
const band = (from: number, to: number) =>
  ranked.slice(Math.floor((ranked.length * from) / 100), Math.ceil((ranked.length * to) / 100));
const groups: Array<[string, number[]]> = [
  ['p49–p51', band(49, 51)],
  ['p98.5–p99.5', band(98.5, 99.5)],
  ['≥ p99.9', band(99.9, 100)],
];
const mean = (list: number[]) => {
  const ok = list.filter((v) => Number.isFinite(v));
  return ok.length === 0 ? Number.NaN : ok.reduce((a, v) => a + v, 0) / ok.length;
};
process.stdout.write(
  `\nstages (mean ms per record in each latency band; produce connection ${produceRecv}, fetch responses ${fetchWrite})\n`,
);
process.stdout.write(
  `  ${'stage'.padEnd(48)}${groups.map(([name, list]) => `${name} (${list.length})`.padStart(20)).join('')}\n`,
);
STAGES.forEach((name, k) => {
  const cells = groups.map(([, list]) => f(mean(list.map((i) => perRecord[i]![k]!))).padStart(20));
  process.stdout.write(`  ${name.padEnd(48)}${cells.join('')}\n`);
});
const totals = groups.map(([, list]) => f(mean(list.map((i) => lat[i]!))).padStart(20));
process.stdout.write(`  ${'total (send → eachMessage)'.padEnd(48)}${totals.join('')}\n`);
const parkedShare = groups.map(([, list]) =>
  `${((list.filter((i) => parked[i]).length / Math.max(1, list.length)) * 100).toFixed(0)} %`.padStart(20),
);
process.stdout.write(`  ${'append found the fetch parked'.padEnd(48)}${parkedShare.join('')}\n`);
const tail = ranked.slice(Math.floor(ranked.length * 0.99));

// Each record ≥ p99 by its longest stage, and whether a GC pause (≥ 0.5 ms, any of the three processes)
// overlapped that stage: what is left without one is a process that was runnable but not running, or busy.
const gcDuring = (from: number, to: number) =>
  sources.filter(([, t]) => t.gc.some(([at, d]) => d >= 0.5 && at < to && at + d > from)).map(([name]) => name);
const causes = new Map<string, number>();
for (const i of tail) {
  const parts = perRecord[i]!;
  let k = 0;
  for (let j = 1; j < parts.length; j++) if ((parts[j] ?? -1) > (parts[k] ?? -1)) k = j;
  const marks = stageStarts[i]!;
  const gc = gcDuring(marks[k]!, marks[k + 1]!);
  const key = `${STAGES[k]}${k === 4 && !parked[i] ? ' (no fetch parked)' : ''} — ${gc.length > 0 ? `GC in ${gc.join('+')}` : 'no GC'}`;
  causes.set(key, (causes.get(key) ?? 0) + 1);
}
process.stdout.write(`\nrecords ≥ p99 (${tail.length}) by longest stage, and a GC pause during it\n`);
for (const [key, n] of [...causes].sort((x, y) => y[1] - x[1]))
  process.stdout.write(`  ${String(n).padStart(5)}  ${key}\n`);

// Coincidences: a GC pause or a long gap in a process's events between send and delivery.
const overlapsGc = (t: Trace, from: number, to: number) => t.gc.some(([s, d]) => s < to && s + d > from && d >= 0.5);
for (const [name, t] of sources) {
  const n = tail.filter((i) => overlapsGc(t, sentAt[i]!, arrivedAt[i]!)).length;
  process.stdout.write(`  ${name}: a GC pause ≥ 0.5 ms during ${n} of ${tail.length} records ≥ p99\n`);
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
