// The SDK a client-side bench drives: the built one (dist/, as an application runs it; `npm run build`
// first) by default. SLUICE_BENCH_SDK=src runs the sources through tsx instead, where every function the
// SDK creates per record or per message also pays esbuild's keepNames wrapper (`__name`, an
// Object.defineProperty each), which an application never runs. SLUICE_BENCH_SDK=<dir> runs the build of
// another checkout (before/after pairs of an SDK change against one broker build).
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as SluiceSdk from '../../src/client/index.js';

/** Which SDK this process's benches run: 'dist' (default), 'src', or another checkout's root (its dist/). */
const choice = process.env.SLUICE_BENCH_SDK ?? 'dist';
export const SDK_SOURCE = choice === 'src' || choice === 'dist' ? choice : resolve(choice);

export const SDK_PATH =
  SDK_SOURCE === 'src'
    ? join(import.meta.dirname, '../../src/client/index.ts')
    : join(SDK_SOURCE === 'dist' ? join(import.meta.dirname, '../..') : SDK_SOURCE, 'dist/src/client/index.js');

/** The SDK's client entry (src/client/index.ts), from dist/ or src/ per SLUICE_BENCH_SDK. */
export const sdk = (await import(pathToFileURL(SDK_PATH).href)) as typeof SluiceSdk;

/** The newest modification time (ms) of the .ts files under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts'))
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

// A bench of a source change must not measure the build from before it.
if (SDK_SOURCE === 'dist' && newestSource(join(import.meta.dirname, '../../src')) > statSync(SDK_PATH).mtimeMs) {
  process.stderr.write(`bench/lib/sdk.ts: src/ is newer than ${SDK_PATH}; run \`npm run build\` to bench the change\n`);
}
