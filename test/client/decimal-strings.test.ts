import { describe, expect, it } from 'vitest';
import { OffsetStrings, TimestampStrings } from '../../src/client/decimal-strings.js';

describe('decimal strings of offsets and timestamps', () => {
  it('gives the same strings as String() for consecutive and scattered offsets', () => {
    const offsets = new OffsetStrings();
    const values = [
      ...Array.from({ length: 3000 }, (_, i) => i),
      999_999,
      1_000_000,
      1_000_001,
      2 ** 40 + 7,
      Number.MAX_SAFE_INTEGER,
      5,
      123_456,
    ];
    for (const n of values) expect(offsets.of(n)).toBe(String(n));
  });

  it('gives the same strings as String() for repeated and changing timestamps', () => {
    const timestamps = new TimestampStrings();
    for (const t of [1_796_394_521_206, 1_796_394_521_206, 1_796_394_521_207, 0, 0, -1, 1_796_394_521_206, 999, 1000])
      expect(timestamps.of(t)).toBe(String(t));
  });
});
