// MessageOffsets: consecutive offsets kept as first + count, an array from the first gap on; both answer alike.
import { describe, expect, it } from 'vitest';
import { MessageOffsets } from '../../src/client/consumer/message-offsets.js';

function of(list: number[]): MessageOffsets {
  const offsets = new MessageOffsets();
  for (const o of list) offsets.push(o);
  return offsets;
}

describe('MessageOffsets', () => {
  for (const [name, list] of [
    ['consecutive', [5, 6, 7, 8, 9]],
    ['with a gap', [5, 6, 7, 10, 11]],
    ['gap first', [5, 9, 10]],
    ['one', [42]],
  ] as const) {
    it(`${name}: at, length, indexFrom, slice, truncate as an array would`, () => {
      const offsets = of([...list]);
      expect(offsets.length).toBe(list.length);
      expect(offsets.toArray()).toEqual(list);
      for (let i = 0; i < list.length; i++) expect(offsets.at(i)).toBe(list[i]);
      for (let o = list[0]! - 2; o <= list.at(-1)! + 2; o++) {
        const index = list.findIndex((x) => x >= o);
        expect(offsets.indexFrom(o)).toBe(index < 0 ? list.length : index);
      }
      for (let i = 0; i <= list.length; i++) expect(offsets.slice(i).toArray()).toEqual(list.slice(i));
      const cut = of([...list]);
      cut.truncate(2);
      expect(cut.toArray()).toEqual(list.slice(0, 2));
      cut.push(100);
      expect(cut.toArray()).toEqual([...list.slice(0, 2), 100]);
    });
  }

  it('empty', () => {
    const offsets = new MessageOffsets();
    expect(offsets.length).toBe(0);
    expect(offsets.indexFrom(3)).toBe(0);
    expect(offsets.toArray()).toEqual([]);
  });
});
