// The cleaner's swap: cleaned segments replace the segments they were made from, so that a crash (process
// or power) at any point leaves either the old segments or the cleaned one, never both, never neither.
//
// Files, in a partition directory (<base> = the 20-digit base offset of the first replaced segment, which
// the cleaned segment keeps):
//   <base>.log.cleaned   the cleaned segment being written; fsynced before the commit
//   <base>.swap          the commit record, JSON {"version":1,"replaces":[<base of each other replaced segment>]},
//                        written atomically (temp, fsync, rename, directory fsync: the .cleaned name is
//                        durable with it)
//
// Protocol (commitSwap, run in the partition's serial queue):
//   1. write <base>.swap                      — the commit point
//   2. unlink <base>.index, <base>.timeindex  (the cleaned segment's indexes are written after the swap)
//   3. rename <base>.log.cleaned → <base>.log (replaces the first old segment in one step)
//   4. unlink the other replaced segments' .log/.index/.timeindex/.txnindex (their aborted transactions were
//      merged into <base>.txnindex before step 1: txn-index.ts)
//   5. fsync the directory, unlink <base>.swap, fsync the directory
// Recovery (finishSwaps, before a partition lists its segments): a <base>.swap found means the swap was
// committed: steps 2-5 are redone (each is idempotent: a .cleaned already renamed is simply absent). Then every
// *.cleaned left without a commit record is an unfinished cleaning and is deleted: the old segments stand.
import { join } from 'node:path';
import type { StorageFs } from './fs.js';
import { INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX, segmentFileName } from './segment.js';
import { readJsonFile, unlinkIfPresent, writeFileAtomic } from './atomic.js';
import type { Logger } from './types.js';

export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';
const SWAP_FILE = /^(\d{20})\.swap$/;

export function cleanedLogPath(dir: string, baseOffset: number): string {
  return join(dir, segmentFileName(baseOffset, LOG_SUFFIX) + CLEANED_SUFFIX);
}

function swapPath(dir: string, baseOffset: number): string {
  return join(dir, segmentFileName(baseOffset, SWAP_SUFFIX));
}

/** Step 1: the commit point. After it, the swap completes, now or at the next open. */
export async function writeSwapRecord(
  fs: StorageFs,
  dir: string,
  baseOffset: number,
  replaces: number[],
): Promise<void> {
  await writeFileAtomic(fs, swapPath(dir, baseOffset), `${JSON.stringify({ version: 1, replaces })}\n`);
}

/**
 * Steps 2-5. The caller has made the old segments' readers keep their descriptors (their files are
 * renamed over or unlinked here) and the cleaned file durable.
 */
export async function completeSwap(fs: StorageFs, dir: string, baseOffset: number, replaces: number[]): Promise<void> {
  const cleaned = cleanedLogPath(dir, baseOffset);
  if ((await fs.stat(cleaned)) !== undefined) {
    await unlinkIfPresent(fs, join(dir, segmentFileName(baseOffset, INDEX_SUFFIX)));
    await unlinkIfPresent(fs, join(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX)));
    await fs.rename(cleaned, join(dir, segmentFileName(baseOffset, LOG_SUFFIX)));
  }
  for (const base of replaces) {
    if (base === baseOffset) continue;
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX])
      await unlinkIfPresent(fs, join(dir, segmentFileName(base, suffix)));
  }
  await fs.syncDir(dir);
  await unlinkIfPresent(fs, swapPath(dir, baseOffset));
  await fs.syncDir(dir);
}

/** Recovery: finishes committed swaps and deletes uncommitted cleaned files. Returns what it did. */
export async function finishSwaps(
  fs: StorageFs,
  dir: string,
  names: readonly string[],
  logger: Logger,
): Promise<{ finished: number; discarded: number }> {
  let finished = 0;
  for (const name of names) {
    const m = SWAP_FILE.exec(name);
    if (!m) continue;
    const base = Number(m[1]);
    const record = await readJsonFile<{ replaces?: unknown }>(fs, join(dir, name)).catch(() => undefined);
    const replaces = Array.isArray(record?.replaces)
      ? record.replaces.filter((b): b is number => Number.isSafeInteger(b) && b > base)
      : undefined;
    if (!replaces) {
      // Written atomically, so never torn: only a hand-edited file gets here. Nothing is deleted on its word.
      logger.error({ file: join(dir, name) }, 'cleaner swap record is unreadable; leaving the segments as they are');
      continue;
    }
    await completeSwap(fs, dir, base, replaces);
    finished++;
    logger.warn(
      { dir, baseOffset: base, replaced: replaces.length + 1 },
      'finished a cleaner swap interrupted by a crash',
    );
  }
  let discarded = 0;
  const left = finished > 0 ? await fs.readdir(dir) : names;
  for (const name of left) {
    if (!name.endsWith(CLEANED_SUFFIX)) continue;
    const base = Number(name.slice(0, 20));
    if (left.includes(segmentFileName(base, SWAP_SUFFIX))) continue; // an unreadable record: keep its evidence
    await unlinkIfPresent(fs, join(dir, name));
    discarded++;
  }
  if (discarded > 0) logger.info({ dir, discarded }, 'deleted unfinished cleaner output');
  return { finished, discarded };
}
