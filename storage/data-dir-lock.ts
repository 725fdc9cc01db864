// An exclusive lock on a data directory, held until released or until the process ends in any way.
//
// Why flock(2), taken through util-linux's flock(1): Node cannot call flock(2) or fcntl(2) itself. The
// alternative, a lock file created with O_EXCL holding the owner's pid and start time, needs stale-lock
// detection after a crash, and that cannot be made safe: two starters judging the same stale file can
// both break it (there is no compare-and-swap on a path), and liveness is judged by pid, which is wrong
// across pid namespaces — containers sharing a volume cannot see each other's pids (a live owner looks
// dead), and a restarted container always has a new namespace. A flock(2) lock belongs to the kernel: it is
// released when the last descriptor of its open file description closes — on exit, crash or SIGKILL — and
// it conflicts between any two processes that open the same file, whatever their namespaces. flock(1) can
// lock a descriptor it inherits (`flock -n 3`) and exit: the lock belongs to the open file description, which
// this process keeps open, so the lock is ours until we close the file or die. Nothing is ever stale.
//
// The file's contents (pid, start time, command line) are only what the next starter prints when it is
// refused. The file is never deleted: unlinking a lock file lets a third process lock a new inode while a
// second one still holds the old. Where flock(1) is missing (it is part of util-linux, essential on Debian;
// macOS lacks it) or the file system refuses locks, the directory is used unlocked with a warning.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError, StorageIOError } from './errors.js';
import type { Logger } from './types.js';
import { noopLogger } from './types.js';

export const LOCK_FILE = '.lock';

/** flock(1)'s exit code when the lock is held elsewhere (`-E`), distinct from its own errors (1, 64+). */
const CONFLICT_EXIT = 75;
const MAX_COMMAND_CHARS = 300;

export class DataDirLockedError extends StorageError {
  override name = 'DataDirLockedError';
  constructor(message: string) {
    super(message, { code: 'DATA_DIR_LOCKED' });
  }
}

export interface DataDirLock {
  readonly path: string;
  /** False when the lock could not be taken (no flock(1), or locks unsupported) and the directory is used anyway. */
  readonly held: boolean;
  /** Releases the lock (closes the file). Idempotent. */
  release(): Promise<void>;
}

interface Owner {
  pid?: unknown;
  startedAt?: unknown;
  argv?: unknown;
}

/** Runs `flock -xn -E 75 3` on the open file; resolves with its exit code, or the spawn error's code. */
function flockDescriptor(fd: number): Promise<{ exit: number | null; spawnError?: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('flock', ['-x', '-n', '-E', String(CONFLICT_EXIT), '3'], {
      stdio: ['ignore', 'ignore', 'pipe', fd],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ exit: null, spawnError: err.code ?? err.message, stderr }),
    );
    child.on('close', (exit) => resolve({ exit, stderr }));
  });
}

function describeOwner(text: string): string {
  let owner: Owner;
  try {
    owner = JSON.parse(text) as Owner;
  } catch {
    return 'another process (its lock file names no owner yet)';
  }
  const parts: string[] = [];
  if (typeof owner.pid === 'number') parts.push(`pid ${owner.pid}`);
  if (typeof owner.startedAt === 'string') parts.push(`started ${owner.startedAt}`);
  if (Array.isArray(owner.argv) && owner.argv.every((a) => typeof a === 'string')) {
    const command = owner.argv.join(' ');
    parts.push(`as \`${command.length > MAX_COMMAND_CHARS ? `${command.slice(0, MAX_COMMAND_CHARS)}…` : command}\``);
  }
  return parts.length > 0 ? `another process (${parts.join(', ')})` : 'another process';
}

/**
 * Takes the exclusive lock of `dir` (which must exist). Throws DataDirLockedError with one sentence naming
 * the holder when another process (or another open in this one) has it.
 */
export async function lockDataDir(dir: string, logger: Logger = noopLogger): Promise<DataDirLock> {
  const path = join(dir, LOCK_FILE);
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  } catch (err) {
    throw new StorageIOError(`cannot open the lock file ${path}`, err);
  }
  const unlocked = (reason: string): DataDirLock => {
    logger.warn(
      { file: path, reason },
      `cannot lock the data directory (${reason}); make sure no other broker uses ${dir}`,
    );
    return { path, held: false, release: () => fh.close().catch(() => {}) };
  };
  const { exit, spawnError, stderr } = await flockDescriptor(fh.fd);
  if (spawnError !== undefined) return unlocked(spawnError === 'ENOENT' ? 'flock(1) is not installed' : spawnError);
  if (exit === CONFLICT_EXIT) {
    const text = (await fh.readFile('utf8').catch(() => '')).trim();
    await fh.close().catch(() => {});
    throw new DataDirLockedError(
      `data directory ${dir} is in use by ${describeOwner(text)}: two brokers on one directory destroy its data; stop the other one first, or use another data directory`,
    );
  }
  if (exit !== 0) return unlocked(`flock(1) exited ${exit}: ${stderr.trim()}`);
  const owner = JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), argv: process.argv });
  try {
    // Best effort (a full disk may refuse the bytes): the lock is held either way.
    await fh.truncate(0);
    await fh.write(`${owner}\n`, 0, 'utf8');
  } catch (err) {
    logger.warn({ err, file: path }, 'cannot record the owner in the data directory lock file');
  }
  let released: Promise<void> | undefined;
  return {
    path,
    held: true,
    release: () => (released ??= fh.close().catch(() => {})),
  };
}
