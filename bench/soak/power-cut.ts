// Long power-cut soak: `node --import tsx bench/soak/power-cut.ts --rounds 200 [--seed n]`.
// Same rounds as test/reliability/power-cut.test.ts (an in-process broker on a simulated disk that loses,
// tears or — for a process crash — keeps what was not fsynced; the cut lands at a random file operation),
// many more of them, with flush always/os/interval rotating. Exits 1 on the first problem, printing the
// seed that replays it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { powerCutRounds } from '../../test/reliability/lib/power-cut.js';
import { rng } from '../../test/reliability/lib/rng.js';
import { soakArgs } from './args.js';

const args = soakArgs({ rounds: 200 });
const random = rng(args.seed);
const root = await mkdtemp(join(tmpdir(), 'sluice-soak-power-cut-'));
console.log(`power-cut soak: ${args.rounds} rounds, seed ${random.seed}`);
const started = Date.now();
const result = await powerCutRounds({
  root,
  rounds: args.rounds,
  rng: random,
  flush: ['always', 'os', '20', 'always', 'os'],
  loadMs: [100, 600],
  plainProducers: 3,
  idempotentProducers: 2,
  log: (line) => console.log(line),
});
const problems = [
  ...result.reports.flatMap((r) => r.problems.map((p) => `round ${r.round}: ${p}`)),
  ...result.finalProblems,
];
const phases = new Map<string, number>();
for (const r of result.reports) phases.set(r.phase, (phases.get(r.phase) ?? 0) + 1);
console.log(
  `${result.reports.length} rounds in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
    `${result.totalAcked} acknowledged records, ` +
    `${result.reports.reduce((n, r) => n + r.operations, 0)} file operations; cuts ${JSON.stringify(Object.fromEntries(phases))}; ` +
    `${problems.length} problems`,
);
for (const p of problems) console.log(`PROBLEM: ${p}`);
if (problems.length > 0)
  console.log(`replay: node --import tsx bench/soak/power-cut.ts --rounds ${args.rounds} --seed ${random.seed}`);
await rm(root, { recursive: true, force: true });
process.exit(problems.length === 0 ? 0 : 1);
