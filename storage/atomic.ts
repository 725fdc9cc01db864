// Atomic metadata files: write a temp file, fsync it, rename over the target, fsync the directory.
// A reader (after any crash) sees either the old complete file or the new complete file.
import { basename, dirname } from 'node:path';
import type { StorageFs } from './fs.js';
import { StorageError, StorageIOError } from './errors.js';

/** Suffix of temp files; leftovers from a crash are deleted when a partition opens. */
export const TEMP_SUFFIX = '.tmp';

export async function writeFileAtomic(fs: StorageFs, path: string, data: Buffer | string): Promise<void> {
  const tmp = `${path}${TEMP_SUFFIX}`;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    const fh = await fs.open(tmp, 'w+');
    try {
      await fh.write(bytes, 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, path);
    await fs.syncDir(dirname(path));
  } catch (err) {
    await fs.unlink(tmp).catch(() => {});
    throw new StorageIOError(`cannot write ${path} atomically`, err);
  }
}

/** A file's bytes; undefined when it does not exist (other read errors are thrown as they are). */
export async function readFileIfExists(fs: StorageFs, path: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Removes a file; no error when it does not exist (other errors are thrown as they are). */
export async function unlinkIfPresent(fs: StorageFs, path: string): Promise<void> {
  await fs.unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** Parses a JSON file; undefined when it does not exist; a StorageError naming the file when garbled. */
export async function readJsonFile<T>(fs: StorageFs, path: string): Promise<T | undefined> {
  let bytes: Buffer | undefined;
  try {
    bytes = await readFileIfExists(fs, path);
  } catch (err) {
    throw new StorageIOError(`cannot read ${path}`, err);
  }
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (err) {
    throw new StorageError(`metadata file ${path} (${basename(path)}) is not valid JSON: ${(err as Error).message}`, {
      code: 'CORRUPT_METADATA',
      cause: err,
    });
  }
}
