import { afterEach, describe, expect, it, vi } from 'vitest';
import { PushStream } from '../../src/broker/fetch/push-stream.js';
import { PushWait } from '../../src/broker/fetch/push-wait.js';
import { PartitionWaiters } from '../../src/broker/fetch/waiters.js';
import type { BrokerContext } from '../../src/broker/handlers/types.js';
import { partitionKey } from '../../src/broker/partition-key.js';

function setUp(creditBytes = 1_000) {
  const waiters = new PartitionWaiters();
  const broker = { waiters, stopping: false } as unknown as BrokerContext;
  const stream = new PushStream(creditBytes);
  const connection = new AbortController();
  const keys = [partitionKey('t', 0), partitionKey('t', 1)];
  const wait = new PushWait(keys, stream, broker, connection.signal);
  return { waiters, broker, stream, connection, wait };
}

async function timed<T>(wait: Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await wait;
  return { value, ms: performance.now() - start };
}

describe('PushWait (a FetchPush stream wait, reused across waits)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is woken by an append to any of its partitions, and leaves nothing registered after cancel', async () => {
    const { waiters, wait } = setUp();
    for (const partition of [0, 1]) {
      wait.arm(true);
      expect(waiters.size).toBe(2);
      const woken = wait.wait(5_000);
      waiters.notify('t', partition);
      expect(await woken).toBe(true);
      wait.cancel();
      expect(waiters.size).toBe(0);
    }
    wait.close();
  });

  it('answers at once, as woken, when an append landed between arm and wait', async () => {
    const { waiters, wait } = setUp();
    wait.arm(true);
    waiters.notify('t', 0);
    expect(await wait.wait(5_000)).toBe(true);
    wait.cancel();
    wait.close();
  });

  it('ends an unwoken wait at its deadline, not before', async () => {
    const { wait } = setUp();
    wait.arm(true);
    const { value, ms } = await timed(wait.wait(40));
    expect(value).toBe(false);
    expect(ms).toBeGreaterThanOrEqual(39);
    wait.cancel();
    wait.close();
  });

  it('sets one timer for many consecutive waits that are woken', async () => {
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const { waiters, wait } = setUp();
    for (let i = 0; i < 100; i++) {
      wait.arm(true);
      const woken = wait.wait(5_000);
      waiters.notify('t', 0);
      expect(await woken).toBe(true);
      wait.cancel();
    }
    expect(timers).toHaveBeenCalledTimes(1);
    wait.close();
  });

  it('does not end a later wait at an earlier wait deadline, nor a shorter wait after a longer armed timer', async () => {
    const { waiters, wait } = setUp();
    // The timer is armed for 30 ms by a wait that is woken at once; the next wait runs to 90 ms.
    wait.arm(true);
    const first = wait.wait(30);
    waiters.notify('t', 0);
    expect(await first).toBe(true);
    wait.cancel();
    wait.arm(true);
    const later = await timed(wait.wait(90));
    expect(later.value).toBe(false);
    expect(later.ms).toBeGreaterThanOrEqual(89);
    wait.cancel();
    // Now a long wait's timer, then a short wait: the short one ends by its own deadline.
    wait.arm(true);
    const long = wait.wait(5_000);
    waiters.notify('t', 1);
    expect(await long).toBe(true);
    wait.cancel();
    wait.arm(true);
    const short = await timed(wait.wait(30));
    expect(short.value).toBe(false);
    expect(short.ms).toBeGreaterThanOrEqual(29);
    expect(short.ms).toBeLessThan(2_000);
    wait.cancel();
    wait.close();
  });

  it('waiting for appends, is woken by the stream ending but not by a grant or a written frame', async () => {
    const { stream, wait } = setUp();
    wait.arm(true);
    const woken = wait.wait(5_000);
    let settled = false;
    void woken.then(() => {
      settled = true;
    });
    stream.grant(100);
    stream.pushed();
    stream.written();
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    stream.end();
    expect(await woken).toBe(true);
    wait.cancel();
    wait.close();
  });

  it('out of credit (armed on changes), is woken by a grant and by a written frame, and by the broker stopping', async () => {
    const { waiters, stream, wait } = setUp(0);
    for (const change of [() => stream.grant(100), () => stream.written(), () => waiters.notifyAll()]) {
      wait.arm(false);
      const woken = wait.wait(5_000);
      change();
      expect(await woken).toBe(true);
      wait.cancel();
      expect(waiters.size).toBe(0);
    }
    wait.close();
  });

  it('ends a wait as timed out when the connection closes', async () => {
    const { connection, wait } = setUp();
    wait.arm(true);
    const waiting = wait.wait(5_000);
    connection.abort();
    expect(await waiting).toBe(false);
    wait.cancel();
    expect(await wait.wait(5_000)).toBe(false);
    wait.close();
  });

  it('leaves no timer running and no callback registered once closed', async () => {
    const cleared = vi.spyOn(globalThis, 'clearTimeout');
    const { stream, waiters, wait } = setUp();
    wait.arm(true);
    const woken = wait.wait(5_000);
    waiters.notify('t', 0);
    await woken;
    wait.cancel();
    wait.close();
    expect(cleared).toHaveBeenCalledTimes(1);
    // The stream's change callback is no longer the wait's: a later end wakes nothing (and throws nothing).
    stream.end();
    expect(waiters.size).toBe(0);
  });
});
