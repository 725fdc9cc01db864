// Work queues side by side: acknowledged records/s with 1, 4 and 16 members on one queue (handlers that
// acknowledge at once, then after 5 ms), and redelivery latency after a lock expiry, for each system of
// bench/queues/ in the same run. Servers are installed when missing, started on free loopback ports and
// stopped at the end.
//   node --import tsx bench/queues/run.ts [--short] [--write] [--only sluice,sluice-2min,rabbitmq,jetstream]
//     [--records N] [--slow-records N] [--max-in-flight N] [--members 1,4,16] [--handlers 0,5] [--rounds N]
//     [--warmup N]
// --rounds N repeats the whole set N times, systems alternating within each round, and reports medians.
// --warmup N: before the timed rounds, every system runs one untimed round of the same cells with N records
// each (its server and the bench's clients then start the timed rounds past their start-up: a JIT's
// compilation, heaps and caches sized). Off by default; the printout says which was run.
import { loadavg } from 'node:os';
import { describeCommit, describeMachine, today } from '../lib/machine.js';
import { table, writeResultsSection } from '../lib/results.js';
import { startJetStream } from './jetstream.js';
import { startRabbitMq } from './rabbitmq.js';
import { startSluice } from './sluice.js';
import type { QueueSystem, WorkloadOptions } from './workload.js';

const SYSTEMS: Record<string, () => Promise<QueueSystem>> = {
  sluice: () => startSluice('always'),
  'sluice-2min': () => startSluice('interval:120000'),
  rabbitmq: () => startRabbitMq('quorum'),
  'rabbitmq-classic': () => startRabbitMq('classic'),
  jetstream: startJetStream,
};

const numbers = (raw: string | undefined, fallback: number[]) => (raw ? raw.split(',').map(Number) : fallback);
const LOCK_MS = 1000;
const REDELIVERY_RUNS = 5;
const SIZE = 100;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const short = process.argv.includes('--short');
const write = process.argv.includes('--write');
const only = flag('only')?.split(',') ?? Object.keys(SYSTEMS);
const records = Number(flag('records') ?? (short ? 5_000 : 20_000));
const slowRecords = Number(flag('slow-records') ?? (short ? 2_000 : 5_000));
const maxInFlight = Number(flag('max-in-flight') ?? 10);
const MEMBERS = numbers(flag('members'), [1, 4, 16]);
const HANDLER_MS = numbers(flag('handlers'), [0, 5]);
const rounds = Number(flag('rounds') ?? 1);
const warmup = Number(flag('warmup') ?? 0);
for (const name of only) if (!SYSTEMS[name]) throw new Error(`unknown system '${name}' (${Object.keys(SYSTEMS)})`);

interface SystemResult {
  name: string;
  durability: string;
  /** `${members}/${handlerMs}` → acknowledged records/s, one per round */
  rates: Map<string, number[]>;
  redeliveryMs: number[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const loadAtStart = loadavg()[0]!;
const systems: QueueSystem[] = [];
const results: SystemResult[] = [];
try {
  for (const key of only) {
    process.stderr.write(`starting ${key}…\n`);
    const system = await SYSTEMS[key]!();
    systems.push(system);
    results.push({ name: system.name, durability: system.durability, rates: new Map(), redeliveryMs: [] });
  }
  // The same cells, untimed, for every system alike (--warmup).
  if (warmup > 0)
    for (const handlerMs of HANDLER_MS)
      for (const members of MEMBERS)
        for (const [i, system] of systems.entries()) {
          const queue = `warmup-${members}-${handlerMs}`;
          await system.load(queue, warmup, SIZE);
          const options = { records: warmup, size: SIZE, members, maxInFlight, handlerMs, timeoutMs: 300_000 };
          const seconds = await system.consume(queue, options);
          process.stderr.write(
            `warm-up ${only[i]}: ${members} member(s), handler ${handlerMs} ms: ${Math.round(warmup / seconds)} acked records/s, untimed (load ${loadavg()[0]!.toFixed(1)})\n`,
          );
        }
  // Systems take turns cell by cell (and round by round), so a burst of load on the machine hits all of them.
  for (let round = 0; round < rounds; round++) {
    for (const handlerMs of HANDLER_MS) {
      for (const members of MEMBERS) {
        for (const [i, system] of systems.entries()) {
          const n = handlerMs === 0 ? records : slowRecords;
          const queue = `bench-${members}-${handlerMs}-r${round}`;
          await system.load(queue, n, SIZE);
          const options: WorkloadOptions = {
            records: n,
            size: SIZE,
            members,
            maxInFlight,
            handlerMs,
            timeoutMs: 300_000,
          };
          const seconds = await system.consume(queue, options);
          const cell = `${members}/${handlerMs}`;
          const rates = results[i]!.rates;
          rates.set(cell, [...(rates.get(cell) ?? []), n / seconds]);
          process.stderr.write(
            `round ${round + 1} ${only[i]}: ${members} member(s), handler ${handlerMs} ms: ${Math.round(n / seconds)} acked records/s (load ${loadavg()[0]!.toFixed(1)})\n`,
          );
        }
      }
    }
  }
  for (let run = 0; run < REDELIVERY_RUNS; run++)
    for (const [i, system] of systems.entries())
      results[i]!.redeliveryMs.push(await system.redelivery(`redeliver-${run}`, LOCK_MS));
  for (const [i, r] of results.entries())
    process.stderr.write(`${only[i]}: redelivery ${r.redeliveryMs.map((x) => x.toFixed(0)).join(', ')} ms\n`);
} finally {
  for (const system of systems) await system.stop().catch(() => undefined);
}

const command = `node --import tsx bench/queues/run.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
const rows: Array<Array<string | number>> = [];
for (const handlerMs of HANDLER_MS)
  for (const members of MEMBERS)
    rows.push([
      handlerMs === 0 ? 'at once' : `${handlerMs} ms`,
      members,
      ...results.map((r) => {
        const rates = r.rates.get(`${members}/${handlerMs}`) ?? [];
        const cell = Math.round(median(rates)).toLocaleString('en-US');
        return rates.length > 1 ? `${cell} (${rates.map((x) => Math.round(x)).join(', ')})` : cell;
      }),
    ]);
rows.push([
  'redelivery after lock expiry, ms (median of 5)',
  '',
  ...results.map((r) => `${median(r.redeliveryMs).toFixed(0)} (${r.redeliveryMs.map((x) => x.toFixed(0)).join(', ')})`),
]);
const body = [
  `${today()}, ${describeMachine()}, commit ${describeCommit()}, load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end (other engineers' builds and tests). Command: \`${command}\`.`,
  `${warmup > 0 ? `Warm: before the timed rounds every system ran one untimed round of the same cells with ${warmup.toLocaleString('en-US')} records each. ` : "Cold: no warm-up round (the first round includes each system's start-up: a JIT compiling, heaps growing). "}Each cell: acknowledged records/s${rounds > 1 ? `, median of ${rounds} rounds (each round's figure in brackets; the systems take turns cell by cell)` : ''}, ${records.toLocaleString('en-US')} records of ${SIZE} B (${slowRecords.toLocaleString('en-US')} with the 5 ms handler) pre-loaded with publisher confirms, then N members in the bench process, each on its own connection with maxInFlight ${maxInFlight}; timed from the first member starting until the server has every ack. Redelivery: one record held by a member that never acks it, lock ${LOCK_MS} ms; the figure is how long after the record became free again another member had it (RabbitMQ has no per-message lock: there, from the holder's channel closing).`,
  '',
  table(['handler', 'members', ...results.map((r) => r.name)], rows),
  '',
  ...results.map((r) => `- ${r.name}: ${r.durability}.`),
].join('\n');
process.stdout.write(`${body}\n`);
if (write) writeResultsSection('Queues: acknowledged records/s and redelivery (bench/queues)', body);
