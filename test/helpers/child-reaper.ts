// Child processes a test file started (brokers, etcd, CLI runs). A test that times out while waiting on one
// never reaches its own cleanup, and a `sluice serve` child outlives the vitest worker that spawned it; the
// setup file test/setup/reap-children.ts SIGKILLs whatever is still running when a test file ends.
import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();

/** Remembers `child` until it exits. Returns it. */
export function trackChild<T extends ChildProcess>(child: T): T {
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.once('error', () => running.delete(child));
  return child;
}

/** SIGKILLs every tracked child still running and waits for each to be gone. Returns how many it killed. */
export async function killTrackedChildren(): Promise<number> {
  const alive = [...running].filter((child) => child.exitCode === null && child.signalCode === null);
  await Promise.all(
    alive.map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          if (!child.kill('SIGKILL')) resolve();
        }),
    ),
  );
  running.clear();
  return alive.length;
}
