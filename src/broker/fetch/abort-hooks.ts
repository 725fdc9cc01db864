// Cheap "call me when this signal aborts" for per-request waits (fetch long polls). EventTarget's
// addEventListener/removeEventListener cost several µs each (option parsing, listener objects), paid
// twice by every long poll that waits; here one listener per signal (per connection) serves every
// waiter, and a waiter is a Set entry added and removed.
const hooks = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Runs `callback` once when `signal` aborts (not if it already has: check `signal.aborted` first).
 * Returns the function that unregisters it.
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let callbacks = hooks.get(signal);
  if (!callbacks) {
    const set = (callbacks = new Set());
    hooks.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        const pending = [...set];
        set.clear();
        for (const cb of pending) cb();
      },
      { once: true },
    );
  }
  const set = callbacks;
  set.add(callback);
  return () => set.delete(callback);
}
