// A segment's in-memory indexes filled as a 1 GiB segment fills them (one offset and one time entry per 4 KiB):
// the slowest single appends (where an index's storage grows shows up as one slow append) and the cost of a
// lookup (OffsetIndex.floor, what every fetch read does). Usage:
//   node --import tsx bench/index-append.ts [--entries N] [--runs N]
import { OffsetIndex, TimeIndex } from '../storage/sparse-index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const entries = arg('--entries', 262_144);
const runs = arg('--runs', 3);

for (let run = 1; run <= runs; run++) {
  const offsets = new OffsetIndex();
  const times = new TimeIndex();
  const slow: string[] = [];
  const started = performance.now();
  for (let i = 0; i < entries; i++) {
    const at = performance.now();
    offsets.append(i * 3, i * 4096);
    times.append(1_700_000_000_000 + i, i * 3);
    const ms = performance.now() - at;
    if (ms > 0.5) slow.push(`#${i} ${ms.toFixed(1)}`);
  }
  const appendMs = performance.now() - started;
  const lookupsFrom = performance.now();
  for (let k = 0; k < 1_000_000; k++) offsets.floor((k * 7919) % (entries * 3));
  const lookupMs = performance.now() - lookupsFrom;
  process.stdout.write(
    `run ${run}: ${entries} entries appended in ${appendMs.toFixed(1)} ms; appends over 0.5 ms (entry, ms; a collector pause shows up here too): ${slow.join(', ') || 'none'}; floor() ${((lookupMs * 1000) / 1_000_000).toFixed(3)} µs each\n`,
  );
}
