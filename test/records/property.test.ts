import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildRecordBatch,
  CompressionCodec,
  decodeRecordBatches,
  estimateRecordSize,
  type RecordInput,
} from '../../src/records/index.js';

const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
const record: fc.Arbitrary<RecordInput> = fc.record({
  key: fc.option(bytes, { nil: null }),
  value: fc.option(bytes, { nil: null }),
  headers: fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 20 }), fc.option(bytes, { nil: null })), {
    maxLength: 5,
  }),
  // Millisecond timestamps from 1970 to ~2500, deltas of either sign inside a batch.
  timestamp: fc.integer({ min: 0, max: 16_725_225_600_000 }),
});

describe('property: build → decode is the identity', () => {
  it.each([
    ['uncompressed', CompressionCodec.None],
    ['gzip', CompressionCodec.Gzip],
  ])('%s', async (_name, compression) => {
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 30 }), async (records) => {
        const encoded = await buildRecordBatch(records, { compression });
        const [batch] = await decodeRecordBatches(encoded);
        expect(batch!.records).toEqual(
          records.map((r, i) => ({
            offset: i,
            timestamp: r.timestamp,
            key: r.key,
            value: r.value,
            headers: r.headers,
          })),
        );
        if (compression === CompressionCodec.None) {
          expect(encoded.length - 61).toBeLessThanOrEqual(records.reduce((n, r) => n + estimateRecordSize(r), 0));
        }
      }),
      { numRuns: 150 },
    );
  });
});
