import { afterEach, describe, expect, it, vi } from 'vitest';
import { Signal } from '../../src/client/consumer/signal.js';

function refedTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

async function timed(wait: Promise<void>): Promise<number> {
  const start = performance.now();
  await wait;
  return performance.now() - start;
}

describe('consumer Signal', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('remembers a notify made while nobody waits, for the next wait only', async () => {
    const signal = new Signal();
    signal.notify();
    await signal.wait();
    let ended = false;
    const second = signal.wait(30).then(() => {
      ended = true;
    });
    await Promise.resolve();
    expect(ended).toBe(false);
    signal.notify();
    await second;
    expect(ended).toBe(true);
  });

  it('wakes every waiter on notify', async () => {
    const signal = new Signal();
    const waits = [signal.wait(), signal.wait(5_000), signal.wait(10_000)];
    signal.notify();
    await Promise.all(waits);
  });

  it('ends a wait nobody notifies at its deadline', async () => {
    const signal = new Signal();
    const elapsed = await timed(signal.wait(40));
    expect(elapsed).toBeGreaterThanOrEqual(38);
  });

  it('sets one timer for consecutive notified waits with the same timeout', async () => {
    const setTimer = vi.spyOn(globalThis, 'setTimeout');
    const signal = new Signal();
    for (let i = 0; i < 100; i++) {
      const wait = signal.wait(100);
      signal.notify();
      await wait;
    }
    expect(setTimer).toHaveBeenCalledTimes(1);
  });

  it('does not end a later wait early at the deadline of an earlier one', async () => {
    const signal = new Signal();
    const first = signal.wait(30);
    signal.notify();
    await first;
    const elapsed = await timed(signal.wait(150));
    expect(elapsed).toBeGreaterThanOrEqual(148);
  });

  it('ends a wait by its own deadline when the armed timer fires later', async () => {
    const signal = new Signal();
    const first = signal.wait(10_000);
    signal.notify();
    await first;
    const elapsed = await timed(signal.wait(30));
    expect(elapsed).toBeGreaterThanOrEqual(28);
    expect(elapsed).toBeLessThan(5_000);
  });

  it('keeps the event loop open only while someone waits with a timeout', async () => {
    const before = refedTimers();
    const signal = new Signal();
    const wait = signal.wait(10_000);
    expect(refedTimers()).toBe(before + 1);
    signal.notify();
    await wait;
    expect(refedTimers()).toBe(before);
    const again = signal.wait(10_000);
    expect(refedTimers()).toBe(before + 1);
    signal.notify();
    await again;
    expect(refedTimers()).toBe(before);
  });

  it('ends waits by the timer’s own clock, so fake timers in a user’s tests move them', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }); // performance.now() left alone
    const signal = new Signal();
    const first = signal.wait(100);
    signal.notify();
    await first;
    let ended = false;
    void signal.wait(100).then(() => {
      ended = true;
    });
    await vi.advanceTimersByTimeAsync(50);
    expect(ended).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(ended).toBe(true);
  });
});
