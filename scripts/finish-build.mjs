// The build's last steps, after tsc has written dist/ (see package.json's "build"):
// 1. bundles the `sluice` command (dist/cli/main.js and everything of ours it imports) into dist/bin/ with
//    esbuild, one file per entry plus shared chunks (.mjs), dependencies left to node_modules. Node then
//    loads a handful of files at start instead of some 600 modules: that is most of `sluice serve`'s start-up
//    before it opens a partition, and of every other command's. The command itself, dist/bin/sluice.js, is
//    cli/launcher.cjs (CommonJS: dist/bin/package.json says so), which sizes libuv's thread pool before it
//    imports main.mjs.
// 2. copies the web console's static files beside both builds that may serve them (src/http/console-dir.ts).
// 3. makes both binaries executable and writes dist/cjs/package.json last: test/setup/fresh-dist.ts takes
//    that file's time as the end of the last complete build.
import { chmodSync, cpSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bin', { recursive: true, force: true });
await build({
  entryPoints: { main: 'dist/cli/main.js' },
  outdir: 'dist/bin',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
writeFileSync('dist/bin/package.json', JSON.stringify({ type: 'commonjs' }));
cpSync('cli/launcher.cjs', 'dist/bin/sluice.js');
for (const to of ['dist/src/http/console', 'dist/bin/console']) cpSync('src/http/console', to, { recursive: true });
chmodSync('dist/bin/sluice.js', 0o755);
chmodSync('dist/cli/main.js', 0o755);
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }));
