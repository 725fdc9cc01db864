// Shared plumbing of every command: common flags, the usage-error exit code, and the action wrapper
// that turns any failure into one sentence on stderr (stack with --debug) and the right exit code.
import { type Command, type CommanderError, Option } from 'commander';
import {
  CliError,
  EXIT_INTERRUPTED,
  EXIT_OK,
  EXIT_USAGE,
  UsageError,
  debugDetails,
  describeError,
  exitCodeOf,
} from './errors.js';
import { colorsEnabled, paint, type Paint } from './output.js';
import {
  type ClientSecurity,
  type ClientSecurityFlags,
  clientSecurity,
  withClientSecurity,
} from './client-security.js';
import { DEFAULT_BROKERS, FORMATS, parseBrokerList, parseChoice } from './options.js';

export interface Context {
  brokers: string[];
  /** SASL and TLS options for the SDK client (client-security.ts). */
  security: ClientSecurity;
  debug: boolean;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Colors for stdout / stderr (identity when not a terminal). */
  color: Paint;
  errColor: Paint;
  /** Runs after the action, success or not, before the process exits (disconnects, flushes). */
  onCleanup(fn: () => Promise<void> | void): void;
  /** Prints a notice to stderr. */
  info(line: string): void;
  /** Prints a warning to stderr. */
  warn(line: string): void;
}

/** Commander exits with 1 on usage errors; a person and a script expect 2. Help and --version exit 0. */
export function usageExit(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? EXIT_OK : EXIT_USAGE);
}

/** Applies the CLI's settings to a command; subcommands created from it inherit them. */
export function configure(cmd: Command): Command {
  return cmd.exitOverride(usageExit).showSuggestionAfterError(true);
}

/** `parent.command(spec)` with the CLI's settings. */
export function subcommand(parent: Command, spec: string, description: string): Command {
  return configure(parent.command(spec)).description(description);
}

/** -b/--brokers (env SLUICE_BROKERS), the SASL/TLS flags (client-security.ts) and --debug. */
export function withBrokers(cmd: Command): Command {
  return withClientSecurity(cmd)
    .addOption(
      new Option('-b, --brokers <host:port,...>', 'broker addresses')
        .env('SLUICE_BROKERS')
        .default(parseBrokerList(DEFAULT_BROKERS), DEFAULT_BROKERS)
        .argParser(parseBrokerList),
    )
    .addOption(new Option('--debug', 'print stack traces on errors'));
}

export function withDebug(cmd: Command): Command {
  return cmd.addOption(new Option('--debug', 'print stack traces on errors'));
}

/**
 * An option taking one of `choices`: our parser (case-insensitive, aliases, an error listing the
 * accepted values), with the choices recorded for help text and shell completion.
 */
export function choiceOption<T>(
  flags: string,
  description: string,
  choices: readonly string[],
  parse: (raw: string) => T,
): Option {
  const option = new Option(flags, description).argParser(parse);
  option.argChoices = [...choices];
  return option;
}

/** --format text|json (or a wider set) on listing commands. */
export function withFormat(cmd: Command, choices: readonly string[] = FORMATS): Command {
  return cmd.addOption(
    choiceOption('--format <format>', 'output format', choices, parseChoice('format', choices)).default('text'),
  );
}

type Action<A extends unknown[]> = (ctx: Context, ...args: A) => Promise<void> | void;

/**
 * Wraps an action: builds the context, runs it, runs cleanups, prints any error as one sentence and
 * exits with 0, 1 or 2. Exiting explicitly means no lingering socket or timer can keep a finished
 * command alive; stdout/stderr writes to pipes and files are synchronous on POSIX, so nothing is lost.
 */
export function action<A extends unknown[]>(fn: Action<A>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const opts = cmd.optsWithGlobals() as { brokers?: string[]; debug?: boolean };
    const cleanups: Array<() => Promise<void> | void> = [];
    const stderr = process.stderr;
    const errColor = paint(colorsEnabled(stderr));
    const ctx: Context = {
      brokers: opts.brokers ?? parseBrokerList(DEFAULT_BROKERS),
      security: {},
      debug: opts.debug === true,
      stdout: process.stdout,
      stderr,
      color: paint(colorsEnabled(process.stdout)),
      errColor,
      onCleanup: (f) => cleanups.push(f),
      info: (line) => stderr.write(`${line}\n`),
      warn: (line) => stderr.write(`${errColor.yellow('warning:')} ${line}\n`),
    };
    // `sluice … | head` closes our stdout early: that is a normal way to stop. A command that waits on
    // interrupted() stops as on Ctrl-C (a group consumer commits and leaves its group); any other ends here.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' && !stopsOnClosedStdout)
        process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK);
    });
    let code: number = EXIT_OK;
    try {
      ctx.security = clientSecurity(opts as ClientSecurityFlags);
      await fn(ctx, ...(args.slice(0, -1) as A));
      code = typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
    } catch (err) {
      code = exitCodeOf(err);
      stderr.write(`${errColor.red('error:')} ${describeError(err, { brokers: ctx.brokers })}\n`);
      if (ctx.debug) stderr.write(`${debugDetails(err)}\n`);
    }
    for (const cleanup of cleanups.reverse()) {
      try {
        await withTimeout(Promise.resolve().then(cleanup), 3000);
      } catch (err) {
        if (ctx.debug) stderr.write(`cleanup failed: ${debugDetails(err)}\n`);
      }
    }
    await withTimeout(Promise.all([flushed(process.stdout), flushed(process.stderr)]), 30_000);
    process.exit(code);
  };
}

/**
 * Resolves once everything written to `stream` has reached the OS. process.exit() drops what a pipe
 * has not taken yet (pipe writes are asynchronous once the pipe is full), so commands wait for this.
 */
export function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Set once a command waits on interrupted(): a closed stdout then stops it instead of exiting at once. */
let stopsOnClosedStdout = false;

/**
 * Resolves at the first Ctrl-C (SIGINT) or SIGTERM ('signal'), or when the reader of stdout goes away
 * (EPIPE: 'closed-stdout', as `… | head -2`): for commands that run until interrupted (consume,
 * `groups describe --watch`), the normal way to stop, so they finish cleanly and exit 0. A second signal
 * exits at once with 130 (128 + SIGINT), as shells report an interrupted command.
 */
export function interrupted(): Promise<'signal' | 'closed-stdout'> {
  stopsOnClosedStdout = true;
  return new Promise((resolve) => {
    let signals = 0;
    const onSignal = () => {
      if (++signals > 1) process.exit(EXIT_INTERRUPTED);
      resolve('signal');
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') resolve('closed-stdout');
    });
  });
}

export function usage(message: string): UsageError {
  return new UsageError(message);
}

export function fail(message: string, cause?: unknown): CliError {
  return new CliError(message, { cause });
}
