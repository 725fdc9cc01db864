// Long-poll wake-ups: an append to a partition wakes every fetch parked on it, once; a fetch that parks again
// from its wake waits for the next append; nothing else is woken. The counts hold however many partitions come
// and go (the keys of partitions no one waits on any more are swept in bulk).
import { describe, expect, it } from 'vitest';
import { PartitionWaiters } from '../../src/broker/fetch/waiters.js';

describe('PartitionWaiters', () => {
  it('wakes the waiters of a partition once per append; one that parks again from its wake waits for the next', () => {
    const waiters = new PartitionWaiters();
    const woken: string[] = [];
    const reArming = () => {
      woken.push('re-arming');
      waiters.register([{ topic: 't', partition: 0 }], reArming);
    };
    waiters.register([{ topic: 't', partition: 0 }], reArming);
    const unregisterOther = waiters.register([{ topic: 't', partition: 1 }], () => woken.push('other'));
    expect(waiters.size).toBe(2);
    waiters.notify('t', 0);
    expect(woken).toEqual(['re-arming']);
    expect(waiters.size).toBe(2);
    waiters.notify('t', 0);
    expect(woken).toEqual(['re-arming', 're-arming']);
    unregisterOther();
    waiters.notify('t', 1);
    expect(woken).toEqual(['re-arming', 're-arming']);
    expect(waiters.size).toBe(1);
  });

  it('counts waiters right over thousands of partitions parked on, woken and left, across sweeps', () => {
    const waiters = new PartitionWaiters();
    let wakes = 0;
    const wake = () => wakes++;
    for (let round = 0; round < 3; round++) {
      // 5,000 partitions parked on and woken (their keys emptied), then 100 parked on and left by removal.
      for (let p = 0; p < 5_000; p++) waiters.register([{ topic: `r${round}`, partition: p }], wake);
      expect(waiters.size).toBe(5_000);
      for (let p = 0; p < 5_000; p++) waiters.notify(`r${round}`, p);
      expect(wakes).toBe((round + 1) * 5_000);
      expect(waiters.size).toBe(0);
      const leave = Array.from({ length: 100 }, (_, p) => waiters.register([{ topic: 'x', partition: p }], wake));
      expect(waiters.size).toBe(100);
      for (const unregister of leave) unregister();
      expect(waiters.size).toBe(0);
    }
    // A wake on two partitions counts on both, is woken by either, and registering it twice counts once.
    const both = [
      { topic: 'y', partition: 0 },
      { topic: 'y', partition: 1 },
    ];
    waiters.register(both, wake);
    waiters.register(both, wake);
    expect(waiters.size).toBe(2);
    waiters.notify('y', 1);
    expect(wakes).toBe(15_001);
    expect(waiters.size).toBe(1);
    waiters.notifyAll();
    expect(wakes).toBe(15_002);
    expect(waiters.size).toBe(0);
  });
});
