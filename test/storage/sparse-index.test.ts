// The in-memory sparse indexes over many entries (their columns are kept in chunks: storage/sparse-index.ts):
// lookups, truncation across a chunk edge and the file form agree with a plain list of the same entries.
import { describe, expect, it } from 'vitest';
import { OffsetIndex, TimeIndex } from '../../storage/sparse-index.js';

const ENTRIES = 20_000; // several chunks of 4,096 entries

function offsetModel(n: number) {
  return Array.from({ length: n }, (_, i) => ({ rel: i * 3 + 1, pos: i * 4096 }));
}

describe('OffsetIndex over many entries', () => {
  it('finds every entry, truncates across a chunk edge, appends again, and round-trips its file form', () => {
    const index = new OffsetIndex();
    let model = offsetModel(ENTRIES);
    for (const e of model) index.append(e.rel, e.pos);
    expect(index.length).toBe(ENTRIES);
    for (const i of [0, 1, 4095, 4096, 4097, 8191, 8192, 12_345, ENTRIES - 1]) {
      expect(index.relAt(i)).toBe(model[i]!.rel);
      expect(index.positionAt(i)).toBe(model[i]!.pos);
      expect(index.floor(model[i]!.rel + 1)).toBe(i);
      expect(index.floorByPosition(model[i]!.pos + 100)).toBe(i);
    }
    expect(index.floor(0)).toBe(-1);

    // Cut back into the first chunk, then write over the old entries and past them again.
    index.truncateFrom(model[3000]!.rel, Number.MAX_SAFE_INTEGER);
    expect(index.length).toBe(3000);
    model = model.slice(0, 3000);
    for (let i = 3000; i < 9000; i++) {
      const e = { rel: i * 3 + 2, pos: i * 4096 + 7 };
      model.push(e);
      index.append(e.rel, e.pos);
    }
    for (const i of [2999, 3000, 4096, 8999]) {
      expect(index.relAt(i)).toBe(model[i]!.rel);
      expect(index.positionAt(i)).toBe(model[i]!.pos);
    }

    const parsed = OffsetIndex.parse(index.toBuffer(), Number.MAX_SAFE_INTEGER)!;
    expect(parsed.length).toBe(9000);
    expect(parsed.toBuffer().equals(index.toBuffer())).toBe(true);
    expect(parsed.positionAt(8999)).toBe(model[8999]!.pos);
  });
});

describe('TimeIndex over many entries', () => {
  it('finds the last entry before a time across chunks and round-trips its file form', () => {
    const index = new TimeIndex();
    const base = 1_700_000_000_000;
    for (let i = 0; i < ENTRIES; i++) index.append(base + i * 10, i * 2);
    expect(index.lastTimestamp).toBe(base + (ENTRIES - 1) * 10);
    for (const i of [0, 4095, 4096, 15_000, ENTRIES - 1]) {
      expect(index.timestampAt(i)).toBe(base + i * 10);
      expect(index.relAt(i)).toBe(i * 2);
      expect(index.lastBefore(base + i * 10 + 1)).toBe(i);
    }
    expect(index.lastBefore(base)).toBe(-1);
    index.truncateFrom(5000 * 2);
    expect(index.length).toBe(5000);
    expect(index.lastTimestamp).toBe(base + 4999 * 10);
    const parsed = TimeIndex.parse(index.toBuffer(), Number.MAX_SAFE_INTEGER)!;
    expect(parsed.length).toBe(5000);
    expect(parsed.timestampAt(4096)).toBe(base + 40_960);
  });
});
