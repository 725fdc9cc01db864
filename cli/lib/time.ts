// Points in time and durations as people type them: ISO 8601 times, and durations such as 15m, 2h,
// 3d or 1h30m meaning "that long ago".
import { InvalidArgumentError } from 'commander';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|sec|min|s|m|h|d|w))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|sec|min|s|m|h|d|w)/g;
// 2024-05-01, 2024-05-01T12:00, 2024-05-01 12:00:00.123, with an optional Z or ±hh:mm offset.
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Milliseconds in a duration like 15m, 2h, 1h30m, 500ms; undefined when `text` is not one. */
export function durationMs(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (!DURATION.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(DURATION_PART)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Math.round(total);
}

/** Epoch ms of an ISO 8601 time; undefined when `text` is not one. */
export function isoMs(text: string): number | undefined {
  const t = text.trim();
  if (!ISO.test(t)) return undefined;
  const ms = Date.parse(t.replace(' ', 'T'));
  return Number.isFinite(ms) ? ms : undefined;
}

export const TIME_HELP = 'an ISO 8601 time (2024-05-01T12:00:00Z) or a duration ago (30s, 15m, 2h, 3d)';

/** A point in time: an ISO time, `now`, or a duration meaning that long before `now`. */
export function parseTimeSpec(text: string, now: number = Date.now()): number {
  if (text.trim().toLowerCase() === 'now') return now;
  const ago = durationMs(text);
  if (ago !== undefined) return now - ago;
  const at = isoMs(text);
  if (at !== undefined) return at;
  throw new InvalidArgumentError(`'${text}' is not a time: expected ${TIME_HELP}.`);
}

/** A duration flag (10s, 500ms, 2m, 1h30m) in ms, at most `max` (e.g. `{ ms: …, text: '90d' }`); a bare number is refused (which unit?). */
export function parseDuration(what: string, max: { ms: number; text: string }) {
  return (raw: string): number => {
    const ms = durationMs(raw);
    if (ms === undefined)
      throw new InvalidArgumentError(`${what} must be a duration with a unit, like 500ms, 10s, 2m, 1h30m or 3d.`);
    if (ms > max.ms) throw new InvalidArgumentError(`${what} must be at most ${max.text}.`);
    return ms;
  };
}

/** Commander parser for time flags; the clock is read when the flag is parsed. */
export function timeOption(text: string): number {
  return parseTimeSpec(text);
}

export type Position = { kind: 'offset'; offset: number } | { kind: 'time'; timestamp: number };

/** `--from/--to` of replay: a whole number is an offset, anything else a time. */
export function parsePosition(text: string, now: number = Date.now()): Position {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const offset = Number(t);
    if (!Number.isSafeInteger(offset)) throw new InvalidArgumentError(`offset ${t} is too large.`);
    return { kind: 'offset', offset };
  }
  try {
    return { kind: 'time', timestamp: parseTimeSpec(t, now) };
  } catch {
    throw new InvalidArgumentError(
      `'${text}' is neither an offset nor a time: expected a whole number or ${TIME_HELP}.`,
    );
  }
}

export function positionOption(text: string): Position {
  return parsePosition(text);
}

/** 1.2s, 850ms, 3m05s: short and readable. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m}m${String(s).padStart(2, '0')}s`;
}

export function isoTime(ms: number): string {
  return Number.isFinite(ms) && ms >= 0 && ms < 8.64e15 ? new Date(ms).toISOString() : String(ms);
}
