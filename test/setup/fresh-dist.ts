// vitest globalSetup: dist/ is never older than the sources it is built from.
//
// The CLI tests run the `sluice` binary (dist/bin/sluice.js) as a child process, and the package tests load
// dist/ the way users do (package.json's exports). `npm test` builds first; `npx vitest run test/cli/...`
// right after editing a source would otherwise test the last build. So before any test file runs, this
// compares the newest source (src/, storage/, cli/, scripts/, package.json, tsconfig*.json) with the last build's
// final write (dist/cjs/package.json) and, when a source is newer or dist/ is missing, runs `npm run build`
// once. After `npm test`'s own build the check is a few hundred stat calls.
//
// Why not run cli/main.ts through tsx instead: tsx compiles on every start, which made each spawn about
// three times slower than the built binary (9 s against 3 s on the busy 2-core machine), and the CLI tests
// spawn hundreds of processes; the package tests need dist/ in any case.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const SOURCE_DIRS = ['src', 'storage', 'cli', 'scripts'];
const SOURCE_FILES = ['package.json', 'tsconfig.json', 'tsconfig.build.json'];
/** The build script's last write: its time is when the last complete build finished. */
const BUILD_DONE = join(root, 'dist', 'cjs', 'package.json');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted or renamed file changes its folder's time
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function lastBuild(): number {
  try {
    return statSync(BUILD_DONE).mtimeMs;
  } catch {
    return 0;
  }
}

export default function setup(): void {
  const sources = [...SOURCE_DIRS, ...SOURCE_FILES].map((p) => newestMtime(join(root, p)));
  if (Math.max(...sources) <= lastBuild()) return;
  console.log('dist/ is older than the sources: npm run build');
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
}
