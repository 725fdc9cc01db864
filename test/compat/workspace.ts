// A throwaway project that depends on the built package the way a user's does (node_modules/sluice →
// this checkout), so fixtures import 'sluice' and resolve its `exports` like any dependency.
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../helpers/temp-dir.js';

export const root = resolve(import.meta.dirname, '..', '..');
export const fixtures = join(root, 'test', 'fixtures', 'compat');

/** `dependencies`: packages of this checkout's node_modules the user's project also depends on. */
export async function userProject(
  files: string[],
  type: 'module' | 'commonjs' = 'module',
  dependencies: string[] = [],
): Promise<string> {
  const dir = await tempDir('sluice-user-');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'sluice'), 'dir');
  for (const name of dependencies)
    symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  for (const file of files) copyFileSync(join(fixtures, file), join(dir, file));
  return dir;
}
