import { describe, expect, it } from 'vitest';
import { WindowQueue } from '../../../src/broker/share/window-queue.js';

const entry = (offset: number) => ({ record: { offset }, name: `r${offset}` });

describe('WindowQueue', () => {
  it('finds entries by offset across gaps, in offset order, and forgets the ones shifted off the front', () => {
    const queue = new WindowQueue<ReturnType<typeof entry>>();
    const offsets = [5, 6, 7, 10, 11, 20, 21, 22, 100];
    for (const offset of offsets) queue.push(entry(offset));
    for (const offset of offsets) expect(queue.get(offset)?.name).toBe(`r${offset}`);
    for (const missing of [0, 4, 8, 9, 12, 19, 23, 99, 101]) expect(queue.get(missing)).toBeUndefined();
    queue.shift();
    queue.shift();
    expect(queue.get(5)).toBeUndefined();
    expect(queue.get(6)).toBeUndefined();
    expect(queue.first()?.record.offset).toBe(7);
    expect(queue.size).toBe(7);
    expect([...queue.values()].map((e) => e.record.offset)).toEqual([7, 10, 11, 20, 21, 22, 100]);
    expect(queue.at(3)?.record.offset).toBe(20);
  });

  it('keeps working through many pushes and shifts (the front is dropped as it grows)', () => {
    const queue = new WindowQueue<ReturnType<typeof entry>>();
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) queue.push(entry(next++));
      for (let i = 0; i < 90; i++) queue.shift();
    }
    expect(queue.size).toBe(500);
    expect(queue.first()?.record.offset).toBe(next - 500);
    expect(queue.get(next - 1)?.record.offset).toBe(next - 1);
    expect(queue.get(next - 501)).toBeUndefined();
    for (let i = 0; i < 500; i++) queue.shift();
    expect(queue.size).toBe(0);
    expect(queue.first()).toBeUndefined();
    expect(queue.get(next - 1)).toBeUndefined();
  });
});
