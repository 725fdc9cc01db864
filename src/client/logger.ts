// kafkajs-style logging: a `logCreator(level)` returns a function that receives every entry at or
// above the level. Entries below the level cost one integer comparison and build nothing. The default
// creator writes one JSON line per entry to stderr; the default level is WARN, so a healthy client is
// silent.

export enum logLevel {
  NOTHING = 0,
  ERROR = 1,
  WARN = 2,
  INFO = 4,
  DEBUG = 5,
}

export interface LoggerEntryContent {
  readonly timestamp: string;
  readonly message: string;
  [key: string]: unknown;
}

export interface LogEntry {
  namespace: string;
  level: logLevel;
  label: string;
  log: LoggerEntryContent;
}

export type logCreator = (level: logLevel) => (entry: LogEntry) => void;

export interface Logger {
  error(message: string, extra?: object): void;
  warn(message: string, extra?: object): void;
  info(message: string, extra?: object): void;
  debug(message: string, extra?: object): void;
  namespace(namespace: string, level?: logLevel): Logger;
  setLogLevel(level: logLevel): void;
}

const labels: Record<number, string> = { 1: 'ERROR', 2: 'WARN', 4: 'INFO', 5: 'DEBUG' };

const defaultLogCreator: logCreator = () => (entry) => {
  const { namespace, label, log } = entry;
  const line = JSON.stringify({ level: label, ...log, logger: 'sluice', namespace: namespace || undefined });
  process.stderr.write(`${line}\n`);
};

export function createLogger(options: { level?: logLevel; logCreator?: logCreator } = {}): Logger {
  const shared = { level: options.level ?? logLevel.WARN };
  const sink = (options.logCreator ?? defaultLogCreator)(shared.level);

  const build = (namespace: string, own: logLevel | undefined): Logger => {
    const emit = (level: logLevel, message: string, extra?: object) => {
      if (level > (own ?? shared.level)) return;
      sink({
        namespace,
        level,
        label: labels[level]!,
        log: { timestamp: new Date().toISOString(), message, ...extra },
      });
    };
    return {
      error: (m, e) => emit(logLevel.ERROR, m, e),
      warn: (m, e) => emit(logLevel.WARN, m, e),
      info: (m, e) => emit(logLevel.INFO, m, e),
      debug: (m, e) => emit(logLevel.DEBUG, m, e),
      namespace: (name, level) => build(name, level ?? own),
      setLogLevel: (level) => {
        shared.level = level;
      },
    };
  };
  return build('', undefined);
}

/** A logger that drops everything (tests, internal defaults). */
export const nullLogger: Logger = createLogger({ level: logLevel.NOTHING, logCreator: () => () => {} });
