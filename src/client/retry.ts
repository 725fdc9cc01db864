// Retries with exponential backoff and jitter, kafkajs semantics:
//   wait(0) = initialRetryTime ± factor; wait(n+1) = min(wait(n) ± factor, then × multiplier, maxRetryTime)
// An error is retried when `retriable !== false` and it is not a programming error (TypeError, …),
// at most `retries` times; then SluiceNumberOfRetriesExceeded wraps the last error. A non-retriable
// error is rethrown as it is (kafkajs wraps it; callers here want the typed error itself).

import { setTimeout as defaultSleep } from 'node:timers/promises';
import { SluiceNumberOfRetriesExceeded } from './errors.js';

export interface RetryOptions {
  maxRetryTime?: number;
  initialRetryTime?: number;
  /** Randomization factor: each wait is drawn from [t·(1-factor), t·(1+factor)]. */
  factor?: number;
  multiplier?: number;
  retries?: number;
  restartOnFailure?: (e: Error) => Promise<boolean>;
}

export type ResolvedRetryOptions = Required<Omit<RetryOptions, 'restartOnFailure'>>;

export const RETRY_DEFAULTS: Readonly<ResolvedRetryOptions> = Object.freeze({
  maxRetryTime: 30_000,
  initialRetryTime: 300,
  factor: 0.2,
  multiplier: 2,
  retries: 5,
});

export interface RetryDeps {
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type Bail = (error: Error) => never;
export type Retrier = <T>(fn: (bail: Bail, retryCount: number, retryTime: number) => Promise<T>) => Promise<T>;

const UNRECOVERABLE = new Set(['RangeError', 'ReferenceError', 'SyntaxError', 'TypeError']);

export function isRetriable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (UNRECOVERABLE.has(error.name)) return false;
  return (error as { retriable?: boolean }).retriable !== false;
}

/**
 * kafkajs's rule after a consumer crash: it restarts only when the retries ran out (the cause was retriable)
 * and `restartOnFailure` agrees (a throwing `restartOnFailure` counts as yes).
 */
export async function restartsAfterCrash(
  error: Error,
  restartOnFailure: RetryOptions['restartOnFailure'],
): Promise<boolean> {
  if (!(error instanceof SluiceNumberOfRetriesExceeded)) return false;
  return restartOnFailure ? await restartOnFailure(error).catch(() => true) : true;
}

export function resolveRetryOptions(options: RetryOptions | undefined): ResolvedRetryOptions {
  return { ...RETRY_DEFAULTS, ...stripUndefined(options ?? {}) };
}

function stripUndefined(o: RetryOptions): Partial<ResolvedRetryOptions> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'number') out[k] = v;
  return out;
}

/** Draws one jittered wait around `base`. */
export function jitter(base: number, factor: number, random: () => number = Math.random): number {
  const delta = factor * base;
  return Math.ceil(base - delta + random() * 2 * delta);
}

/** The wait after `previous`: jittered, times the multiplier, capped at maxRetryTime. */
function nextRetryTime(options: ResolvedRetryOptions, previous: number, random: () => number): number {
  return Math.min(jitter(previous, options.factor, random) * options.multiplier, options.maxRetryTime);
}

/** The wait before retry number `retryCount` (0-based), drawn with jitter. */
export function backoff(options: ResolvedRetryOptions, retryCount: number, random: () => number = Math.random): number {
  let wait = jitter(options.initialRetryTime, options.factor, random);
  for (let i = 0; i < retryCount; i++) wait = nextRetryTime(options, wait, random);
  return Math.min(wait, options.maxRetryTime);
}

/**
 * One chain of kafkajs-style retries kept across calls (a partition whose handler keeps failing): the
 * first retry waits initialRetryTime ± factor, each next one the previous wait ± factor × multiplier, capped
 * at maxRetryTime; after `retries` retries the chain is exhausted.
 */
export class RetrySchedule {
  #count = 0;
  #time = 0;

  constructor(
    private readonly options: ResolvedRetryOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Retries taken since the last reset. */
  get count(): number {
    return this.#count;
  }

  /** Every retry allowed was taken. */
  get exhausted(): boolean {
    return this.#count >= this.options.retries;
  }

  /** The wait before the last retry taken (before the first one if none was taken yet). */
  get lastWait(): number {
    return this.#count === 0 ? jitter(this.options.initialRetryTime, this.options.factor, this.random) : this.#time;
  }

  /** Takes the next retry: returns how long to wait before it. */
  next(): number {
    this.#time =
      this.#count === 0
        ? Math.min(jitter(this.options.initialRetryTime, this.options.factor, this.random), this.options.maxRetryTime)
        : nextRetryTime(this.options, this.#time, this.random);
    this.#count++;
    return this.#time;
  }

  reset(): void {
    this.#count = 0;
    this.#time = 0;
  }
}

class Bailed {
  constructor(readonly error: Error) {}
}

export function createRetry(options?: RetryOptions, deps: RetryDeps = {}): Retrier {
  const config = resolveRetryOptions(options);
  const random = deps.random ?? Math.random;
  const sleep = deps.sleep ?? defaultSleep;
  const bail: Bail = (error) => {
    throw new Bailed(error);
  };
  return async (fn) => {
    let retryTime = jitter(config.initialRetryTime, config.factor, random);
    for (let retryCount = 0; ; retryCount++) {
      try {
        return await fn(bail, retryCount, retryTime);
      } catch (err) {
        if (err instanceof Bailed) throw err.error;
        if (!isRetriable(err)) throw err;
        if (retryCount >= config.retries) throw new SluiceNumberOfRetriesExceeded(err as Error, retryCount, retryTime);
        await sleep(retryTime);
        retryTime = nextRetryTime(config, retryTime, random);
      }
    }
  };
}
