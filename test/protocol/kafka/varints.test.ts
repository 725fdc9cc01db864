// Kafka's varints against an independent reference (zigzag + LEB128 over BigInt, test/records): the
// zigzag forms can pass 2^53 even for safe integers, where plain double arithmetic would round.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader, Writer } from '../../../src/protocol/kafka/index.js';
import { referenceVarlong } from '../../records/reference-varint.js';

function written(write: (w: Writer) => void): Buffer {
  const w = new Writer();
  write(w);
  return Buffer.concat(w.finish());
}

describe('varints', () => {
  it('varlong: the reference bytes both ways, for every safe integer and the edges', () => {
    const edges = [0, -1, 1, 63, -64, 64, 2 ** 52, -(2 ** 52) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeInteger(), fc.constantFrom(...edges)), (v) => {
        const bytes = written((w) => w.varlong(v));
        expect(bytes).toEqual(referenceVarlong(BigInt(v)));
        expect(new Reader(bytes).varlong()).toBe(v);
      }),
      { numRuns: 2000 },
    );
  });

  it('varint (int32): the reference bytes both ways', () => {
    fc.assert(
      fc.property(fc.integer(), (v) => {
        const bytes = written((w) => w.varint(v));
        expect(bytes).toEqual(referenceVarlong(BigInt(v)));
        expect(new Reader(bytes).varint()).toBe(v);
      }),
    );
  });

  it('refuses varlongs beyond ±(2^53 - 1) and varints over 5 bytes', () => {
    expect(() => new Reader(referenceVarlong(2n ** 53n)).varlong()).toThrow(/beyond/);
    expect(() => new Reader(referenceVarlong(-(2n ** 63n))).varlong()).toThrow(/beyond/);
    expect(() => new Reader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).uvarint()).toThrow(
      /longer than 5 bytes/,
    );
    expect(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f])).uvarint()).toThrow(/exceeds 32 bits/);
  });
});
