// Response frames written straight from the typed value (schema-byte-writer.ts, ApiSpec.encodeResponseFrame):
// byte for byte the frame of the generic path (encodeResponse, then encodeResponseFrame through @msgpack/msgpack),
// for random valid responses of every API and for the values the generic path takes as they are (extra keys,
// nil, wrong types); what it does not write the same way goes the generic way, with the generic path's error.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_APIS,
  type AnyNativeApi,
  encodeResponseFrame,
  FetchPushApi,
  ProduceApi,
} from '../../src/protocol/index.js';
import { responseFrameWriter } from '../../src/protocol/schema-byte-writer.js';
import { structOf } from './schema-arbitraries.js';

function genericFrame(api: AnyNativeApi, correlationId: number, value: unknown): Buffer {
  const { body, tail } = api.encodeResponse(value);
  return Buffer.concat(encodeResponseFrame(correlationId, body, tail));
}

function direct(api: AnyNativeApi, correlationId: number, value: unknown): Buffer[] | undefined {
  return responseFrameWriter(api.response, api.maxVersion)(correlationId, value);
}

const pushFrame = (records: Buffer[]) => ({
  errorCode: 0,
  final: false,
  throttleTimeMs: 0,
  topics: [
    {
      name: 'orders',
      partitions: [
        {
          partition: 3,
          errorCode: 0,
          errorMessage: null,
          highWatermark: 2 ** 40 + 7,
          lastStableOffset: 2 ** 40 + 7,
          logStartOffset: 0,
          abortedTransactions: null,
          records,
        },
      ],
    },
  ],
});

/** A pushed frame of one partition with some of its fields replaced. */
function withPartition(fields: Record<string, unknown>) {
  const base = pushFrame([Buffer.from('r')]);
  return { ...base, topics: [{ ...base.topics[0]!, partitions: [{ ...base.topics[0]!.partitions[0]!, ...fields }] }] };
}

describe('response frames written straight from the value', () => {
  it.each(ALL_APIS.map((api) => ({ api })))('$api.name: the generic frame, byte for byte', ({ api }) => {
    fc.assert(
      fc.property(
        structOf(api.response.fields, api.maxVersion),
        fc.oneof(fc.nat(2 ** 31 - 1), fc.integer({ min: -(2 ** 31), max: -1 }), fc.maxSafeInteger()),
        (value, correlationId) => {
          const expected = genericFrame(api, correlationId, value);
          const frame = direct(api, correlationId, value);
          // Only a string that is not ASCII is left to the generic path among valid values.
          if (frame === undefined) expect(JSON.stringify(value)).toMatch(/[^\x00-\x7f]/);
          else expect(Buffer.concat(frame)).toEqual(expected);
          expect(Buffer.concat(api.encodeResponseFrame!(correlationId, value))).toEqual(expected);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('keeps record chunks as they are, in body order, after the header', () => {
    const a = Buffer.from('first batch');
    const b = Buffer.from('second');
    const frame = FetchPushApi.encodeResponseFrame(7, pushFrame([a, b]));
    expect(frame.length).toBe(3);
    expect(frame[1]).toBe(a);
    expect(frame[2]).toBe(b);
    expect(Buffer.concat(frame)).toEqual(genericFrame(FetchPushApi, 7, pushFrame([a, b])));
    expect(frame[0]!.readUInt32BE(0)).toBe(Buffer.concat(frame).length - 4);
  });

  it('writes every msgpack width of integers, strings, arrays and maps as the encoder does', () => {
    const numbers = [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -32, -33, -128];
    const more = [-129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53) + 1, 0.5, -1e300, -0];
    for (const v of [...numbers, ...more]) {
      const value = { ...pushFrame([]), throttleTimeMs: v };
      expect(Buffer.concat(FetchPushApi.encodeResponseFrame(v, value))).toEqual(genericFrame(FetchPushApi, v, value));
    }
    for (const length of [0, 31, 32, 255, 256, 65535, 65536]) {
      const value = { ...pushFrame([Buffer.alloc(3)]), topics: [{ name: 'x'.repeat(length), partitions: [] }] };
      expect(Buffer.concat(direct(FetchPushApi, 1, value)!).equals(genericFrame(FetchPushApi, 1, value))).toBe(true);
    }
    for (const count of [0, 15, 16, 70000]) {
      const partitions = Array.from({ length: count }, (_, i) => ({
        ...pushFrame([]).topics[0]!.partitions[0]!,
        partition: i,
      }));
      const value = { ...pushFrame([]), topics: [{ name: 't', partitions }] };
      expect(Buffer.concat(direct(FetchPushApi, 1, value)!).equals(genericFrame(FetchPushApi, 1, value))).toBe(true);
    }
  });

  it('writes what the generic path takes as it is: extra keys, undefined fields, wrong types, nil', () => {
    const base = pushFrame([Buffer.from('r')]);
    const odd: unknown[] = [
      { ...base, extra: { nested: [1, 'two', null, true, Buffer.from([9])] } },
      { ...base, topics: [{ ...base.topics[0]!, partitions: [{ ...base.topics[0]!.partitions[0]!, unknown: 1 }] }] },
      // A subtree without records is taken as it is, extra keys and all.
      withPartition({ abortedTransactions: [{ producerId: 1, firstOffset: 2, extra: ['x', { y: null }] }] }),
      withPartition({ errorMessage: { a: 1, b: undefined, c: [undefined] } }),
      { ...base, throttleTimeMs: undefined },
      { ...base, topics: 'not an array' },
      { ...base, topics: [null, 5, 'x'] },
      { ...base, topics: undefined },
      {},
    ];
    for (const value of odd) {
      expect(Buffer.concat(direct(FetchPushApi, 3, value)!)).toEqual(genericFrame(FetchPushApi, 3, value));
    }
  });

  it('gives up on what the encoder would write otherwise, and the generic path answers (or throws) as before', () => {
    const base = pushFrame([]);
    const unicode = { ...base, topics: [{ name: 'zürich', partitions: [] }] };
    // In a subtree the generic path takes as it is (a partition's errorMessage):
    const bigint = withPartition({ errorMessage: 10n });
    const date = withPartition({ errorMessage: new Date(0) });
    const map = withPartition({ errorMessage: new Map([[1, 2]]) });
    const nonPlain = withPartition({ errorMessage: new (class Thing {})() });
    const unicodeKey = withPartition({ errorMessage: { ключ: 1 } });
    for (const value of [unicode, date, map, nonPlain, unicodeKey]) {
      expect(direct(FetchPushApi, 1, value)).toBeUndefined();
      expect(Buffer.concat(FetchPushApi.encodeResponseFrame(1, value as never))).toEqual(
        genericFrame(FetchPushApi, 1, value),
      );
    }
    expect(direct(FetchPushApi, 1, bigint)).toBeUndefined();
    expect(() => FetchPushApi.encodeResponseFrame(1, bigint as never)).toThrow();
    expect(() => genericFrame(FetchPushApi, 1, bigint)).toThrow();
    let deep: unknown = 1;
    for (let i = 0; i < 120; i++) deep = [deep];
    expect(direct(FetchPushApi, 1, withPartition({ errorMessage: deep }))).toBeUndefined();
    expect(() => genericFrame(FetchPushApi, 1, withPartition({ errorMessage: deep }))).toThrow(/Too deep/);
    // A field of no version of the message: the generic path's RangeError.
    const produce = { topics: [], throttleTimeMs: 0 };
    expect(Buffer.concat(ProduceApi.encodeResponseFrame(1, produce as never))).toEqual(
      genericFrame(ProduceApi, 1, produce),
    );
  });

  it('is not disturbed by a frame written in between (one scratch buffer, copied out)', () => {
    const first = FetchPushApi.encodeResponseFrame(1, pushFrame([Buffer.from('a')]));
    const copy = Buffer.from(first[0]!);
    FetchPushApi.encodeResponseFrame(2, { ...pushFrame([]), topics: [{ name: 'y'.repeat(100_000), partitions: [] }] });
    expect(first[0]).toEqual(copy);
  });
});
