import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  RecordFormatError,
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  writeVarint,
  writeVarlong,
} from '../../src/records/index.js';
import { referenceVarlong } from './reference-varint.js';

function encodeVarint(value: number): Buffer {
  const buf = Buffer.alloc(sizeOfVarint(value));
  expect(writeVarint(buf, 0, value)).toBe(buf.length);
  return buf;
}

function encodeVarlong(value: number): Buffer {
  const buf = Buffer.alloc(sizeOfVarlong(value));
  expect(writeVarlong(buf, 0, value)).toBe(buf.length);
  return buf;
}

describe('varint (int32)', () => {
  const vectors: Array<[number, string]> = [
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [63, '7e'],
    [-64, '7f'],
    [64, '8001'],
    [300, 'd804'],
    [2147483647, 'feffffff0f'],
    [-2147483648, 'ffffffff0f'],
  ];
  it.each(vectors)('encodes %i as %s and decodes it back', (value, hex) => {
    expect(encodeVarint(value).toString('hex')).toBe(hex);
    expect(readVarint(Buffer.from(hex, 'hex'))).toEqual({ value, next: hex.length / 2 });
  });

  it('round trips every int32 the property generator picks, matching the BigInt reference', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2147483648, max: 2147483647 }), (value) => {
        const bytes = encodeVarint(value);
        expect(bytes.equals(referenceVarlong(BigInt(value)))).toBe(true);
        expect(readVarint(bytes).value).toBe(value);
      }),
    );
  });

  it('rejects a truncated varint', () => {
    expect(() => readVarint(Buffer.from('80', 'hex'))).toThrow(RecordFormatError);
    expect(() => readVarint(Buffer.alloc(0))).toThrow(/truncated/);
  });

  it('rejects a varint longer than 5 bytes or overflowing int32', () => {
    expect(() => readVarint(Buffer.from('ffffffff8f01', 'hex'))).toThrow(/longer than 5 bytes/);
    expect(() => readVarint(Buffer.from('ffffffff1f', 'hex'))).toThrow(/overflows int32/);
  });

  it('never reads past the end it was given', () => {
    const buf = Buffer.from('8001', 'hex');
    expect(() => readVarint(buf.subarray(0, 1))).toThrow(RecordFormatError);
  });
});

describe('varlong (int64 as safe integers)', () => {
  const edge = [
    0,
    -1,
    1,
    2147483647,
    -2147483648,
    2147483648,
    -2147483649,
    1_700_000_000_000,
    -1_700_000_000_000,
    2 ** 52,
    -(2 ** 52),
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    0x3fffffff,
    0x40000000,
    -0x40000000,
    -0x40000001,
  ];
  it.each(edge)('encodes %d like Kafka and decodes it back', (value) => {
    const bytes = encodeVarlong(value);
    expect(bytes.toString('hex')).toBe(referenceVarlong(BigInt(value)).toString('hex'));
    expect(readVarlong(bytes)).toEqual({ value, next: bytes.length });
  });

  it('round trips any safe integer', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (value) => {
        const bytes = encodeVarlong(value);
        expect(bytes.equals(referenceVarlong(BigInt(value)))).toBe(true);
        expect(readVarlong(bytes).value).toBe(value);
      }),
    );
  });

  it('rejects values outside the safe integer range instead of rounding', () => {
    expect(() => readVarlong(referenceVarlong(2n ** 60n))).toThrow(/safe integer/);
    expect(() => readVarlong(referenceVarlong(-(2n ** 63n)))).toThrow(/safe integer/);
    expect(() => encodeVarlong(2 ** 60)).toThrow(RangeError);
  });

  it('rejects truncated and over-long varlongs', () => {
    expect(() => readVarlong(Buffer.from('ffff', 'hex'))).toThrow(/truncated/);
    expect(() => readVarlong(Buffer.from('ffffffffffffffffff8001', 'hex'))).toThrow(/longer than 10 bytes/);
  });
});
