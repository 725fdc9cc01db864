// The CommonJS build for `require('sluice')` (package.json's "require" exports), after tsc has written the
// ES module build and its declarations (see package.json's "build").
//
// Each source file of src/ (the HTTP door excepted: it is ESM only) and storage/ is transpiled on its own by
// esbuild to dist/cjs/<same path>.js; imports keep their `./x.js` specifiers, which resolve to the sibling
// CommonJS files. The declarations are tsc's from the ES build, copied beside them: they are the same text
// either way. tsc type-checks once, in the ES build; a second tsc pass for CommonJS cost as much again.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOTS = ['src', 'storage'];
const EXCLUDED = new Set([join('src', 'http')]);

function sources(dir, found = []) {
  if (EXCLUDED.has(dir)) return found;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) sources(path, found);
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

const entryPoints = ROOTS.flatMap((root) => sources(root));
await build({
  entryPoints,
  outdir: 'dist/cjs',
  outbase: '.',
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});

for (const source of entryPoints) {
  const declaration = source.replace(/\.ts$/, '.d.ts');
  cpSync(join('dist', declaration), join('dist', 'cjs', declaration));
}
