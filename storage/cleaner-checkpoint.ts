// What the cleaner remembers of one partition: `cleaner.checkpoint` in the partition directory, JSON written
// atomically: {"version":1,"firstDirtyOffset":N,"runs":[[upTo,atMs],...]}.
//   firstDirtyOffset  every offset below it has been cleaned (Kafka's cleaner-offset-checkpoint)
//   runs              for recent cleanings, that every record below `upTo` had been through a cleaning at
//                     clock time `atMs`. A tombstone below the largest `upTo` of a run at least
//                     delete.retention.ms old has been kept that long after its first cleaning, and may go.
// A missing or unreadable file means nothing was cleaned yet: cleaning starts again from the log start.
import { join } from 'node:path';
import type { StorageFs } from './fs.js';
import { readJsonFile, writeFileAtomic } from './atomic.js';

export const CLEANER_CHECKPOINT_FILE = 'cleaner.checkpoint';
/** Runs remembered at most; older ones merge (the newer time kept: tombstones are never dropped early). */
const MAX_RUNS = 64;

export interface CleanerCheckpoint {
  firstDirtyOffset: number;
  runs: Array<[upTo: number, atMs: number]>;
}

const isPair = (r: unknown): r is [number, number] =>
  Array.isArray(r) && r.length === 2 && r.every((n) => Number.isSafeInteger(n) && n >= 0);

export async function readCleanerCheckpoint(fs: StorageFs, dir: string): Promise<CleanerCheckpoint> {
  const empty: CleanerCheckpoint = { firstDirtyOffset: 0, runs: [] };
  const doc = await readJsonFile<{ version?: unknown; firstDirtyOffset?: unknown; runs?: unknown }>(
    fs,
    join(dir, CLEANER_CHECKPOINT_FILE),
  ).catch(() => undefined);
  if (doc?.version !== 1 || !Number.isSafeInteger(doc.firstDirtyOffset) || !Array.isArray(doc.runs)) return empty;
  if (!doc.runs.every(isPair)) return empty;
  return { firstDirtyOffset: doc.firstDirtyOffset as number, runs: doc.runs as Array<[number, number]> };
}

export async function writeCleanerCheckpoint(fs: StorageFs, dir: string, cp: CleanerCheckpoint): Promise<void> {
  const body = { version: 1, firstDirtyOffset: cp.firstDirtyOffset, runs: cp.runs };
  await writeFileAtomic(fs, join(dir, CLEANER_CHECKPOINT_FILE), `${JSON.stringify(body)}\n`);
}

/** Tombstones below this offset have been through a cleaning at least `deleteRetentionMs` before `now`. */
export function tombstoneHorizon(cp: CleanerCheckpoint, now: number, deleteRetentionMs: number): number {
  let horizon = 0;
  for (const [upTo, at] of cp.runs) if (now - at >= deleteRetentionMs && upTo > horizon) horizon = upTo;
  return horizon;
}

/** The checkpoint after a cleaning that went through every offset below `upTo` at `now`. */
export function afterRun(
  cp: CleanerCheckpoint,
  upTo: number,
  now: number,
  deleteRetentionMs: number,
): CleanerCheckpoint {
  const horizon = tombstoneHorizon(cp, now, deleteRetentionMs);
  // Runs past the retention collapse into one (the horizon); recent ones are kept as they are.
  const recent = cp.runs.filter(([, at]) => now - at < deleteRetentionMs);
  const runs: Array<[number, number]> = horizon > 0 ? [[horizon, 0]] : [];
  runs.push(...recent, [upTo, now]);
  const first = horizon > 0 ? 1 : 0;
  while (runs.length > MAX_RUNS) {
    // Merge the two oldest recent runs at the later one's time: their records count as cleaned later.
    const [a, b] = [runs[first]!, runs[first + 1]!];
    runs.splice(first, 2, [Math.max(a[0], b[0]), Math.max(a[1], b[1])]);
  }
  return { firstDirtyOffset: Math.max(cp.firstDirtyOffset, upTo), runs };
}
