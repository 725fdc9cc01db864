// The whole bench suite in order (`npm run bench`, or `npm run bench -- --short` for a quick check):
// record codec, storage engine, end to end (with loopback limit and peers), the end-to-end matrix
// (sizes, rates, producers, partitions), consumer groups, the scale points (10,000 partitions, idle
// connections, slow consumer, recovery time against log size) and the SVG charts drawn from RESULTS.md. Each suite is its own process; `--write`
// makes each replace its section of bench/RESULTS.md. Builds the broker binary first.
//   node --import tsx bench/run.ts [--short] [--write] [--only e2e,matrix,replay-large,scale,connections,slow-consumer,recovery,charts]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const pass = args.filter((a) => a === '--short' || a === '--write');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set(args[onlyAt + 1]!.split(',')) : null;
const suites = [
  'records',
  'storage',
  'e2e',
  'matrix',
  'replay-large',
  'groups',
  'scale',
  'connections',
  'slow-consumer',
  'recovery',
  'charts',
].filter((s) => !only || only.has(s));

const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.stderr.write('tsc reported errors (the binary is emitted anyway); continuing\n');
spawnSync('chmod', ['+x', join(root, 'dist', 'bin', 'sluice.js')]);

// The bench process is the client application (it replays gigabytes): it runs with the flag the README
// recommends for such applications, as `sluice serve` does for the broker (bench/lib/broker-process.ts).
const CLIENT_NODE_FLAGS = ['--initial-old-space-size=128'];
let failed = 0;
for (const suite of suites) {
  process.stdout.write(`\n=== bench/${suite}.ts ${pass.join(' ')}\n`);
  const started = performance.now();
  const res = spawnSync(
    process.execPath,
    [...CLIENT_NODE_FLAGS, '--import', 'tsx', join(root, 'bench', `${suite}.ts`), ...pass],
    { cwd: root, stdio: 'inherit' },
  );
  process.stdout.write(
    `=== ${suite}: exit ${res.status} after ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
  if (res.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
