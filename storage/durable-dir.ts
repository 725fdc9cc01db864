// Directories that survive a power cut. A directory made by mkdir is, like any new name, durable only
// once the directory holding it has been fsynced (fsync(2): "an explicit fsync() on a file descriptor
// for the directory is also needed"); until then a power cut can take it away with everything written
// inside it, fsynced or not. Kafka fsyncs the parent of every log directory it creates, for this reason.
import { dirname, resolve } from 'node:path';
import type { StorageFs } from './fs.js';

/**
 * mkdir -p, then fsyncs the parent of every directory it had to create (deepest first), so the whole
 * path is durable when this resolves. A directory that already existed costs one stat and no fsync.
 */
export async function mkdirDurable(fs: StorageFs, path: string): Promise<void> {
  const created: string[] = [];
  for (let dir = resolve(path); !(await fs.stat(dir)); dir = dirname(dir)) {
    created.push(dir);
    if (dirname(dir) === dir) break;
  }
  if (created.length === 0) return;
  await fs.mkdir(path);
  for (const dir of created) await fs.syncDir(dirname(dir));
}
