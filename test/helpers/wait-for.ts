// Waiting in tests for the condition a test means, never for a fixed time: `waitFor` polls a predicate,
// `nextEvent` resolves with the next matching event. Both fail with a message naming what they waited for,
// so a slow machine only makes a test slower, and a real failure says what never happened.

export interface WaitOptions {
  /** How long to wait before failing (default 5000 ms). */
  timeoutMs?: number;
  /** How often to check the condition (default 5 ms). */
  intervalMs?: number;
  /** What is awaited, for the error ("the consumer to join"); default: the predicate's source. */
  message?: string;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_INTERVAL_MS = 5;

/**
 * Resolves with the predicate's first truthy value; rejects once `timeoutMs` passed without one. A number
 * is the timeout (as vitest's `vi.waitFor` takes it). The predicate may be async; an error it throws fails
 * the wait at once.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: WaitOptions | number = {},
): Promise<NonNullable<T>> {
  const {
    timeoutMs = DEFAULT_TIMEOUT_MS,
    intervalMs = DEFAULT_INTERVAL_MS,
    message,
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= deadline)
      throw new Error(`waited ${timeoutMs} ms for ${message ?? `\`${condition.toString()}\``}, in vain`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Something that emits named events: a Node EventEmitter (`on`/`off`) or a Sluice client, whose `on`
 * returns the function that removes the listener.
 */
export interface EventSource<E> {
  on(name: string, listener: (event: E) => void): unknown;
  off?(name: string, listener: (event: E) => void): unknown;
}

/**
 * Resolves with the next `name` event for which `match` holds (any, by default). Listens from the call on:
 * call it before the action that causes the event, await it after.
 */
export function nextEvent<E>(
  source: EventSource<E>,
  name: string,
  options: { match?: (event: E) => boolean; timeoutMs?: number; message?: string } = {},
): Promise<E> {
  const { match = () => true, timeoutMs = DEFAULT_TIMEOUT_MS, message = `the "${name}" event` } = options;
  return new Promise((resolve, reject) => {
    let remove = () => {};
    const timer = setTimeout(() => {
      remove();
      reject(new Error(`waited ${timeoutMs} ms for ${message}, in vain`));
    }, timeoutMs);
    const listener = (event: E) => {
      if (!match(event)) return;
      clearTimeout(timer);
      remove();
      resolve(event);
    };
    const returned = source.on(name, listener);
    remove = typeof returned === 'function' ? (returned as () => void) : () => source.off?.(name, listener);
  });
}

/**
 * A wait for time itself to pass, where the passing time is what the test is about (a session timeout
 * that must expire, a window in which nothing may arrive). `why` says which, at the call site.
 */
export function elapse(ms: number, why: string): Promise<void> {
  if (why.trim() === '') throw new Error('elapse: say why the time must pass');
  return new Promise((resolve) => setTimeout(resolve, ms));
}
