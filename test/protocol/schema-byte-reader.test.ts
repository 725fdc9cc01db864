// The responses and requests read straight from their msgpack bytes (schema-byte-reader.ts, framing.ts
// locateResponseBody and locateRequestBody) against the generic decoder: the same value, key order
// included, for random valid responses and requests of every API; and for hostile bytes the byte reader
// gives up, leaving the frame to the generic decoder and its errors.
import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_APIS,
  type AnyNativeApi,
  decodeRequestPayload,
  decodeResponsePayload,
  encodeErrorResponseFrame,
  encodeFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  FetchPushApi,
  FramingError,
  locateRequestBody,
  locateResponseBody,
  ProduceApi,
  ProtocolError,
  RequestHeaderError,
} from '../../src/protocol/index.js';
import { EXAMPLES } from './examples.js';
import { structOf } from './schema-arbitraries.js';

/** The payload (the bytes after frameLength) of a response frame. */
function payloadOf(frame: Buffer[]): Buffer {
  return Buffer.concat(frame).subarray(4);
}

function generic(api: AnyNativeApi, payload: Buffer): unknown {
  const frame = decodeResponsePayload(payload);
  return api.decodeResponse(frame.body, frame.tail, api.maxVersion);
}

function direct(api: AnyNativeApi, payload: Buffer): unknown {
  const located = locateResponseBody(payload);
  if (located === null) return undefined;
  return api.decodeResponseFrom!(located.header, located.bodyStart, located.tail, api.maxVersion);
}

/** Every object's keys in order, depth first: the hidden class's shape of a decoded value. */
function shapeOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(shapeOf);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...shapeOf(v)]);
}

describe('responses read straight from their bytes', () => {
  it.each(ALL_APIS.map((api) => ({ api })))(
    '$api.name: the generic decoder’s value, for random responses',
    ({ api }) => {
      fc.assert(
        fc.property(structOf(api.response.fields, api.maxVersion), fc.nat(2 ** 31 - 1), (value, correlationId) => {
          const { body, tail } = api.encodeResponse(value);
          const payload = payloadOf(encodeResponseFrame(correlationId, body, tail));
          const expected = generic(api, payload);
          const got = direct(api, payload);
          expect(got).toStrictEqual(expected);
          expect(shapeOf(got)).toEqual(shapeOf(expected));
          expect(locateResponseBody(payload)!.correlationId).toBe(correlationId);
        }),
        { numRuns: 60 },
      );
    },
  );

  it('reads record bytes as views of the frame, in body order', () => {
    const a = Buffer.from('first batch');
    const b = Buffer.from('second');
    const value = {
      final: false,
      topics: [
        {
          name: 't',
          partitions: [0, 1].map((partition) => ({
            partition,
            errorCode: 0,
            errorMessage: null,
            highWatermark: 10,
            records: partition === 0 ? a : b,
          })),
        },
      ],
    };
    const { body, tail } = FetchPushApi.encodeResponse(value as never);
    const payload = payloadOf(encodeResponseFrame(7, body, tail));
    const got = direct(FetchPushApi, payload) as { topics: Array<{ partitions: Array<{ records: Buffer[] }> }> };
    const [p0, p1] = got.topics[0]!.partitions;
    expect(p0!.records).toEqual([a]);
    expect(p1!.records).toEqual([b]);
    expect(p0!.records[0]!.buffer).toBe(payload.buffer);
  });

  it('leaves an error answer and other header layouts to the generic decoder', () => {
    const error = payloadOf(encodeErrorResponseFrame(3, new ProtocolError('INVALID_REQUEST', 'nope')));
    expect(locateResponseBody(error)).toBeNull();
    const bodyFirst = payloadOf(encodeFrame({ body: {}, correlationId: 3 }));
    expect(locateResponseBody(bodyFirst)).toBeNull();
    const extraKey = payloadOf(encodeFrame({ correlationId: 3, body: {}, more: 1 }));
    expect(locateResponseBody(extraKey)).toBeNull();
  });
});

/** A FetchPush answer's payload whose body is `body` (any msgpack value) and whose tail is `tail`. */
function pushPayload(body: unknown, tail = Buffer.alloc(0)): Buffer {
  return payloadOf(encodeFrame({ correlationId: 9, body }, [tail]));
}

const partition = { partition: 0, errorCode: 0, errorMessage: null, highWatermark: 1, recordsBytes: 0 };

describe('hostile response bytes', () => {
  it('a truncated header is a framing error, as before', () => {
    const { body, tail } = FetchPushApi.encodeResponse(EXAMPLES[FetchPushApi.key]!.response as never);
    const whole = payloadOf(encodeResponseFrame(9, body, tail));
    const headerLength = whole.readUInt32BE(0);
    for (const cut of [1, 5, 20, headerLength - 1]) {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(cut, 0);
      const truncated = Buffer.concat([length, whole.subarray(4, 4 + cut)]);
      expect(() => locateResponseBody(truncated)).toThrow(FramingError);
      expect(() => decodeResponsePayload(truncated)).toThrow(FramingError);
    }
    expect(() => locateResponseBody(whole.subarray(0, 3))).toThrow(FramingError);
  });

  it('a field of the wrong type is left to the generic decoder, whose error names it', () => {
    const cases: Array<[unknown, string]> = [
      [
        { topics: [{ name: 't', partitions: [{ ...partition, highWatermark: 'x' }] }] },
        'topics[0].partitions[0].highWatermark',
      ],
      [{ topics: [{ name: 7, partitions: [] }] }, 'topics[0].name'],
      [{ final: 1, topics: [] }, 'final'],
      [{ topics: { name: 't' } }, 'topics'],
      [
        { topics: [{ name: 't', partitions: [{ ...partition, highWatermark: 2 ** 60 }] }] },
        'topics[0].partitions[0].highWatermark',
      ],
      [
        { topics: [{ name: 't', partitions: [{ ...partition, highWatermark: null }] }] },
        'topics[0].partitions[0].highWatermark',
      ],
      [
        { topics: [{ name: 't', partitions: [{ ...partition, recordsBytes: -1 }] }] },
        'topics[0].partitions[0].recordsBytes',
      ],
    ];
    for (const [body, path] of cases) {
      const payload = pushPayload(body);
      expect(direct(FetchPushApi, payload), path).toBeUndefined();
      expect(() => generic(FetchPushApi, payload)).toThrow(new RegExp(`^${path.replace(/[[\].]/g, '\\$&')}: `));
    }
  });

  it('oversized lengths: record bytes past the tail, more entries than allowed, a count past the bytes', () => {
    const past = pushPayload(
      { topics: [{ name: 't', partitions: [{ ...partition, recordsBytes: 5 }] }] },
      Buffer.from('abc'),
    );
    expect(direct(FetchPushApi, past)).toBeUndefined();
    expect(() => generic(FetchPushApi, past)).toThrow(/recordsBytes 5 overruns the 3 tail bytes left/);

    const unclaimed = pushPayload(
      { topics: [{ name: 't', partitions: [{ ...partition, recordsBytes: 1 }] }] },
      Buffer.from('abc'),
    );
    expect(direct(FetchPushApi, unclaimed)).toBeUndefined();
    expect(() => generic(FetchPushApi, unclaimed)).toThrow(/2 tail bytes are not claimed/);

    const many = pushPayload({ topics: Array.from({ length: 100_001 }, () => null) });
    expect(direct(FetchPushApi, many)).toBeUndefined();
    expect(() => generic(FetchPushApi, many)).toThrow(/topics: more than 100000 entries/);

    // {correlationId: 9, body: {topics: <array32 claiming 2^32 - 1 items>}} with nothing after the count.
    const head = Buffer.from(encode({ correlationId: 9, body: { topics: [] } }));
    const doc = Buffer.concat([head.subarray(0, head.length - 1), Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff])]);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(doc.length, 0);
    const claims = Buffer.concat([prefix, doc]);
    expect(() => locateResponseBody(claims)).toThrow(FramingError);
  });

  it('an unknown key, a duplicate key or a nil body is left to the generic decoder', () => {
    const unknown = pushPayload({ topics: [], newerField: 1 });
    expect(direct(FetchPushApi, unknown)).toBeUndefined();
    expect(generic(FetchPushApi, unknown)).toMatchObject({ topics: [], final: true });

    // {topics: [], topics: []}: msgpack allows it, the generic decoder keeps the last.
    const once = Buffer.from(encode({ correlationId: 9, body: { topics: [] } }));
    const bodyAt = once.length - 9; // 0x81 0xa6 "topics" 0x90
    const twice = Buffer.concat([
      once.subarray(0, bodyAt),
      Buffer.from([0x82]),
      once.subarray(bodyAt + 1),
      once.subarray(bodyAt + 1),
    ]);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(twice.length, 0);
    const duplicate = Buffer.concat([prefix, twice]);
    expect(direct(FetchPushApi, duplicate)).toBeUndefined();
    expect(generic(FetchPushApi, duplicate)).toMatchObject({ topics: [] });

    const nil = pushPayload(null);
    expect(direct(FetchPushApi, nil)).toBeUndefined();
    expect(() => generic(FetchPushApi, nil)).toThrow(/body: expected a map/);
  });
});

function genericRequest(api: AnyNativeApi, payload: Buffer): unknown {
  const frame = decodeRequestPayload(payload);
  return api.decodeRequest(frame.body, frame.tail, frame.apiVersion);
}

function directRequest(api: AnyNativeApi, payload: Buffer): unknown {
  const located = locateRequestBody(payload);
  if (located === null) return undefined;
  return api.decodeRequestFrom!(located.header, located.bodyStart, located.tail, located.apiVersion);
}

/** A request frame's payload as the SDK writes it (connection.ts: the header's keys in this order). */
function requestPayload(api: AnyNativeApi, body: unknown, tail: readonly Buffer[] = [], clientId: string | null = 'c') {
  const header = { apiKey: api.key, apiVersion: api.maxVersion, correlationId: 5, clientId };
  return payloadOf(encodeRequestFrame(header, body, tail));
}

describe('requests read straight from their bytes', () => {
  it.each(ALL_APIS.map((api) => ({ api })))(
    '$api.name: the generic decoder’s value and header, for random requests',
    ({ api }) => {
      fc.assert(
        fc.property(
          structOf(api.request.fields, api.maxVersion),
          fc.nat(2 ** 32 - 1),
          fc.option(fc.string({ unit: 'grapheme', maxLength: 10 }), { nil: null }),
          (value, correlationId, clientId) => {
            const { body, tail } = api.encodeRequest(value);
            const header = { apiKey: api.key, apiVersion: api.maxVersion, correlationId, clientId };
            const payload = payloadOf(encodeRequestFrame(header, body, tail));
            const expected = genericRequest(api, payload);
            const got = directRequest(api, payload);
            expect(got).toStrictEqual(expected);
            expect(shapeOf(got)).toEqual(shapeOf(expected));
            const { body: _body, tail: _tail, ...fields } = decodeRequestPayload(payload);
            expect(locateRequestBody(payload)).toMatchObject(fields);
          },
        ),
        { numRuns: 40 },
      );
    },
  );

  it('reads a produce request’s record bytes as views of the frame', () => {
    const records = Buffer.from('a record batch');
    const value = {
      acks: 1,
      timeoutMs: 30_000,
      topics: [{ name: 't', partitions: [{ partition: 0, records }] }],
    };
    const { body, tail } = ProduceApi.encodeRequest(value as never);
    const payload = requestPayload(ProduceApi, body, tail);
    const got = directRequest(ProduceApi, payload) as { topics: Array<{ partitions: Array<{ records: Buffer }> }> };
    expect(got).toStrictEqual(genericRequest(ProduceApi, payload));
    expect(got.topics[0]!.partitions[0]!.records).toEqual(records);
    expect(got.topics[0]!.partitions[0]!.records.buffer).toBe(payload.buffer);
  });

  it('leaves other header layouts and refused header fields to the generic decoder', () => {
    const body = { topics: [] };
    const reordered = payloadOf(encodeFrame({ apiVersion: 0, apiKey: 3, correlationId: 5, clientId: 'c', body }));
    expect(locateRequestBody(reordered)).toBeNull();
    const noClientId = payloadOf(encodeFrame({ apiKey: 3, apiVersion: 0, correlationId: 5, body }));
    expect(locateRequestBody(noClientId)).toBeNull();
    const extraKey = payloadOf(encodeFrame({ apiKey: 3, apiVersion: 0, correlationId: 5, clientId: 'c', body, x: 1 }));
    expect(locateRequestBody(extraKey)).toBeNull();

    const longClientId = payloadOf(
      encodeFrame({ apiKey: 3, apiVersion: 0, correlationId: 5, clientId: 'x'.repeat(1025), body }),
    );
    expect(locateRequestBody(longClientId)).toBeNull();
    expect(() => decodeRequestPayload(longClientId)).toThrow(/clientId: string longer than 1024 characters/);
    const bigApiKey = payloadOf(encodeFrame({ apiKey: 70_000, apiVersion: 0, correlationId: 5, clientId: 'c', body }));
    expect(locateRequestBody(bigApiKey)).toBeNull();
    expect(() => decodeRequestPayload(bigApiKey)).toThrow(RequestHeaderError);
  });
});

describe('hostile request bytes', () => {
  it('a truncated header is a framing error, a header past the limits naming its correlationId an answer', () => {
    const { body, tail } = ProduceApi.encodeRequest(EXAMPLES[ProduceApi.key]!.request as never);
    const whole = requestPayload(ProduceApi, body, tail);
    const headerLength = whole.readUInt32BE(0);
    for (const cut of [1, 5, 20, headerLength - 1]) {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(cut, 0);
      const truncated = Buffer.concat([length, whole.subarray(4, 4 + cut)]);
      expect(() => locateRequestBody(truncated)).toThrow(FramingError);
      expect(() => decodeRequestPayload(truncated)).toThrow(FramingError);
    }
    // Past the limit after the correlationId (the 7th value): answered, as before; before it: closed.
    for (const maxHeaderItems of [8, 5]) {
      const limits = { maxHeaderBytes: 1024 * 1024, maxHeaderItems, maxHeaderDepth: 32 };
      const thrown = (read: () => unknown) => {
        try {
          read();
        } catch (error) {
          return error as Error;
        }
        throw new Error('read it');
      };
      const located = thrown(() => locateRequestBody(whole, limits));
      const decoded = thrown(() => decodeRequestPayload(whole, limits));
      expect(located).toBeInstanceOf(decoded.constructor);
      expect(located.message).toBe(decoded.message);
      expect(located instanceof RequestHeaderError).toBe(maxHeaderItems === 8);
    }
  });

  it('a field of the wrong type or a name that is not UTF-8 is left to the generic decoder', () => {
    const topic = (name: unknown, partition: unknown) => ({
      acks: 1,
      timeoutMs: 30_000,
      topics: [{ name, partitions: [{ partition, recordsBytes: 0 }] }],
    });
    const wrongType = requestPayload(ProduceApi, topic('t', 'zero'));
    expect(directRequest(ProduceApi, wrongType)).toBeUndefined();
    expect(() => genericRequest(ProduceApi, wrongType)).toThrow(/^topics\[0\]\.partitions\[0\]\.partition: /);

    // A topic name of the bytes 74 ff ("t" and a byte no UTF-8 text has): msgpack str8 by hand.
    const valid = requestPayload(ProduceApi, topic('tx', 0));
    const at = valid.indexOf(Buffer.from([0xa2, 0x74, 0x78]));
    const invalid = Buffer.from(valid);
    invalid[at + 2] = 0xff;
    expect(directRequest(ProduceApi, invalid)).toBeUndefined();
    expect(genericRequest(ProduceApi, invalid)).toMatchObject({
      topics: [{ name: (decodeRequestPayload(invalid).body as { topics: Array<{ name: string }> }).topics[0]!.name }],
    });
  });
});
