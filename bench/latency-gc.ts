// Which process's GC pauses the slowest records of an untraced latency run waited on. Run the latency bench
// with every process logging its pauses (bench/lib/gc-log.mjs) and the measured records' stamps kept, then this:
//   D=$(mktemp -d); SLUICE_BENCH_GC_LOG=$D NODE_OPTIONS="--import $PWD/bench/lib/gc-log.mjs" \
//     node --import tsx bench/quick.ts latency --runs 1 --no-floor --warmup-seconds 2
//   node --import tsx bench/latency-gc.ts $D
// A record "met" a pause when the pause overlapped [sent, arrived]. Prints, per process, its pauses in the
// measured window and how many records at or above p99 (and of all records) met one of them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { percentileSorted } from './lib/stats.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: latency-gc.ts <dir written with SLUICE_BENCH_GC_LOG>');
const { sentAt, arrivedAt } = JSON.parse(readFileSync(join(dir, 'latency-samples.json'), 'utf8')) as {
  sentAt: number[];
  arrivedAt: number[];
};
const roleOf = (argv: string) =>
  argv.includes('latency-consumer')
    ? 'consumer'
    : argv.includes(' serve') || argv.includes('traced-broker')
      ? 'broker'
      : argv.includes('latency-floor')
        ? 'floor'
        : 'producer';
const processes = readdirSync(dir)
  .filter((f) => f.startsWith('gc-'))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { pid: number; role: string; pauses: number[] })
  .map((p) => ({ ...p, role: roleOf(p.role) }))
  .filter((p) => p.role !== 'floor');

const lat = sentAt.map((s, i) => arrivedAt[i]! - s);
const sorted = Float64Array.from(lat).sort();
const p99 = percentileSorted(sorted, 99);
let from = Number.POSITIVE_INFINITY;
for (const s of sentAt) if (s < from) from = s;
let to = Number.NEGATIVE_INFINITY;
for (const a of arrivedAt) if (a > to) to = a;
const f = (ms: number) => ms.toFixed(2);
process.stdout.write(
  `${lat.length} records over ${f((to - from) / 1000)} s: p50 ${f(percentileSorted(sorted, 50))} p99 ${f(p99)} p99.9 ${f(percentileSorted(sorted, 99.9))} ms\n`,
);
const tail = lat.map((l, i) => (l >= p99 ? i : -1)).filter((i) => i >= 0);
const metAny = new Set<number>();
/** Every record that met a pause in some process (not only those ≥ p99). */
const metAnyAll = new Set<number>();
for (const p of processes) {
  const starts: number[] = [];
  const durations: number[] = [];
  for (let i = 0; i < p.pauses.length; i += 3) {
    const start = p.pauses[i]!;
    const duration = p.pauses[i + 1]!;
    if (start + duration < from || start > to) continue;
    starts.push(start);
    durations.push(duration);
  }
  const met = (i: number) => starts.some((s, k) => s < arrivedAt[i]! && s + durations[k]! > sentAt[i]!);
  let tailMet = 0;
  for (const i of tail) {
    if (!met(i)) continue;
    tailMet++;
    metAny.add(i);
  }
  let allMet = 0;
  for (let i = 0; i < lat.length; i++) {
    if (!met(i)) continue;
    allMet++;
    metAnyAll.add(i);
  }
  const total = durations.reduce((a, b) => a + b, 0);
  const ds = [...durations].sort((a, b) => a - b);
  process.stdout.write(
    `${p.role.padEnd(9)} ${durations.length} pauses in the window (${f(total)} ms, ${f((total / (to - from)) * 100)} % of it; ` +
      `median ${f(ds[Math.floor(ds.length / 2)] ?? 0)}, max ${f(ds[ds.length - 1] ?? 0)} ms); ` +
      `met by ${tailMet} of ${tail.length} records ≥ p99, ${allMet} of all ${lat.length}\n`,
  );
}
process.stdout.write(`records ≥ p99 that met a pause in some process: ${metAny.size} of ${tail.length}\n`);
// What the latency would be if no process paused: the records that met no pause, on their own.
const unpaused = Float64Array.from(lat.filter((_, i) => !metAnyAll.has(i))).sort();
process.stdout.write(
  `records that met no pause: ${unpaused.length}: p50 ${f(percentileSorted(unpaused, 50))} p99 ${f(percentileSorted(unpaused, 99))} p99.9 ${f(percentileSorted(unpaused, 99.9))} ms\n`,
);
