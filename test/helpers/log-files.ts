// The bytes of a partition directory's segment files, read while the broker may be deleting them (the log
// cleaner, retention, a replica dropping its stale copy): a file gone between the listing and its stat
// counts 0, and so does a directory that is gone.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** The sum of the sizes of the `.log` files in `dir` (0 when it does not exist). */
export async function logFileBytes(dir: string): Promise<number> {
  const names = await readdir(dir).catch((error: unknown) => {
    if (missing(error)) return [] as string[];
    throw error;
  });
  let bytes = 0;
  for (const name of names) {
    if (!name.endsWith('.log')) continue;
    bytes += await stat(join(dir, name)).then(
      (s) => s.size,
      (error: unknown) => {
        if (missing(error)) return 0;
        throw error;
      },
    );
  }
  return bytes;
}
