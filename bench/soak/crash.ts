// Long crash soak: `node --import tsx bench/soak/crash.ts --rounds 50 [--seed n]`.
// Same rounds as test/reliability/crash.test.ts (SIGKILL of sluice serve under acks=-1 load, flush
// always/os/interval rotating), many more of them. Exits 1 on the first problem. Build first (npm run build).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crashRounds } from '../../test/reliability/lib/crash.js';
import { rng } from '../../test/reliability/lib/rng.js';
import { soakArgs } from './args.js';

const args = soakArgs({ rounds: 50 });
const random = rng(args.seed);
const dataDir = await mkdtemp(join(tmpdir(), 'sluice-soak-crash-'));
console.log(`crash soak: ${args.rounds} rounds, seed ${random.seed}, data ${dataDir}`);
const started = Date.now();
const result = await crashRounds({
  dataDir,
  rounds: args.rounds,
  rng: random,
  flush: ['always', 'os', '50', 'always', '10', 'os'],
  producers: 6,
  partitions: 3,
  killAfterMs: [20, 1500],
  log: (line) => console.log(line),
});
const problems = [...result.reports.flatMap((r) => r.problems), ...result.finalProblems];
const torn = result.reports.reduce((n, r) => n + r.tornTails, 0);
console.log(
  `${result.reports.length} rounds in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.totalAcked} acknowledged records, ${torn} torn tails seen, ${problems.length} problems`,
);
for (const p of problems) console.log(`PROBLEM: ${p}`);
if (problems.length === 0) await rm(dataDir, { recursive: true, force: true });
process.exit(problems.length === 0 ? 0 : 1);
