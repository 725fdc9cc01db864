// Framing: exact bytes checked against an independent builder (a tiny msgpack writer written from the
// spec, not @msgpack/msgpack), the FrameDecoder fed every possible split, and header errors.
import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REQUEST_HEADER_LIMITS,
  decodeRequestPayload,
  decodeResponsePayload,
  encodeErrorResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  FetchApi,
  FrameDecoder,
  FramingError,
  HeaderLimitError,
  encodeProduceRequest,
  ProduceApi,
  ProtocolError,
  RequestHeaderError,
} from '../../src/protocol/index.js';

// --- independent msgpack writer (spec: github.com/msgpack/msgpack/blob/master/spec.md) ---
type Mp = null | boolean | number | string | Mp[] | { [k: string]: Mp };

function mp(value: Mp): Buffer {
  if (value === null) return Buffer.from([0xc0]);
  if (value === true) return Buffer.from([0xc3]);
  if (value === false) return Buffer.from([0xc2]);
  if (typeof value === 'number') {
    if (value >= 0 && value <= 0x7f) return Buffer.from([value]);
    if (value < 0 && value >= -32) return Buffer.from([value & 0xff]);
    if (value >= 0 && value <= 0xff) return Buffer.from([0xcc, value]);
    if (value >= 0 && value <= 0xffff) return Buffer.from([0xcd, value >> 8, value & 0xff]);
    if (value >= 0 && value <= 0xffffffff) {
      const b = Buffer.alloc(5);
      b[0] = 0xce;
      b.writeUInt32BE(value, 1);
      return b;
    }
    if (value >= 0) {
      const b = Buffer.alloc(9);
      b[0] = 0xcf;
      b.writeBigUInt64BE(BigInt(value), 1);
      return b;
    }
    if (value >= -128) return Buffer.from([0xd0, value & 0xff]);
    throw new Error('not needed here');
  }
  if (typeof value === 'string') {
    const s = Buffer.from(value, 'utf8');
    if (s.length < 32) return Buffer.concat([Buffer.from([0xa0 | s.length]), s]);
    return Buffer.concat([Buffer.from([0xd9, s.length]), s]);
  }
  if (Array.isArray(value)) return Buffer.concat([Buffer.from([0x90 | value.length]), ...value.map(mp)]);
  const entries = Object.entries(value);
  return Buffer.concat([Buffer.from([0x80 | entries.length]), ...entries.flatMap(([k, v]) => [mp(k), mp(v)])]);
}

function frame(header: Mp, tail: Buffer = Buffer.alloc(0)): Buffer {
  const doc = mp(header);
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32BE(4 + doc.length + tail.length, 0);
  prefix.writeUInt32BE(doc.length, 4);
  return Buffer.concat([prefix, doc, tail]);
}

describe('frame bytes', () => {
  it('ApiVersions request: u32 frame length, u32 header length, msgpack header map', () => {
    const got = Buffer.concat(encodeRequestFrame({ apiKey: 18, apiVersion: 0, correlationId: 7, clientId: 'cli' }, {}));
    const expected = frame({ apiKey: 18, apiVersion: 0, correlationId: 7, clientId: 'cli', body: {} });
    expect(got.toString('hex')).toBe(expected.toString('hex'));
    // Spelled out once: 0x85 = map of 5, 0xa6 'apiKey', 0x12 = 18, …
    expect(got.subarray(8, 17)).toEqual(Buffer.from([0x85, 0xa6, ...Buffer.from('apiKey'), 0x12]));
    expect(got.readUInt32BE(0)).toBe(got.length - 4);
  });

  it('Produce request: record bytes follow the header untouched, their length stated in the body', () => {
    const records = Buffer.from('0011223344556677', 'hex');
    const { body, tail } = ProduceApi.encodeRequest({
      acks: -1,
      timeoutMs: 1000,
      topics: [{ name: 't', partitions: [{ partition: 2, records }] }],
    });
    const chunks = encodeRequestFrame({ apiKey: 0, apiVersion: 0, correlationId: 300, clientId: null }, body, tail);
    expect(chunks[1]).toBe(records); // the same Buffer object: never copied
    const expected = frame(
      {
        apiKey: 0,
        apiVersion: 0,
        correlationId: 300,
        clientId: null,
        body: { acks: -1, timeoutMs: 1000, topics: [{ name: 't', partitions: [{ partition: 2, recordsBytes: 8 }] }] },
      },
      records,
    );
    expect(Buffer.concat(chunks).toString('hex')).toBe(expected.toString('hex'));
  });

  it('Produce request with several batches per partition (as the producer sends): each a tail chunk, their sum stated', () => {
    const [a, b, c] = [Buffer.from('aa', 'hex'), Buffer.from('bbbb', 'hex'), Buffer.from('cccccc', 'hex')];
    const { body, tail } = encodeProduceRequest({
      acks: 1,
      timeoutMs: 500,
      topics: [
        { name: 't', partitions: [{ partition: 0, records: [a, b] }] },
        { name: 'u', partitions: [{ partition: 3, records: [c] }] },
      ],
    });
    const chunks = encodeRequestFrame({ apiKey: 0, apiVersion: 0, correlationId: 9, clientId: null }, body, tail);
    expect(chunks.slice(1)).toEqual([a, b, c]);
    expect(chunks[1]).toBe(a); // the same Buffer objects: never copied
    const expected = frame(
      {
        apiKey: 0,
        apiVersion: 0,
        correlationId: 9,
        clientId: null,
        body: {
          acks: 1,
          timeoutMs: 500,
          topics: [
            { name: 't', partitions: [{ partition: 0, recordsBytes: 3 }] },
            { name: 'u', partitions: [{ partition: 3, recordsBytes: 3 }] },
          ],
        },
      },
      Buffer.concat([a, b, c]),
    );
    expect(Buffer.concat(chunks).toString('hex')).toBe(expected.toString('hex'));
  });

  it('Fetch response: storage chunks become the tail in order; offsets above 2^32 are uint64', () => {
    const a = Buffer.from('aaaa', 'hex');
    const b = Buffer.from('bbbbbb', 'hex');
    const big = 2 ** 40;
    const { body, tail } = FetchApi.encodeResponse({
      throttleTimeMs: 0,
      errorCode: 0,
      topics: [
        {
          name: 't',
          partitions: [
            {
              partition: 0,
              errorCode: 0,
              errorMessage: null,
              highWatermark: big,
              lastStableOffset: big,
              logStartOffset: 0,
              abortedTransactions: null,
              records: [a, b],
            },
          ],
        },
      ],
    });
    const got = Buffer.concat(encodeResponseFrame(9, body, tail));
    const expected = frame(
      {
        correlationId: 9,
        body: {
          throttleTimeMs: 0,
          errorCode: 0,
          topics: [
            {
              name: 't',
              partitions: [
                {
                  partition: 0,
                  errorCode: 0,
                  errorMessage: null,
                  highWatermark: big,
                  lastStableOffset: big,
                  logStartOffset: 0,
                  abortedTransactions: null,
                  recordsBytes: 5,
                },
              ],
            },
          ],
        },
      },
      Buffer.concat([a, b]),
    );
    expect(got.toString('hex')).toBe(expected.toString('hex'));
  });

  it('error response: { correlationId, error: { code, message } }', () => {
    const got = Buffer.concat(encodeErrorResponseFrame(5, new ProtocolError('UNSUPPORTED_VERSION', 'nope')));
    expect(got.toString('hex')).toBe(frame({ correlationId: 5, error: { code: 35, message: 'nope' } }).toString('hex'));
    const decoded = decodeResponsePayload(got.subarray(4));
    expect(decoded).toMatchObject({ correlationId: 5, error: { code: 35, message: 'nope' }, body: undefined });
  });
});

describe('FrameDecoder', () => {
  const frames = [
    frame({ apiKey: 18, apiVersion: 0, correlationId: 1, clientId: 'a', body: {} }),
    frame({ apiKey: 0, apiVersion: 0, correlationId: 2, clientId: 'b', body: { acks: 1 } }, Buffer.alloc(300, 0x5a)),
    frame({ apiKey: 3, apiVersion: 0, correlationId: 3, clientId: null, body: { topics: null } }),
  ];
  const stream = Buffer.concat(frames);
  const payloads = frames.map((f) => f.subarray(4).toString('hex'));

  it('yields the same frames for a split at every byte offset', () => {
    for (let i = 0; i <= stream.length; i++) {
      const d = new FrameDecoder();
      const out = [...d.push(stream.subarray(0, i)), ...d.push(stream.subarray(i))];
      expect(
        out.map((p) => p.toString('hex')),
        `split at ${i}`,
      ).toEqual(payloads);
      expect(d.pendingBytes).toBe(0);
    }
  });

  it('yields the same frames for a split at every pair of offsets', () => {
    for (let i = 0; i <= stream.length; i += 3) {
      for (let j = i; j <= stream.length; j += 5) {
        const d = new FrameDecoder();
        const out = [stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)].flatMap((c) => d.push(c));
        expect(out.map((p) => p.toString('hex'))).toEqual(payloads);
      }
    }
  });

  it('yields the same frames for any chunking (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }), (sizes) => {
        const d = new FrameDecoder();
        const out: Buffer[] = [];
        let pos = 0;
        for (let k = 0; pos < stream.length; k++) {
          const size = sizes[k % sizes.length]!;
          out.push(...d.push(stream.subarray(pos, pos + size)));
          pos += size;
        }
        expect(out.map((p) => p.toString('hex'))).toEqual(payloads);
      }),
    );
  });

  it('counts the bytes of an incomplete frame as pending', () => {
    const d = new FrameDecoder();
    d.push(stream.subarray(0, 10));
    expect(d.pendingBytes).toBe(6);
  });

  it('one byte at a time: the same frames, and pendingBytes counts what was received of the incomplete one', () => {
    const d = new FrameDecoder();
    const out: Buffer[] = [];
    let frameStart = 0;
    let next = 0;
    for (let i = 0; i < stream.length; i++) {
      const got = d.push(stream.subarray(i, i + 1));
      out.push(...got);
      if (got.length > 0) frameStart = i + 1;
      if (got.length === 0) expect(d.pendingBytes).toBe(i + 1 - frameStart - (i + 1 - frameStart >= 4 ? 4 : 0));
      if (got.length > 0) next++;
    }
    expect(next).toBe(frames.length);
    expect(out.map((p) => p.toString('hex'))).toEqual(payloads);
    expect(d.pendingBytes).toBe(0);
  });

  it('a large frame arriving in socket-sized chunks comes out whole, once, between small frames inside chunks', () => {
    const big = frame(
      { correlationId: 7, body: { topics: [] } },
      Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) & 0xff)),
    );
    const all = Buffer.concat([frames[0]!, big, frames[2]!]);
    for (const chunkSize of [1000, 65536, 65537, all.length - 1]) {
      const d = new FrameDecoder();
      const out: Buffer[] = [];
      for (let pos = 0; pos < all.length; pos += chunkSize) out.push(...d.push(all.subarray(pos, pos + chunkSize)));
      expect(out.map((p) => p.toString('hex'))).toEqual(
        [frames[0]!, big, frames[2]!].map((f) => f.subarray(4).toString('hex')),
      );
      expect(d.pendingBytes).toBe(0);
    }
  });

  describe('direct reads (readBuffer / onRead, for net.Socket onread)', () => {
    const big = frame(
      { correlationId: 7, body: {} },
      Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) & 0xff)),
    );
    const all = Buffer.concat([frames[0]!, frames[1]!, big, frames[2]!, big, frames[0]!]);
    const expected = [frames[0]!, frames[1]!, big, frames[2]!, big, frames[0]!].map((f) =>
      f.subarray(4).toString('hex'),
    );

    /** Plays a socket: each read fills at most `perRead` bytes of the buffer the decoder offers. */
    function readAll(d: FrameDecoder, perRead: number) {
      const out: Buffer[] = [];
      const targets: Buffer[] = [];
      let pos = 0;
      while (pos < all.length) {
        const target = d.readBuffer();
        targets.push(target);
        const n = all.copy(target, 0, pos, Math.min(all.length, pos + perRead, pos + target.length));
        pos += n;
        out.push(...d.onRead(n, target));
      }
      return { out, targets };
    }

    it('yields the same frames whatever the read sizes, and frames taken from the reused buffer stay intact', () => {
      for (const perRead of [1, 3, 100, 4096, 65536, 1 << 20]) {
        const d = new FrameDecoder();
        const { out } = readAll(d, perRead);
        expect(
          out.map((p) => p.toString('hex')),
          `reads of ${perRead}`,
        ).toEqual(expected);
        expect(d.pendingBytes).toBe(0);
      }
    });

    it('reads the rest of a large frame straight into the frame buffer it returns', () => {
      const d = new FrameDecoder();
      const { out, targets } = readAll(d, 65536);
      const bigOut = out.filter((p) => p.length === big.length - 4);
      expect(bigOut).toHaveLength(2);
      for (const p of bigOut) expect(targets.some((t) => t.buffer === p.buffer && t.length < p.length)).toBe(true);
    });

    it('refuses a read into a frame buffer reported anywhere but where the frame continues', () => {
      const d = new FrameDecoder();
      d.push(big.subarray(0, 1000));
      const first = d.readBuffer();
      expect(first.length).toBe(big.length - 1000);
      big.copy(first, 0, 1000, 21_000);
      expect(d.onRead(20_000, first)).toEqual([]);
      // A second report of the buffer handed out before that read: its bytes would overwrite taken ones.
      expect(() => d.onRead(100, first)).toThrow(/out of order/);
    });

    it('refuses an oversized length read through the scratch buffer', () => {
      const d = new FrameDecoder(1000);
      const target = d.readBuffer();
      target.writeUInt32BE(1001, 0);
      expect(() => d.onRead(4, target)).toThrow(/exceeds the limit of 1000 bytes/);
    });
  });

  it('a frame inside one chunk is a view of it (no copy)', () => {
    const d = new FrameDecoder();
    const [first] = d.push(stream);
    expect(first!.buffer).toBe(stream.buffer);
  });

  it('refuses a length over the limit as soon as the 4 length bytes are in, even one byte at a time', () => {
    const d = new FrameDecoder(1000);
    const prefix = Buffer.from([0x00, 0x10, 0x00, 0x00]);
    expect(d.push(prefix.subarray(0, 1))).toEqual([]);
    expect(d.push(prefix.subarray(1, 3))).toEqual([]);
    expect(() => d.push(prefix.subarray(3))).toThrow(/exceeds the limit of 1000 bytes/);
  });
});

describe('request header decoding', () => {
  const payload = (header: Mp) => frame(header).subarray(4);

  it('reads the header fields and leaves the tail as a view', () => {
    const f = frame(
      { apiKey: 1, apiVersion: 0, correlationId: 42, clientId: 'x', body: { a: 1 } },
      Buffer.from('tail'),
    );
    const d = decodeRequestPayload(f.subarray(4));
    expect(d).toMatchObject({ apiKey: 1, apiVersion: 0, correlationId: 42, clientId: 'x', body: { a: 1 } });
    expect(d.tail.toString()).toBe('tail');
  });

  it('no correlationId, a header that is not a map, or a bad header length → FramingError (close)', () => {
    expect(() => decodeRequestPayload(payload({ apiKey: 1, apiVersion: 0 }))).toThrow(FramingError);
    expect(() => decodeRequestPayload(payload([1, 2]))).toThrow(FramingError);
    expect(() => decodeRequestPayload(Buffer.from([0, 0, 0, 9, 0x80]))).toThrow(FramingError);
    expect(() => decodeRequestPayload(Buffer.from([0, 0]))).toThrow(FramingError);
    expect(() => decodeRequestPayload(Buffer.from([0, 0, 0, 1, 0xc1]))).toThrow(FramingError);
  });

  it('a readable header with a bad field → RequestHeaderError carrying the correlationId', () => {
    for (const bad of [{ apiKey: 'x' }, { apiKey: 70000 }, { apiVersion: -1 }, { clientId: 5 }]) {
      let thrown: unknown;
      try {
        decodeRequestPayload(payload({ apiKey: 1, apiVersion: 0, correlationId: 11, clientId: 'c', ...bad } as Mp));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(RequestHeaderError);
      expect((thrown as RequestHeaderError).correlationId).toBe(11);
      expect((thrown as RequestHeaderError).type).toBe('INVALID_REQUEST');
    }
  });
});

describe('header limits (checked before decoding)', () => {
  const limits = { maxHeaderBytes: 4096, maxHeaderItems: 1000, maxHeaderDepth: 32 };
  // Large strings and arrays: encoded by @msgpack/msgpack (the tiny writer above covers short ones only).
  const payload = (header: unknown) => {
    const doc = Buffer.from(encode(header));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(doc.length);
    return Buffer.concat([length, doc]);
  };
  let deep: Mp = 1;
  for (let i = 0; i < 40; i++) deep = [deep];

  function refusal(run: () => unknown): unknown {
    try {
      run();
    } catch (error) {
      return error;
    }
    throw new Error('expected a refusal');
  }

  it('a request past a limit that named its correlationId → RequestHeaderError INVALID_REQUEST (answered)', () => {
    const cases: Array<[unknown, string]> = [
      [deep, 'request header nests deeper than maxHeaderDepth (32) levels'],
      [Array.from({ length: 1000 }, () => 0), 'request header holds more than maxHeaderItems (1000) values'],
      ['x'.repeat(5000), 'request header of 5055 bytes exceeds maxHeaderBytes (4096)'],
    ];
    for (const [body, message] of cases) {
      const error = refusal(() =>
        decodeRequestPayload(payload({ apiKey: 3, apiVersion: 0, correlationId: 77, clientId: 'c', body }), limits),
      );
      expect(error).toBeInstanceOf(RequestHeaderError);
      expect(error).toMatchObject({ correlationId: 77, type: 'INVALID_REQUEST', message });
    }
  });

  it('a header past a limit with no correlationId before it, or a response past one → FramingError (close)', () => {
    expect(refusal(() => decodeRequestPayload(payload(deep), limits))).toBeInstanceOf(HeaderLimitError);
    expect(refusal(() => decodeRequestPayload(payload({ body: deep, correlationId: 1 }), limits))).toBeInstanceOf(
      HeaderLimitError,
    );
    const response = refusal(() => decodeResponsePayload(payload({ correlationId: 1, body: deep })));
    expect(response).toBeInstanceOf(FramingError);
    expect((response as Error).message).toBe('response header nests deeper than maxHeaderDepth (32) levels');
  });

  it('the defaults: a request header of 1 MiB, 131,072 values, 32 levels', () => {
    expect(DEFAULT_REQUEST_HEADER_LIMITS).toEqual({
      maxHeaderBytes: 1024 * 1024,
      maxHeaderItems: 131_072,
      maxHeaderDepth: 32,
    });
    const nearly = payload({
      apiKey: 3,
      apiVersion: 0,
      correlationId: 5,
      clientId: 'c',
      body: 'x'.repeat(1024 * 1000),
    });
    expect(decodeRequestPayload(nearly).correlationId).toBe(5);
  });
});
