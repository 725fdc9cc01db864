// The interpreter of native definitions (schema.ts → schema-codec.ts) on definitions made for the test:
// what a decoder accepts, what it refuses and the message naming the field, versions, and the encoder's tail.
import { describe, expect, it } from 'vitest';
import { ErrorCode, ProtocolError } from '../../src/protocol/index.js';
import {
  array,
  bool,
  bytes,
  int,
  message,
  oneOf,
  records,
  string,
  stringMap,
  struct,
} from '../../src/protocol/schema.js';
import { messageCodec } from '../../src/protocol/schema-codec.js';

const Request = message({
  name: 'ThingRequest',
  type: 'request',
  apiKey: 900,
  validVersions: '0-2',
  fields: {
    id: int({ min: 0, max: 100 }),
    label: string({ maxLength: 5 }),
    note: string({ nullableVersions: '0+' }),
    wait: int({ min: 0, default: 500 }),
    flag: bool({ default: false }),
    kind: oneOf(['a', 'b']),
    blob: bytes({ maxLength: 4, nullableVersions: '0+' }),
    tags: array(string(), { maxItems: 3, default: [] }),
    configs: stringMap({ default: {} }),
    since: int({ versions: '1+', default: -1 }),
    parts: array(struct({ partition: int({ min: 0 }), records: records() })),
  },
});

const Response = message({
  name: 'ThingResponse',
  type: 'response',
  apiKey: 900,
  validVersions: '0-2',
  fields: { errorCode: int(), parts: array(struct({ partition: int(), records: records({ chunks: true }) })) },
});

const valid = () => ({ id: 7, label: 'abc', kind: 'a', parts: [] as unknown[] });

function refusal(body: unknown, version = 0, tail = Buffer.alloc(0)): string {
  try {
    messageCodec(Request, version).decode(body, tail);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(ErrorCode.INVALID_REQUEST);
    return (error as ProtocolError).message;
  }
  throw new Error('accepted');
}

describe('decoding a request', () => {
  it('fills defaults and nils, and keeps what was sent', () => {
    const decoded = messageCodec(Request, 0).decode(valid(), Buffer.alloc(0));
    expect(decoded).toEqual({
      id: 7,
      label: 'abc',
      note: null,
      wait: 500,
      flag: false,
      kind: 'a',
      blob: null,
      tags: [],
      configs: {},
      since: -1,
      parts: [],
    });
  });

  it('gives every decode its own default arrays and maps', () => {
    const codec = messageCodec(Request, 0);
    const a = codec.decode(valid(), Buffer.alloc(0)) as { tags: string[] };
    a.tags.push('x');
    expect((codec.decode(valid(), Buffer.alloc(0)) as { tags: string[] }).tags).toEqual([]);
  });

  it('refuses an unknown field, naming it', () => {
    expect(refusal({ ...valid(), lable: 'x' })).toBe('lable: unknown field (not in version 0)');
    expect(refusal({ ...valid(), parts: [{ partition: 0, recordsBytes: 0, extra: 1 }] })).toBe(
      'parts[0].extra: unknown field (not in version 0)',
    );
  });

  it('refuses a value of the wrong type with its path', () => {
    expect(refusal({ ...valid(), id: 'seven' })).toBe('id: expected an integer');
    expect(refusal({ ...valid(), flag: 1 })).toBe('flag: expected a boolean');
    expect(refusal({ ...valid(), kind: 'c' })).toBe('kind: expected one of a, b');
    expect(refusal({ ...valid(), blob: 'xx' })).toBe('blob: expected binary data');
    expect(refusal({ ...valid(), tags: 'x' })).toBe('tags: expected an array');
    expect(refusal({ ...valid(), tags: ['x', 3] })).toBe('tags[1]: expected a string');
    expect(refusal({ ...valid(), configs: { 'retention.ms': 5 } })).toBe('configs.retention.ms: expected a string');
    expect(refusal({ ...valid(), parts: [7] })).toBe('parts[0]: expected a map');
    expect(refusal([1])).toBe('body: expected a map');
  });

  it('refuses a value out of range, and lengths past their bounds', () => {
    expect(refusal({ ...valid(), id: 101 })).toBe('id: 101 is outside 0..100');
    expect(refusal({ ...valid(), id: 2 ** 60 })).toBe('id: expected an integer');
    expect(refusal({ ...valid(), label: 'abcdef' })).toBe('label: string longer than 5 characters');
    expect(refusal({ ...valid(), blob: new Uint8Array(5) })).toBe('blob: binary longer than 4 bytes');
    expect(refusal({ ...valid(), tags: ['a', 'b', 'c', 'd'] })).toBe('tags: more than 3 entries');
  });

  it('refuses a missing required field, and accepts nil where a default applies', () => {
    const { id: _id, ...noId } = valid();
    expect(refusal(noId)).toBe('id: missing (expected an integer)');
    expect(refusal({ ...valid(), label: null })).toBe('label: expected a string');
    expect(messageCodec(Request, 0).decode({ ...valid(), wait: null }, Buffer.alloc(0))).toMatchObject({ wait: 500 });
  });

  it('reads a field only in the versions that carry it', () => {
    expect(refusal({ ...valid(), since: 5 }, 0)).toBe('since: unknown field (not in version 0)');
    expect(messageCodec(Request, 1).decode({ ...valid(), since: 5 }, Buffer.alloc(0))).toMatchObject({ since: 5 });
    expect(() => messageCodec(Request, 3)).toThrow(/ThingRequest has no version 3/);
  });

  it('cuts records from the tail in body order, and refuses a tail that does not add up', () => {
    const tail = Buffer.from('aabbbcccc');
    const body = {
      ...valid(),
      parts: [
        { partition: 0, recordsBytes: 2 },
        { partition: 1, recordsBytes: 3 },
        { partition: 2, recordsBytes: 4 },
      ],
    };
    const decoded = messageCodec(Request, 0).decode(body, tail) as { parts: Array<{ records: Buffer }> };
    expect(decoded.parts.map((p) => p.records.toString())).toEqual(['aa', 'bbb', 'cccc']);
    expect(decoded.parts[1]!.records.buffer).toBe(tail.buffer); // views, not copies
    expect(refusal(body, 0, tail.subarray(0, 8))).toBe(
      'parts[2].recordsBytes: recordsBytes 4 overruns the 3 tail bytes left',
    );
    expect(refusal(body, 0, Buffer.concat([tail, Buffer.from('z')]))).toBe(
      'body: 1 tail bytes are not claimed by any partition',
    );
    expect(refusal({ ...valid(), parts: [{ partition: 0, recordsBytes: -1 }] })).toMatch(
      /^parts\[0\]\.recordsBytes: -1/,
    );
  });
});

describe('decoding a response', () => {
  it('skips fields it does not know (a newer broker may send more) and returns records as chunks', () => {
    const decoded = messageCodec(Response, 0).decode(
      {
        errorCode: 0,
        newField: 'x',
        parts: [
          { partition: 1, recordsBytes: 2, more: true },
          { partition: 2, recordsBytes: 0 },
        ],
      },
      Buffer.from('hi'),
    );
    expect(decoded).toEqual({
      errorCode: 0,
      parts: [
        { partition: 1, records: [Buffer.from('hi')] },
        { partition: 2, records: [] },
      ],
    });
  });
});

describe('encoding', () => {
  it('writes records as tail chunks, never copied, and their length in the body', () => {
    const a = Buffer.from('a');
    const b = Buffer.from('bc');
    const { body, tail } = messageCodec(Request, 0).encode({
      ...valid(),
      parts: [
        { partition: 0, records: [a, b] },
        { partition: 1, records: b },
      ],
    });
    expect(tail).toEqual([a, b, b]);
    expect(tail[0]).toBe(a);
    expect(body).toMatchObject({
      parts: [
        { partition: 0, recordsBytes: 3 },
        { partition: 1, recordsBytes: 2 },
      ],
    });
    expect((body as { parts: object[] }).parts[0]).not.toHaveProperty('records');
  });

  it('refuses a value for a field the version does not carry', () => {
    expect(() => messageCodec(Request, 0).encode({ ...valid(), since: 5 })).toThrow(/since is not in version 0/);
    expect(messageCodec(Request, 1).encode({ ...valid(), since: 5 }).body).toMatchObject({ since: 5 });
  });

  it('round-trips through the decoder', () => {
    const value = {
      ...valid(),
      note: 'n',
      blob: Buffer.from([1]),
      tags: ['t'],
      parts: [{ partition: 3, records: Buffer.from('xyz') }],
    };
    const { body, tail } = messageCodec(Request, 0).encode(value);
    expect(messageCodec(Request, 0).decode(body, Buffer.concat(tail))).toMatchObject(value);
  });
});
