// Small injected dependencies: logger and clock.

/** The subset of pino's API the engine uses; a pino logger fits. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

const noop = (): void => {};
export const noopLogger: Logger = { info: noop, warn: noop, error: noop, debug: noop };

/** Wall-clock milliseconds since the epoch. Tests inject a fake to drive segment.ms and retention. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
