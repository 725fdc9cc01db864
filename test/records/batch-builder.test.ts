import { crc32c } from '@node-rs/crc32';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchBuilder, DOES_NOT_FIT, type RecordBytes, type RecordHeaders } from '../../src/records/batch-builder.js';
import { CompressionCodec, decodeRecordBatches, type HeadersInput } from '../../src/records/index.js';
import { referenceVarlong } from './reference-varint.js';

const T0 = 1_700_000_000_000;

interface Input {
  key: RecordBytes;
  value: RecordBytes;
  headers?: RecordHeaders;
  timestamp: number;
}

// --- An independent reference encoder: Buffer.concat and BigInt varints, straight from Kafka's format. ---

function varlong(value: number): Buffer {
  return referenceVarlong(BigInt(value));
}

function bytesOf(v: RecordBytes | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v);
}

function field(v: Buffer | null): Buffer {
  return v === null ? varlong(-1) : Buffer.concat([varlong(v.length), v]);
}

function pairsOf(headers: RecordHeaders): Array<[string, Buffer | null]> {
  if (!headers) return [];
  if (Array.isArray(headers)) return headers.map(([k, v]) => [k, bytesOf(v)]);
  const pairs: Array<[string, Buffer | null]> = [];
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    for (const v of Array.isArray(value) ? value : [value]) pairs.push([key, bytesOf(v ?? null)]);
  }
  return pairs;
}

function referenceBatch(records: Input[], stamp = { producerId: -1, producerEpoch: -1, baseSequence: -1 }): Buffer {
  const base = records[0]!.timestamp;
  const encoded = records.map((r, i) => {
    const headers = pairsOf(r.headers);
    const body = Buffer.concat([
      Buffer.from([0]),
      varlong(r.timestamp - base),
      varlong(i),
      field(bytesOf(r.key)),
      field(bytesOf(r.value)),
      varlong(headers.length),
      ...headers.map(([k, v]) => Buffer.concat([field(Buffer.from(k, 'utf8')), field(v)])),
    ]);
    return Buffer.concat([varlong(body.length), body]);
  });
  const section = Buffer.concat(encoded);
  const batch = Buffer.alloc(61 + section.length);
  batch.writeBigInt64BE(0n, 0);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(-1, 12);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(0, 21);
  batch.writeInt32BE(records.length - 1, 23);
  batch.writeBigInt64BE(BigInt(base), 27);
  batch.writeBigInt64BE(BigInt(Math.max(...records.map((r) => r.timestamp))), 35);
  batch.writeBigInt64BE(BigInt(stamp.producerId), 43);
  batch.writeInt16BE(stamp.producerEpoch, 51);
  batch.writeInt32BE(stamp.baseSequence, 53);
  batch.writeInt32BE(records.length, 57);
  section.copy(batch, 61);
  batch.writeUInt32BE(crc32c(batch.subarray(21)) >>> 0, 17);
  return batch;
}

function build(records: Input[], capacity: number | Buffer = 64): Buffer {
  const builder = new BatchBuilder(capacity);
  for (const r of records) builder.append(r.key, r.value, r.headers, r.timestamp);
  return builder.finish();
}

// --- Generators: every shape a producer may hand the builder. ---

const text = fc.string({ unit: 'binary', maxLength: 80 }); // any code point: 1- to 4-byte UTF-8
const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
const fieldArb: fc.Arbitrary<RecordBytes> = fc.oneof(
  fc.constant(null),
  bytes,
  text,
  fc.constant(''),
  fc.constant(Buffer.alloc(0)),
);
const headerValue = fc.oneof(fc.constant(null), fc.constant(undefined), bytes, text);
const pairsArb = fc.array(fc.tuple(text, fc.oneof(fc.constant(null), bytes)), { maxLength: 4 });
const objectArb: fc.Arbitrary<HeadersInput> = fc.dictionary(
  fc.string({ maxLength: 10 }).filter((k) => k !== '__proto__'),
  fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })),
  { maxKeys: 4 },
);
const input: fc.Arbitrary<Input> = fc.record({
  key: fieldArb,
  value: fieldArb,
  headers: fc.oneof(fc.constant(undefined), pairsArb, objectArb),
  timestamp: fc.integer({ min: 0, max: 16_725_225_600_000 }),
});

describe('BatchBuilder', () => {
  it('writes exactly the bytes of an independent reference encoder (keys, values, headers of every kind)', () => {
    fc.assert(
      fc.property(fc.array(input, { minLength: 1, maxLength: 40 }), (records) => {
        expect(build(records).equals(referenceBatch(records))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes back to the same records: strings as their UTF-8 bytes, undefined header values as null', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(input, { minLength: 1, maxLength: 20 }), async (records) => {
        const [batch] = await decodeRecordBatches(build(records));
        expect(batch!.records).toEqual(
          records.map((r, i) => ({
            offset: i,
            timestamp: r.timestamp,
            key: bytesOf(r.key),
            value: bytesOf(r.value),
            headers: pairsOf(r.headers),
          })),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('encodes multi-byte lengths and offset deltas at every varint width boundary, growing from a tiny buffer', () => {
    const sizes = [0, 1, 63, 64, 65, 127, 128, 8191, 8192, 8193, 1_048_576];
    const records: Input[] = sizes.map((n, i) => ({
      key: n % 2 ? 'k'.repeat(n) : null,
      value: Buffer.alloc(n, i),
      timestamp: T0 + i * 1000,
    }));
    // 20,000 small records: offset deltas up to 2 and 3 bytes.
    for (let i = 0; i < 20_000; i++) records.push({ key: null, value: 'v', timestamp: T0 - i });
    const grown = build(records, 0);
    expect(grown.equals(referenceBatch(records))).toBe(true);
    expect(grown.equals(build(records, 4_000_000))).toBe(true);
  });

  it('writes the same bytes into a recycled buffer full of old data', () => {
    const records: Input[] = [
      { key: 'a', value: Buffer.from('first'), headers: { h: ['x', null] }, timestamp: T0 },
      { key: null, value: 'ü'.repeat(50), timestamp: T0 + 5 },
    ];
    const dirty = Buffer.alloc(4096, 0xee);
    expect(build(records, dirty).equals(referenceBatch(records))).toBe(true);
  });

  it('stamps the idempotence fields', () => {
    const records: Input[] = [{ key: null, value: 'v', timestamp: T0 }];
    const builder = new BatchBuilder();
    builder.append(null, 'v', undefined, T0);
    const stamp = { producerId: 2 ** 40 + 7, producerEpoch: 3, baseSequence: 123_456 };
    expect(builder.finish(stamp).equals(referenceBatch(records, stamp))).toBe(true);
  });

  it('refuses a record past the byte limit unless the batch is empty, and the batch stays as it was', () => {
    const builder = new BatchBuilder();
    expect(builder.append(null, Buffer.alloc(500), undefined, T0, 100)).toBe(500 + 9); // the first record always fits
    expect(builder.append(null, Buffer.alloc(10), undefined, T0 + 1, 500)).toBe(DOES_NOT_FIT);
    expect(builder.recordCount).toBe(1);
    const size = builder.append(null, Buffer.alloc(10), undefined, T0 + 1, 1000);
    expect(size).toBe(10 + 7);
    expect(builder.recordsBytes).toBe(509 + 17);
    expect(
      builder.finish().equals(
        referenceBatch([
          { key: null, value: Buffer.alloc(500), timestamp: T0 },
          { key: null, value: Buffer.alloc(10), timestamp: T0 + 1 },
        ]),
      ),
    ).toBe(true);
  });

  it('refuses bad input with a clear error before writing anything', () => {
    const builder = new BatchBuilder();
    builder.append('k', 'v', undefined, T0);
    expect(() => builder.append(null, 'v', undefined, 1.5)).toThrow(/timestamp 1.5 is not an integer/);
    expect(() => builder.append(null, 42 as unknown as string, undefined, T0)).toThrow(
      /message value must be a Buffer, a string or null/,
    );
    expect(() => builder.append({} as unknown as string, 'v', undefined, T0)).toThrow(/message key must be/);
    expect(() => builder.append(null, 'v', { h: 5 as unknown as string }, T0)).toThrow(/header h must be/);
    expect(() => builder.append(null, 'v', undefined, -(2 ** 53) + 1)).toThrow(/not a safe integer/); // delta out of range
    expect(builder.finish().equals(referenceBatch([{ key: 'k', value: 'v', timestamp: T0 }]))).toBe(true);
  });

  it('refuses to finish an empty batch', () => {
    expect(() => new BatchBuilder().finish()).toThrow(/at least one record/);
  });

  it('builds a compressed batch from its records section that decodes to the same records', async () => {
    const { compress } = await import('../../src/records/compression.js');
    const records: Input[] = Array.from({ length: 50 }, (_, i) => ({
      key: `key-${i}`,
      value: 'é'.repeat(i * 7),
      headers: { n: String(i) },
      timestamp: T0 + i,
    }));
    const builder = new BatchBuilder();
    for (const r of records) builder.append(r.key, r.value, r.headers, r.timestamp);
    const batch = builder.finishCompressed(
      CompressionCodec.Gzip,
      await compress(CompressionCodec.Gzip, builder.recordsSection()),
    );
    const [decoded] = await decodeRecordBatches(batch);
    expect(decoded!.header.attributes & 0x07).toBe(CompressionCodec.Gzip);
    expect(decoded!.records.map((r) => [r.key!.toString(), r.value!.toString(), r.headers])).toEqual(
      records.map((r) => [r.key, r.value, [['n', Buffer.from(String(r.timestamp - T0))]]]),
    );
  });
});
