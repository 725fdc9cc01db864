import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../storage/serial-queue.js';

const BUSY = Symbol('busy');

describe('SerialQueue.runNow (a task run in the caller turn when the queue is idle)', () => {
  it('runs the task at once when idle and returns its value as it is', () => {
    const queue = new SerialQueue();
    const order: string[] = [];
    const value = queue.runNow(() => {
      order.push('task');
      return 7;
    }, BUSY);
    order.push('after');
    expect(value).toBe(7);
    expect(order).toEqual(['task', 'after']);
    // Idle again at once: the next one runs now too.
    expect(queue.runNow(() => 8, BUSY)).toBe(8);
  });

  it('runs nothing and answers busy while a queued task waits or runs, and runs again once it ended', async () => {
    const queue = new SerialQueue();
    let release!: () => void;
    const running = queue.run(() => new Promise<void>((resolve) => (release = resolve)));
    let ran = false;
    expect(
      queue.runNow(() => {
        ran = true;
      }, BUSY),
    ).toBe(BUSY);
    expect(ran).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.runNow(() => 'meanwhile', BUSY)).toBe(BUSY);
    release();
    await running;
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.runNow(() => 'now', BUSY)).toBe('now');
  });

  it('keeps the queue busy until a task that returned a promise settles, and queues after it', async () => {
    const queue = new SerialQueue();
    const order: string[] = [];
    let release!: () => void;
    const inline = queue.runNow(
      () =>
        new Promise<string>((resolve) => {
          release = () => {
            order.push('inline ends');
            resolve('inline');
          };
        }),
      BUSY,
    );
    expect(inline).toBeInstanceOf(Promise);
    expect(queue.runNow(() => 'other', BUSY)).toBe(BUSY);
    const next = queue.run(async () => {
      order.push('next');
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);
    release();
    await next;
    expect(await inline).toBe('inline');
    expect(order).toEqual(['inline ends', 'next']);
  });

  it('runs a task queued by the inline task itself after it: after its value, or after the promise it returns', async () => {
    for (const returnsPromise of [false, true]) {
      const queue = new SerialQueue();
      const order: string[] = [];
      let release!: () => void;
      let queued!: Promise<void>;
      const inline = queue.runNow(() => {
        queued = queue.run(async () => {
          order.push('queued');
        });
        order.push('inline body');
        if (!returnsPromise) return 'done';
        return new Promise<string>((resolve) => {
          release = () => {
            order.push('inline ends');
            resolve('done');
          };
        });
      }, BUSY);
      await new Promise((resolve) => setImmediate(resolve));
      if (returnsPromise) {
        expect(order).toEqual(['inline body']);
        release();
      }
      await queued;
      expect(await inline).toBe('done');
      expect(order).toEqual(returnsPromise ? ['inline body', 'inline ends', 'queued'] : ['inline body', 'queued']);
      // Two tasks queued during one inline run keep their order.
      const later: string[] = [];
      queue.runNow(() => {
        void queue.run(async () => {
          later.push('first');
        });
        void queue.run(async () => {
          later.push('second');
        });
      }, BUSY);
      await queue.run(async () => {
        later.push('third');
      });
      expect(later).toEqual(['first', 'second', 'third']);
    }
  });

  it('throws a synchronous throw on, and is idle after it', () => {
    const queue = new SerialQueue();
    expect(() =>
      queue.runNow(() => {
        throw new Error('refused');
      }, BUSY),
    ).toThrow('refused');
    expect(queue.runNow(() => 1, BUSY)).toBe(1);
  });
});
