// A share group's retry policy: how many deliveries a record gets and how long a failed record waits
// before its next one. Validated once (domain errors name the bad value), then frozen.
import { ShareError } from './errors.js';

export interface BackoffPolicy {
  /** 'fixed': always initialMs; 'exponential': initialMs × multiplier^(attempt − 1), capped at maxMs. */
  readonly type: 'fixed' | 'exponential';
  readonly initialMs: number;
  readonly multiplier: number;
  readonly maxMs: number;
  /** 0..1: the delay is drawn uniformly from [delay × (1 − jitter), delay]. */
  readonly jitter: number;
}

export interface RetryPolicy {
  /** Deliveries a record gets before it is dead-lettered (the first delivery counts). */
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
/** The longest wait a policy may ask for: a week (longer is a scheduling job, not a retry). */
export const MAX_BACKOFF_MS = 7 * 24 * 3600_000;
export const MAX_ATTEMPTS_LIMIT = 1000;

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  backoff: Object.freeze({ type: 'exponential', initialMs: 1000, multiplier: 2, maxMs: 60_000, jitter: 0.1 }),
});

export interface RetryPolicyInput {
  maxAttempts?: number;
  backoff?: Partial<BackoffPolicy>;
}

function integerIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new ShareError('invalid-value', `${name} must be an integer from ${min} to ${max}, got ${value}`);
  return value;
}

export function resolveRetryPolicy(input: RetryPolicyInput = {}): RetryPolicy {
  const defaults = DEFAULT_RETRY_POLICY.backoff;
  const b = input.backoff ?? {};
  const type = b.type ?? defaults.type;
  if (type !== 'fixed' && type !== 'exponential')
    throw new ShareError('invalid-value', `retry.backoff.type must be "fixed" or "exponential", got ${String(type)}`);
  const initialMs = integerIn('retry.backoff.initialMs', b.initialMs ?? defaults.initialMs, 0, MAX_BACKOFF_MS);
  const maxMs = integerIn('retry.backoff.maxMs', b.maxMs ?? Math.max(defaults.maxMs, initialMs), 0, MAX_BACKOFF_MS);
  if (maxMs < initialMs)
    throw new ShareError('invalid-value', `retry.backoff.maxMs (${maxMs}) is below initialMs (${initialMs})`);
  const multiplier = b.multiplier ?? defaults.multiplier;
  if (!Number.isFinite(multiplier) || multiplier < 1 || multiplier > 100)
    throw new ShareError('invalid-value', `retry.backoff.multiplier must be from 1 to 100, got ${multiplier}`);
  const jitter = b.jitter ?? (type === 'fixed' ? 0 : defaults.jitter);
  if (!Number.isFinite(jitter) || jitter < 0 || jitter > 1)
    throw new ShareError('invalid-value', `retry.backoff.jitter must be from 0 to 1, got ${jitter}`);
  return Object.freeze({
    maxAttempts: integerIn('retry.maxAttempts', input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, 1, MAX_ATTEMPTS_LIMIT),
    backoff: Object.freeze({ type, initialMs, multiplier, maxMs, jitter }),
  });
}

/** The wait after the `attempt`-th delivery failed (attempt ≥ 1); `random` in [0, 1). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const raw =
    policy.type === 'fixed' ? policy.initialMs : policy.initialMs * policy.multiplier ** Math.max(0, attempt - 1);
  const capped = Math.min(policy.maxMs, raw);
  return Math.round(capped * (1 - policy.jitter * random()));
}
