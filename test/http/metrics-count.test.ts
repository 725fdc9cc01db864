// The records-out counter of /metrics counts the records of the batches a fetch answers with, reading the
// batch headers where they lie: whole batches in one buffer, or split across buffers at any byte.
import { describe, expect, it } from 'vitest';
import { countRecords } from '../../src/http/metrics.js';
import { buildRecordBatchSync } from '../../src/records/index.js';

const batch = (records: number) =>
  buildRecordBatchSync(
    Array.from({ length: records }, (_, i) => ({ key: null, value: Buffer.from(`v${i}`), headers: [], timestamp: 1 })),
  );

describe('countRecords', () => {
  const bytes = Buffer.concat([batch(3), batch(1), batch(7)]);

  it('counts the records of batches laid end to end', () => {
    expect(countRecords([bytes])).toBe(11);
    expect(countRecords([])).toBe(0);
  });

  it('counts the same however the bytes are cut into chunks', () => {
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(countRecords([bytes.subarray(0, cut), bytes.subarray(cut)])).toBe(11);
    }
    const third = Math.floor(bytes.length / 3);
    expect(countRecords([bytes.subarray(0, third), bytes.subarray(third, 2 * third), bytes.subarray(2 * third)])).toBe(
      11,
    );
  });
});
