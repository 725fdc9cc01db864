// `sluice serve`: runs a broker in the foreground until SIGTERM/SIGINT, then stops it gracefully
// (in-flight requests answered, logs flushed, clean-shutdown markers written) and exits 0.
// Logs go to stdout with pino: pretty on a terminal, one JSON object per line otherwise; the line
// {"msg":"listening","port":…,"address":…} says the broker is ready.
import { InvalidArgumentError, Option, type Command } from 'commander';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { Broker } from '../src/broker/index.js';
import { configure } from './lib/command.js';
import { describeError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './lib/errors.js';
import { parseInteger } from './lib/options.js';
import { LOG_LEVELS, serveSettings, type LogLevel, type ServeFlags } from './serve-config.js';

function parseFlush(raw: string): string {
  if (raw === 'always' || raw === 'os' || /^(interval:)?\d+$/.test(raw)) return raw;
  throw new InvalidArgumentError('flush must be "always", "os" or a number of milliseconds.');
}

export function register(program: Command): void {
  configure(program.command('serve'))
    .description('run a broker in the foreground (Ctrl-C or SIGTERM stops it gracefully)')
    .option('--data-dir <dir>', 'directory for partitions and metadata (default: ./data)')
    .option('--host <host>', 'interface to bind; 0.0.0.0 exposes the broker (default: 127.0.0.1)')
    .option('--port <port>', 'TCP port; 0 picks a free one (default: 9650)', parseInteger('port', 0, 65535))
    .option('--flush <policy>', 'default flush policy of topics: always | os | <ms> (default: os)', parseFlush)
    .option('--config <file>', 'JSON file of broker settings; flags override it')
    .addOption(new Option('--log-level <level>', 'log level (default: info)').choices(LOG_LEVELS))
    .option('--no-auto-create-topics', 'do not create topics on first produce or metadata request')
    .option('--default-partitions <n>', 'partitions of auto-created topics (default: 1)', parseInteger('default partitions', 1))
    .option('--repair', 'truncate a corrupt sealed segment at its first bad batch (dropping what follows) instead of refusing to start')
    .action(async (flags: ServeFlags & { autoCreateTopics?: boolean }, cmd: Command) => {
      // commander sets autoCreateTopics=true by default for a --no- flag; only an explicit flag counts.
      if (cmd.getOptionValueSource('autoCreateTopics') === 'default') delete flags.autoCreateTopics;
      process.exit(await serve(flags));
    });
}

function createLogger(level: LogLevel): Logger {
  if (process.stdout.isTTY) return pino({ level }, pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l' }));
  // Synchronous writes: a line logged just before a crash or SIGKILL is not lost in a buffer.
  return pino({ level }, pino.destination({ dest: 1, sync: true }));
}

/** Runs until a signal; resolves with the exit code. */
export async function serve(flags: ServeFlags): Promise<number> {
  let settings;
  try {
    settings = serveSettings(flags);
  } catch (error) {
    process.stderr.write(`error: ${describeError(error)}\n`);
    return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  }
  const logger = createLogger(settings.logLevel);
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(EXIT_FAILURE);
  });
  const broker = new Broker({ ...settings.options, logger });
  try {
    await broker.start();
  } catch (error) {
    logger.fatal({ err: error }, 'broker failed to start');
    const code = (error as { code?: unknown }).code;
    const hint = code === 'CORRUPT_LOG' && !settings.options.repair
      ? '\nhint: `sluice serve --repair` truncates the log at that byte (losing every later record of the partition) and starts; `sluice dump-log <file>` shows the damage first'
      : '';
    process.stderr.write(`error: cannot start the broker: ${describeError(error)}${hint}\n`);
    return EXIT_FAILURE;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  logger.info({ signal }, 'shutting down');
  const forced = (second: NodeJS.Signals) => {
    logger.warn({ signal: second }, 'second signal: exiting without a graceful stop');
    process.exit(EXIT_FAILURE);
  };
  process.once('SIGINT', forced);
  process.once('SIGTERM', forced);
  try {
    await broker.stop();
  } catch (error) {
    logger.error({ err: error }, 'error while stopping');
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}
