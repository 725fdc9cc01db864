// What the CLI tells a person while it waits. The SDK logs its warnings (a fetch that cannot reach the
// broker, a group it cannot join yet, records it cannot decode); without --debug the CLI turns each kind into
// one sentence on stderr: at once the first time, then at most once per interval with how often it happened
// meanwhile, so a command that keeps retrying is never silent and never floods the terminal.
import type { LogEntry } from '../../src/client/index.js';

export const NOTICE_INTERVAL_MS = 15_000;

/** SDK messages the commands report themselves (in their summary or as the error they exit with). */
const REPORTED_ELSEWHERE = new Set(['produce failed', 'cannot get a new producer id']);

interface Seen {
  lastShown: number;
  since: number;
}

export class Notices {
  readonly #seen = new Map<string, Seen>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly intervalMs = NOTICE_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Shows `text` now if `key` was not shown within the interval; otherwise counts it for the next showing. */
  report(key: string, text: string): void {
    const now = this.now();
    const seen = this.#seen.get(key);
    if (!seen) {
      this.#seen.set(key, { lastShown: now, since: 0 });
      this.write(text);
      return;
    }
    seen.since++;
    if (now - seen.lastShown < this.intervalMs) return;
    const times = seen.since === 1 ? 'once more' : `${seen.since} times`;
    this.write(`${text} (${times} in the last ${Math.round((now - seen.lastShown) / 1000)} s)`);
    seen.lastShown = now;
    seen.since = 0;
  }

  /** The SDK log sink: warnings and errors become notices. */
  sdkEntry(entry: LogEntry): void {
    const { message, ...extra } = entry.log as { message: string } & Record<string, unknown>;
    if (REPORTED_ELSEWHERE.has(message)) return;
    const notice = describeSdkEntry(message, extra);
    if (notice) this.report(notice.key, notice.text);
  }
}

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** One sentence saying what the command is waiting for and why. */
export function describeSdkEntry(
  message: string,
  extra: Record<string, unknown>,
): { key: string; text: string } | null {
  const error = str(extra.error);
  const where = extra.topic !== undefined ? `${str(extra.topic)}-${str(extra.partition)}` : '';
  switch (message) {
    case 'fetch failed, retrying':
    case 'metadata refresh failed':
      return { key: 'broker', text: `waiting for the broker: ${error || message} (retrying)` };
    case 'cannot join the group yet; retrying':
      return { key: 'join', text: `waiting to join group '${str(extra.groupId)}': ${error} (retrying)` };
    case 'cannot decode fetched records':
      return {
        key: `decode ${where}`,
        text: `cannot decode the records of ${where} at offset ${str(extra.offset)}: ${error}; fetching them again`,
      };
    default:
      return {
        key: `${message} ${where}`,
        text: `${message}${where ? ` (${where})` : ''}${error ? `: ${error}` : ''}`,
      };
  }
}
