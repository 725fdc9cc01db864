// The running part of `sluice serve`, loaded only when the command runs (see serve.ts).
import { createServer } from 'node:net';
import pino, { type Logger } from 'pino';
import { Broker, KafkaListenError } from '../src/broker/index.js';
import type { HttpServer } from '../src/http/index.js';
import { describeError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './lib/errors.js';
import {
  DEFAULT_NATIVE_PORT,
  serveSettings,
  type LogLevel,
  type ServeFlags,
  type ServeSettings,
} from './serve-config.js';

async function createLogger(level: LogLevel): Promise<Logger> {
  if (process.stdout.isTTY) {
    // Loaded only for a terminal: a broker logging JSON (a service, a test, a pipe) never loads it.
    const { default: pretty } = await import('pino-pretty');
    return pino({ level }, pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l' }));
  }
  // Synchronous writes: a line logged just before a crash or SIGKILL is not lost in a buffer.
  return pino({ level }, pino.destination({ dest: 1, sync: true }));
}

/** Another process listens on host:port now (any other bind error is left to the broker's own listen). */
function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

interface RequiredPort {
  host: string;
  port: number;
  flag: string;
}

/**
 * The addresses with a port given (not 0) of the listeners that must open, with the flag that sets each
 * port: the broker's on `host`, the HTTP door's on its own host (the broker's unless set).
 */
function requiredPorts(settings: ServeSettings, host: string): RequiredPort[] {
  const { options } = settings;
  const { http } = settings;
  const ports = [
    { host, port: options.port ?? DEFAULT_NATIVE_PORT, flag: '--port' },
    { host, port: settings.kafkaPortDefaulted ? 0 : options.kafkaPort, flag: '--kafka-port' },
    { host, port: options.tls?.port, flag: '--tls-port' },
    { host, port: options.tls?.kafkaPort, flag: '--kafka-tls-port' },
    { host: http?.host ?? host, port: http?.port, flag: '--http-port' },
  ];
  return ports.filter((p): p is RequiredPort => typeof p.port === 'number' && p.port > 0);
}

/**
 * A start failure the operator can fix (a port in use, a data directory that is a file, a corrupt segment,
 * a bad setting): the system's errno errors and the broker's own errors carry a `code`. Anything else (a
 * TypeError, Node's ERR_* argument errors) is a bug, logged with its stack.
 */
function isOperational(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' && !code.startsWith('ERR_');
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
  const logger = await createLogger(settings.logLevel);
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(EXIT_FAILURE);
  });
  // Listening for the stop signals before the broker starts: one that arrives while it starts (just after
  // its `listening` line, say) still stops it gracefully instead of killing the process.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const withoutKafka = (reason: string) => {
    logger.warn(
      { kafkaPort: settings.options.kafkaPort },
      `${reason}; starting without the Kafka listener (set --kafka-port to another port, or --no-kafka)`,
    );
    return new Broker({ ...settings.options, kafkaPort: false, logger });
  };
  // A taken default Kafka port is found before the broker opens its data directory (which, with thousands
  // of partitions, is most of a start): the retry below is then only for a port taken in between.
  const host = settings.options.host ?? '127.0.0.1';
  // A port in use is said in one line before anything starts: the broker's listener would log it with a stack.
  for (const { host: address, port, flag } of requiredPorts(settings, host)) {
    if (await portInUse(address, port)) {
      process.stderr.write(
        `error: cannot start the broker: ${address}:${port} is in use by another process (choose another port with ${flag}, or 0 for a free one)\n`,
      );
      return EXIT_FAILURE;
    }
  }
  const kafkaPort = settings.options.kafkaPort as number;
  let broker =
    settings.kafkaPortDefaulted && (await portInUse(host, kafkaPort))
      ? withoutKafka(`the Kafka port ${host}:${kafkaPort} is in use`)
      : new Broker({ ...settings.options, logger });
  try {
    try {
      await broker.start();
    } catch (error) {
      if (!(error instanceof KafkaListenError && error.code === 'EADDRINUSE' && settings.kafkaPortDefaulted))
        throw error;
      broker = withoutKafka(error.message);
      await broker.start();
    }
  } catch (error) {
    if (!isOperational(error)) logger.fatal({ err: error }, 'broker failed to start');
    const code = (error as { code?: unknown }).code;
    const hint =
      code === 'CORRUPT_LOG' && !settings.options.repair
        ? '\nhint: `sluice serve --repair` truncates the log at that byte (losing every later record of the partition) and starts; `sluice dump-log <file>` shows the damage first'
        : '';
    process.stderr.write(`error: cannot start the broker: ${describeError(error)}${hint}\n`);
    return EXIT_FAILURE;
  }
  // SIGHUP re-reads the TLS certificate, key and CA (only when there is TLS: otherwise it ends the process as usual).
  if (broker.tlsCertificates) {
    const running = broker;
    process.on('SIGHUP', () => {
      logger.info('SIGHUP: reloading the TLS certificate');
      running.reloadTls().catch((error) => logger.error({ err: error }, 'TLS certificate reload failed'));
    });
  }
  let http: HttpServer | undefined;
  if (settings.http) {
    try {
      // Imported once the broker listens: the door's modules (fastify and its plugins, prom-client) are
      // half of what Node compiles at start, and the native and Kafka ports need none of them.
      const { startHttpServer } = await import('../src/http/index.js');
      http = await startHttpServer(broker, settings.http);
    } catch (error) {
      if (!isOperational(error)) logger.fatal({ err: error }, 'HTTP server failed to start');
      process.stderr.write(`error: cannot start the HTTP server: ${describeError(error)}\n`);
      await broker.stop().catch((stopError) => logger.error({ err: stopError }, 'error while stopping'));
      return EXIT_FAILURE;
    }
  }
  const signal = await signalled;
  logger.info({ signal }, 'shutting down');
  const forced = (second: NodeJS.Signals) => {
    logger.warn({ signal: second }, 'second signal: exiting without a graceful stop');
    process.exit(EXIT_FAILURE);
  };
  process.once('SIGINT', forced);
  process.once('SIGTERM', forced);
  try {
    await http?.close();
    await broker.stop();
  } catch (error) {
    logger.error({ err: error }, 'error while stopping');
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}
