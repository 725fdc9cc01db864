// How many segment files the LogManager may keep open: half of the process's descriptor limit, the rest
// left to sockets (one per client connection), the files briefly opened to write checkpoints and indexes,
// and what Node itself holds. The limit is read from /proc/self/limits (Linux; Node raises the soft limit
// to the hard one at start, so this is the limit that applies); elsewhere a conservative guess is used.
import { readFileSync } from 'node:fs';

/** Used when the limit cannot be read (not Linux). macOS's default soft limit is 256; Node raises it. */
const UNKNOWN_LIMIT_BUDGET = 512;
const MIN_BUDGET = 16;
/** With no descriptor limit: a budget no data directory reaches. */
const UNLIMITED_BUDGET = 1_000_000;

/** The soft "Max open files" limit of this process, or undefined when it cannot be read. */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  if (!match) return undefined;
  return match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
}

/** The open segment file budget for a descriptor limit. */
export function segmentFileBudget(limit: number | undefined): number {
  if (limit === undefined) return UNKNOWN_LIMIT_BUDGET;
  if (limit === Number.POSITIVE_INFINITY) return UNLIMITED_BUDGET;
  return Math.max(MIN_BUDGET, Math.floor(limit / 2));
}
