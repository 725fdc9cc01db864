// Errors the CLI shows a person: one sentence on stderr, a stack only with --debug.
// Exit codes: 0 ok, 1 failure, 2 usage error (bad flag, bad value, missing argument), 130 interrupted
// (Ctrl-C where it is not the normal way to stop a command, or a second Ctrl-C).

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** The command line was wrong: a bad flag value, a missing or conflicting option. Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = EXIT_USAGE;
}

/** The command ran but failed, with a message already fit for a person. Exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options?.exitCode ?? EXIT_FAILURE;
  }
}

const socketReasons: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EPIPE: 'connection closed',
  EADDRNOTAVAIL: 'address not available',
};

const listenReasons: Record<string, string> = {
  EADDRINUSE: 'in use by another process',
  EACCES: 'permission denied (ports below 1024 need privileges)',
};

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  type?: unknown;
  address?: unknown;
  port?: unknown;
  cause?: unknown;
  errors?: unknown;
  broker?: unknown;
  host?: unknown;
}

/** The error and its causes (and AggregateError members), outermost first, cycles cut. */
export function causeChain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && out.length < 20) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const like = e as ErrorLike;
    out.push(like);
    if (like.cause !== undefined) queue.push(like.cause);
    if (Array.isArray(like.errors)) queue.push(...like.errors);
  }
  return out;
}

/** The address an error names: a socket error's address:port, or an SDK connection error's broker. */
function addressOf(e: ErrorLike): string | undefined {
  if (typeof e.address === 'string' && typeof e.port === 'number') return `${e.address}:${e.port}`;
  return typeof e.broker === 'string' ? e.broker : undefined;
}

/**
 * "connection refused" when some error in the chain is a socket failure, with the address that failed:
 * the first one named along the chain (an outer error, e.g. retries exceeded, may carry the code alone).
 * It is not necessarily the address the command was given: a seed broker may be reachable and the
 * address it advertises not.
 */
export function socketFailure(err: unknown): { reason: string; address?: string } | undefined {
  const chain = causeChain(err);
  for (const e of chain) {
    if (typeof e.code === 'string' && socketReasons[e.code]) {
      const named = chain
        .slice(chain.indexOf(e))
        .map(addressOf)
        .find((a) => a !== undefined);
      return { reason: socketReasons[e.code]!, address: named ?? chain.map(addressOf).find((a) => a !== undefined) };
    }
  }
  // Clients that wrap the socket error without keeping it as `cause` still say so in words.
  for (const e of causeChain(err)) {
    const msg = typeof e.message === 'string' ? e.message : '';
    for (const [code, reason] of Object.entries(socketReasons)) if (msg.includes(code)) return { reason };
    if (/connection timeout|connect timed? ?out/i.test(msg)) return { reason: 'connection timed out' };
  }
  return undefined;
}

function firstSentence(message: string): string {
  const line = message.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
  return line.trim();
}

export interface ErrorContext {
  /** The broker list the command used, for "cannot reach broker …". */
  brokers?: string[];
}

/** One sentence for a person. */
export function describeError(err: unknown, context: ErrorContext = {}): string {
  if (err instanceof UsageError || err instanceof CliError) return err.message;
  // A server's own listen (sluice serve) failing is not a connection to a broker failing.
  const listening = causeChain(err).find((e) => (e as { syscall?: unknown }).syscall === 'listen');
  if (listening && typeof listening.code === 'string') {
    const reason = listenReasons[listening.code] ?? socketReasons[listening.code] ?? listening.code;
    const address = typeof listening.address === 'string' ? listening.address : 'its address';
    const port = typeof listening.port === 'number' ? `:${listening.port}` : '';
    return `cannot listen on ${address}${port}: ${reason}${listening.code === 'EADDRNOTAVAIL' ? ' (no interface of this machine has that address: check --host)' : ''}`;
  }
  const socket = socketFailure(err);
  if (socket) {
    const where = socket.address ?? context.brokers?.join(',') ?? 'the broker';
    // Not an address the command was given: the one a broker advertised (its advertisedHost/Port).
    const seeds = context.brokers ?? [];
    const advertised =
      socket.address && seeds.length > 0 && !seeds.includes(socket.address)
        ? ` (the address advertised by ${seeds.join(',')})`
        : '';
    return `cannot reach broker ${where}${advertised}: ${socket.reason}`;
  }
  const e = (err ?? {}) as ErrorLike;
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  // Retries running out carry the last attempt's message: the type shown is that error's too.
  const typed = e.type === 'NUMBER_OF_RETRIES_EXCEEDED' && typeof e.cause === 'object' ? (e.cause as ErrorLike) : e;
  const type =
    typeof typed.type === 'string' && typed.type !== '' && !message.includes(typed.type) ? ` (${typed.type})` : '';
  return `${firstSentence(message)}${type}`;
}

export function exitCodeOf(err: unknown): number {
  const code = (err as { exitCode?: unknown } | null)?.exitCode;
  return typeof code === 'number' && code > 0 ? code : EXIT_FAILURE;
}

/** The stack and every cause, for --debug. */
export function debugDetails(err: unknown): string {
  return causeChain(err)
    .map((e, i) => {
      const text = (e as { stack?: unknown }).stack ?? e.message ?? String(e);
      return i === 0 ? String(text) : `caused by: ${String(text)}`;
    })
    .join('\n');
}
