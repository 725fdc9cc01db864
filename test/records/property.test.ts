import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFetchedChunk } from '../../src/client/consumer/decode.js';
import {
  buildRecordBatch,
  CompressionCodec,
  decodeRecordBatches,
  estimateRecordSize,
  pairsToHeaders,
  type RecordInput,
} from '../../src/records/index.js';

// The SDK has one record decoder (src/records/record.ts, RecordReader); decodeRecordBatches and the consumer's
// decodeFetchedChunk are its two entrances, so both are held to the same property.

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
const codecs = [
  ['uncompressed', CompressionCodec.None],
  ['gzip', CompressionCodec.Gzip],
] as const;

describe('property: build → decode is the identity', () => {
  it.each(codecs)('decodeRecordBatches, %s', async (_name, compression) => {
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

  it.each(codecs)('the consumer (decodeFetchedChunk from any offset), %s', async (_name, compression) => {
    const batchAt = fc.record({
      records: fc.array(record, { minLength: 1, maxLength: 30 }),
      baseOffset: fc.integer({ min: 0, max: 2 ** 40 }),
    });
    await fc.assert(
      fc.asyncProperty(batchAt, fc.nat(40), async ({ records, baseOffset }, skip) => {
        const encoded = await buildRecordBatch(records, { compression });
        encoded.writeBigInt64BE(BigInt(baseOffset), 0); // what the broker patches on append (outside the CRC)
        const from = baseOffset + Math.min(skip, records.length - 1);
        const { messages, pos } = await decodeFetchedChunk(encoded, 0, encoded.length, from, 1 << 20);
        expect(pos).toBe(encoded.length);
        expect(
          messages.map((m) => ({
            offset: m.offset,
            timestamp: m.timestamp,
            key: m.key,
            value: m.value,
            headers: m.headers,
          })),
        ).toEqual(
          records
            .map((r, i) => ({
              offset: String(baseOffset + i),
              timestamp: String(r.timestamp),
              key: r.key,
              value: r.value,
              headers: pairsToHeaders(r.headers ?? []),
            }))
            .slice(from - baseOffset),
        );
      }),
      { numRuns: 150 },
    );
  });
});
