// The broker's log levels (pino's), for `serve --log-level` (serve.ts) and the config file's logLevel
// (serve-config.ts). A file of its own: serve.ts must not load serve-config.ts (and the broker) to register.
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
