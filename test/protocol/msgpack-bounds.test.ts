// The header bounds scan (src/protocol/msgpack-bounds.ts): it must agree with the real decoder on what is
// one msgpack document, count values and depth exactly, find a top-level correlationId, and stop early
// on documents that would be expensive to decode.
import { Decoder, encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HeaderLimits, scanMsgpack } from '../../src/protocol/index.js';

const open: HeaderLimits = { maxHeaderBytes: 1 << 30, maxHeaderItems: 1 << 30, maxHeaderDepth: 1000 };
const bytes = (value: unknown, forceFloat32 = false) =>
  Buffer.from(encode(value, { ignoreUndefined: true, useBigInt64: true, forceFloat32 }));

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('scanMsgpack', () => {
  it('accepts every document the decoder reads, and finds nothing to refuse in it (property)', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 6, withBigInt: true, withTypedArray: true, withDate: true }), (value) => {
        const doc = bytes(value);
        expect(scanMsgpack(doc, open)).toEqual({ exceeded: null, malformed: null, correlationId: undefined });
      }),
      { numRuns: 500 },
    );
  });

  it('reads every msgpack type and length class the same as the decoder', () => {
    const sizes = [0, 15, 16, 31, 32, 255, 256, 65535, 65536];
    const values: unknown[] = [
      ...sizes.flatMap((n) => ['x'.repeat(n), Buffer.alloc(n), Array.from({ length: n }, () => null)]),
      ...sizes.map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
      ...[0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1, -32, -33, -128, -129, -32768, -32769].map(
        (n) => [n, 2 ** 31 + n, -(2 ** 31) + n],
      ),
      [2n ** 63n, -(2n ** 63n), 1.5, new Date(0), new Date(2 ** 40), true, false, null],
    ];
    for (const value of values) {
      expect(scanMsgpack(bytes(value), open)).toEqual({ exceeded: null, malformed: null, correlationId: undefined });
      expect(scanMsgpack(bytes(value, true), open).malformed).toBeNull();
    }
  });

  it('calls malformed only what the decoder cannot read (random and truncated bytes, property)', () => {
    const decoder = new Decoder();
    const valid = fc.anything({ maxDepth: 3 }).map(bytes);
    const truncated = valid.chain((doc) => fc.nat(Math.max(0, doc.length - 1)).map((n) => doc.subarray(0, n)));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), truncated), (raw) => {
        const doc = Buffer.from(raw);
        if (scanMsgpack(doc, open).malformed === null) return;
        expect(() => decoder.decode(doc)).toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it('counts every array, map, key and scalar as one value', () => {
    // map(1) + 2 keys + 'x' + array(1) + 3 elements = 8 values
    const doc = bytes({ a: 'x', b: [1, 2, {}] });
    expect(scanMsgpack(doc, { ...open, maxHeaderItems: 8 }).exceeded).toBeNull();
    expect(scanMsgpack(doc, { ...open, maxHeaderItems: 7 }).exceeded).toBe('holds more than maxHeaderItems (7) values');
  });

  it('counts the depth of arrays and maps, empty ones included', () => {
    expect(scanMsgpack(bytes(nested(32)), { ...open, maxHeaderDepth: 32 }).exceeded).toBeNull();
    expect(scanMsgpack(bytes(nested(33)), { ...open, maxHeaderDepth: 32 }).exceeded).toBe(
      'nests deeper than maxHeaderDepth (32) levels',
    );
    expect(scanMsgpack(bytes({ a: { b: {} } }), { ...open, maxHeaderDepth: 2 }).exceeded).toMatch(/nests deeper/);
  });

  it('stops at the limit of a document nested millions deep, or claiming billions of values', () => {
    const deep = Buffer.alloc(8 * 1024 * 1024, 0x91);
    expect(scanMsgpack(deep, { ...open, maxHeaderDepth: 32 }).exceeded).toMatch(/nests deeper/);
    // An array32 of 2^32-1 nils with only a few present: ends inside the document, found without allocating.
    const claims = Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0, 0xc0]);
    expect(scanMsgpack(claims, open).malformed).toBe('it ends inside a value after 7 bytes');
    const many = Buffer.concat([Buffer.from([0xdd, 0x00, 0x10, 0x00, 0x00]), Buffer.alloc(0x100000, 0x80)]);
    expect(scanMsgpack(many, { ...open, maxHeaderItems: 1000 }).exceeded).toMatch(/more than maxHeaderItems/);
  });

  it('reports the byte limit of a document within the other limits', () => {
    const doc = bytes({ blob: Buffer.alloc(5000) });
    expect(scanMsgpack(doc, { ...open, maxHeaderBytes: 5000 }).exceeded).toBe(
      `of ${doc.length} bytes exceeds maxHeaderBytes (5000)`,
    );
    expect(scanMsgpack(doc, { ...open, maxHeaderBytes: doc.length }).exceeded).toBeNull();
  });

  it('names bytes that follow the document, and invalid type bytes', () => {
    expect(scanMsgpack(Buffer.from([0x80, 0x01]), open).malformed).toBe('1 bytes follow the document');
    expect(scanMsgpack(Buffer.from([0x91, 0xc1]), open).malformed).toBe('byte 0xc1 at 1 is not a msgpack type');
  });

  it('finds a top-level integer correlationId seen before a limit was passed', () => {
    // The SDK's encoding (no useBigInt64): integers above 2^32 are uint64.
    const header = (correlationId: unknown, body: unknown) =>
      Buffer.from(encode({ apiKey: 3, apiVersion: 0, correlationId, clientId: 'c', body }));
    for (const id of [0, 7, 200, 70_000, -5, -70_000, 2 ** 40]) {
      expect(scanMsgpack(header(id, nested(60)), { ...open, maxHeaderDepth: 32 })).toMatchObject({
        exceeded: 'nests deeper than maxHeaderDepth (32) levels',
        correlationId: id,
      });
    }
    expect(scanMsgpack(header('7', {}), open).correlationId).toBeUndefined();
    // Only at the top level: a correlationId inside the body is not the request's.
    expect(scanMsgpack(bytes({ body: { correlationId: 9 } }), open).correlationId).toBeUndefined();
    // Found only if it comes before the limit is passed.
    const late = scanMsgpack(bytes({ body: nested(60), correlationId: 9 }), { ...open, maxHeaderDepth: 32 });
    expect(late.correlationId).toBeUndefined();
  });
});
