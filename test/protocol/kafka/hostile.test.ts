// Hostile bytes: every truncation of a valid message and random corruptions must end in a KafkaDecodeError
// (or decode as some other valid message), never another exception, a hang or an allocation sized by an
// unchecked length. Frames: an oversized or negative size is refused before anything is allocated.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FramingError } from '../../../src/protocol/framing.js';
import {
  decodeMessage,
  decodeRequestBody,
  encodeMessage,
  encodeRequestFrame,
  hasVersion,
  KAFKA_APIS,
  KafkaDecodeError,
  kafkaApi,
  kafkaFrameDecoder,
  MetadataRequest,
  Produce,
  ProduceRequest,
  readRequestHeader,
} from '../../../src/protocol/kafka/index.js';
import { messageArb, versionsOf } from './arbitrary.js';

/** Decoding must either succeed or throw KafkaDecodeError. */
function decodesOrRejects(decode: () => unknown): 'ok' | 'rejected' {
  try {
    decode();
    return 'ok';
  } catch (error) {
    if (error instanceof KafkaDecodeError) return 'rejected';
    throw error;
  }
}

const defs = KAFKA_APIS.flatMap((api) => [api.request, api.response]);

describe('hostile bytes', () => {
  it.each(defs.map((def) => ({ name: def.name, def })))(
    '$name: every truncation of a valid message is rejected',
    ({ def }) => {
      for (const version of versionsOf(def)) {
        fc.assert(
          fc.property(messageArb(def, version), (value) => {
            const bytes = Buffer.concat(encodeMessage(def, version, value as never));
            for (let n = 0; n < bytes.length; n++) {
              expect(() => decodeMessage(def, version, bytes.subarray(0, n))).toThrow(KafkaDecodeError);
            }
          }),
          { numRuns: 5 },
        );
      }
    },
  );

  it.each(defs.map((def) => ({ name: def.name, def })))('$name: corrupted bytes decode or are rejected', ({ def }) => {
    for (const version of versionsOf(def)) {
      fc.assert(
        fc.property(
          messageArb(def, version),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
          (value, flips) => {
            const bytes = Buffer.concat(encodeMessage(def, version, value as never));
            if (bytes.length === 0) return;
            for (const [at, byte] of flips) bytes[at % bytes.length] = byte;
            decodesOrRejects(() => decodeMessage(def, version, bytes));
          },
        ),
        { numRuns: 20 },
      );
    }
  });

  it('random request frames: a header error or a body error, never anything else', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 12 }),
        (junk, key, version) => {
          const payload = Buffer.alloc(junk.length + 4);
          payload.writeInt16BE(key, 0);
          payload.writeInt16BE(version, 2);
          payload.set(junk, 4);
          decodesOrRejects(() => {
            const { header, bodyOffset } = readRequestHeader(payload);
            const api = kafkaApi(header.apiKey);
            // What the listener does: unknown APIs and versions are answered UNSUPPORTED_VERSION, not decoded.
            if (api && hasVersion(api.request, header.apiVersion))
              decodeRequestBody(api, header.apiVersion, payload, bodyOffset);
          });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('an array count of 2^31 - 1 in 10 bytes fails at once, before allocating', () => {
    const classic = Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 1, 0x61, 0, 1, 0x62]);
    expect(() => decodeMessage(MetadataRequest, 1, classic)).toThrow(
      /topics: array of 2147483647 entries .* exceeds the 6 bytes left/,
    );
    // Compact (v9+): unsigned varint 0xffffffff = 2^32 - 2 entries.
    const compact = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0, 0]);
    expect(() => decodeMessage(MetadataRequest, 9, compact)).toThrow(/array of 4294967294 entries/);
  });

  it('strings, bytes and records claiming more than is left are rejected with the field path', () => {
    const frame = Buffer.concat(
      encodeRequestFrame(
        Produce,
        7,
        { correlationId: 1, clientId: 'c' },
        {
          acks: 1,
          timeoutMs: 10,
          topicData: [{ name: 'topic', partitionData: [{ index: 0, records: Buffer.alloc(20, 7) }] }],
        },
      ),
    ).subarray(4);
    const { bodyOffset } = readRequestHeader(frame);
    const recordsLengthAt = frame.length - 20 - 4;
    frame.writeInt32BE(21, recordsLengthAt);
    expect(() => decodeMessage(ProduceRequest, 7, frame, bodyOffset)).toThrow(
      /^topicData\[0\]\.partitionData\[0\]\.records: bytes of 21 bytes exceeds the 20 bytes left/,
    );
    frame.writeInt32BE(-2, recordsLengthAt);
    expect(() => decodeMessage(ProduceRequest, 7, frame, bodyOffset)).toThrow(/records: bytes length -2 is negative/);
  });

  it('null where the version does not allow it is rejected', () => {
    // Metadata v0: topics is not nullable (an empty array means all topics).
    expect(() => decodeMessage(MetadataRequest, 0, Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(
      /topics: null in a non-nullable array/,
    );
    expect(decodeMessage(MetadataRequest, 1, Buffer.from([0xff, 0xff, 0xff, 0xff])).topics).toBeNull();
  });

  it('int64 beyond ±(2^53 - 1) is refused, not rounded', () => {
    const body = Buffer.concat(
      encodeMessage(Produce.response, 7, {
        responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 0 }] }],
        throttleTimeMs: 0,
      }),
    );
    const at = 4 + 2 + 1 + 4 + 4 + 2; // topics count, name, partitions count, index, errorCode
    body.writeBigInt64BE(2n ** 53n, at);
    expect(() => decodeMessage(Produce.response, 7, body)).toThrow(/baseOffset: int64 9007199254740992 is beyond/);
  });

  it('bytes left over after a message are rejected', () => {
    expect(() => decodeMessage(MetadataRequest, 1, Buffer.from([0, 0, 0, 0, 9]))).toThrow(
      /1 bytes left over after MetadataRequest v1/,
    );
  });
});

describe('Kafka frames', () => {
  function frames(chunks: Buffer[], max?: number): Buffer[] {
    const decoder = kafkaFrameDecoder(max);
    return chunks.flatMap((c) => decoder.push(c));
  }

  it('reassembles frames split at every byte', () => {
    const one = Buffer.concat(
      encodeRequestFrame(Produce, 3, { correlationId: 7, clientId: null }, { acks: 0, timeoutMs: 1, topicData: [] }),
    );
    const two = Buffer.concat([one, one]);
    for (let cut = 0; cut <= two.length; cut++) {
      const got = frames([two.subarray(0, cut), two.subarray(cut)]);
      expect(got.map((p) => readRequestHeader(p).header.correlationId)).toEqual([7, 7]);
    }
  });

  it('refuses a size above the limit, and a negative size, as soon as the 4 bytes are in', () => {
    const big = Buffer.from([0x06, 0x40, 0x00, 0x01]); // 100 MiB + 1
    expect(() => frames([big])).toThrow(FramingError);
    expect(() => frames([Buffer.from([0x80, 0, 0, 0])])).toThrow(/exceeds the limit/);
    expect(() => frames([Buffer.from([0, 0, 4, 1])], 1024)).toThrow(
      /frame of 1025 bytes exceeds the limit of 1024 bytes/,
    );
  });

  it('a frame too short for a request header is a decode error', () => {
    expect(() => readRequestHeader(Buffer.alloc(7))).toThrow(KafkaDecodeError);
  });
});
