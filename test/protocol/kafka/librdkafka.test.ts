// Bytes librdkafka 2.0.2 (kcat 1.7.1, Debian bookworm) really sent, captured with test/helpers/kafka-capture.ts
// (which also showed kcat -L, -P and -C -e accepting the responses the codec encodes): each decodes to what
// kcat asked for, and encoding the decoded value gives librdkafka's bytes back (librdkafka as an independent
// encoder, ApiVersions v3 being a flexible request with header v2). Then hand-written flexible responses
// (compact lengths, tagged fields) built byte by byte from Kafka's protocol guide.
import { describe, expect, it } from 'vitest';
import {
  ApiVersions,
  decodeRequestBody,
  encodeRequestFrame,
  encodeResponseFrame,
  Fetch,
  ListOffsets,
  Metadata,
  Produce,
  readRequestHeader,
  requestHeaderVersion,
} from '../../../src/protocol/kafka/index.js';

/** A captured request payload (the bytes after the int32 size), as hex. */
const captured = {
  apiVersionsV3: '0012000300000001000772646b61666b61000b6c696272646b61666b6106322e302e3200',
  metadataV4AllTopics: '0003000400000003000772646b61666b61ffffffff01',
  metadataV4Named: '0003000400000002000772646b61666b61000000010005616c70686101',
  produceV7:
    '0000000700000003000772646b61666b61ffffffff00007530000000010005616c70686100000001000000000000005b' +
    '00000000000000000000004f000000000204e94c42000000000001000001a2380f6330000001a2380f6330ffffffffffff' +
    'ffffffffffffffff000000021c000000046b3104763102026802781c000002046b320476320202680278',
  listOffsetsV2: '0002000200000004000772646b61666b61ffffffff01000000010005616c7068610000000100000000fffffffffffffffe',
  fetchV11:
    '0001000b00000005000772646b61666b61ffffffff000001f400000001032000000100000000ffffffff000000010005616c7068' +
    '610000000100000000ffffffff0000000000000000ffffffffffffffff00100000000000000000',
};

function decode(hex: string) {
  const payload = Buffer.from(hex, 'hex');
  const { header, bodyOffset } = readRequestHeader(payload);
  return { payload, header, bodyOffset };
}

/** Our encoding of the same header and body, without the size prefix. */
function reencode(
  api: Parameters<typeof encodeRequestFrame>[0],
  version: number,
  correlationId: number,
  body: unknown,
) {
  return Buffer.concat(
    encodeRequestFrame(api, version, { correlationId, clientId: 'rdkafka' }, body as never),
  ).subarray(4);
}

describe('librdkafka 2.0.2, captured', () => {
  it('ApiVersions v3: header v2 (classic client id, empty tags), compact strings, body tags', () => {
    const { payload, header, bodyOffset } = decode(captured.apiVersionsV3);
    expect(requestHeaderVersion(18, 3)).toBe(2);
    expect(header).toEqual({ apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'rdkafka' });
    const body = decodeRequestBody(ApiVersions, 3, payload, bodyOffset);
    expect(body).toEqual({ clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
    expect(reencode(ApiVersions, 3, 1, body)).toEqual(payload);
  });

  it('Metadata v4: all topics (null array) and named topics, allow_auto_topic_creation', () => {
    const all = decode(captured.metadataV4AllTopics);
    const allBody = decodeRequestBody(Metadata, 4, all.payload, all.bodyOffset);
    expect(allBody).toMatchObject({ topics: null, allowAutoTopicCreation: true });
    expect(reencode(Metadata, 4, 3, allBody)).toEqual(all.payload);
    const named = decode(captured.metadataV4Named);
    const namedBody = decodeRequestBody(Metadata, 4, named.payload, named.bodyOffset);
    expect(namedBody).toMatchObject({ topics: [{ name: 'alpha' }], allowAutoTopicCreation: true });
    expect(reencode(Metadata, 4, 2, namedBody)).toEqual(named.payload);
  });

  it('Produce v7: the records are a view of the frame holding librdkafka’s RecordBatch v2', () => {
    const { payload, bodyOffset } = decode(captured.produceV7);
    const body = decodeRequestBody(Produce, 7, payload, bodyOffset);
    expect(body).toMatchObject({ transactionalId: null, acks: -1, timeoutMs: 30000 });
    const records = body.topicData[0]!.partitionData[0]!.records!;
    expect(records.buffer).toBe(payload.buffer); // not copied
    expect(records.length).toBe(91);
    expect(records[16]).toBe(2); // magic
    expect(records.readInt32BE(57)).toBe(2); // two records
    expect(reencode(Produce, 7, 3, body)).toEqual(payload);
  });

  it('ListOffsets v2 (earliest) and Fetch v11 (sessionless, read_committed)', () => {
    const lo = decode(captured.listOffsetsV2);
    const loBody = decodeRequestBody(ListOffsets, 2, lo.payload, lo.bodyOffset);
    expect(loBody).toEqual({
      replicaId: -1,
      isolationLevel: 1,
      topics: [
        { name: 'alpha', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2, maxNumOffsets: 1 }] },
      ],
      timeoutMs: 0,
    });
    expect(reencode(ListOffsets, 2, 4, loBody)).toEqual(lo.payload);
    const f = decode(captured.fetchV11);
    const fBody = decodeRequestBody(Fetch, 11, f.payload, f.bodyOffset);
    expect(fBody).toMatchObject({
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 1, // librdkafka's default isolation.level is read_committed
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: 'alpha',
          partitions: [
            { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1048576 },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    expect(reencode(Fetch, 11, 5, fBody)).toEqual(f.payload);
  });
});

describe('flexible responses, byte by byte', () => {
  it('ApiVersions v3 response: header v0 (no tags), compact array, a tagged field', () => {
    const chunks = encodeResponseFrame(ApiVersions, 3, 1, {
      errorCode: 0,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }],
      throttleTimeMs: 0,
      finalizedFeaturesEpoch: 5,
    });
    const expected = Buffer.from(
      [
        '0000001d', // size: 29 bytes follow
        '00000001', // correlation id (response header v0 even for v3: no tag byte)
        '0000', // error code
        '02', // compact array: 1 entry (length + 1)
        '0012 0000 0003', // api key 18, min 0, max 3
        '00', // entry's tag section: none
        '00000000', // throttle time
        '01', // tag section: 1 field
        '01 08 0000000000000005', // tag 1 (finalized features epoch), 8 bytes, int64 5
      ]
        .join('')
        .replaceAll(' ', ''),
      'hex',
    );
    expect(Buffer.concat(chunks)).toEqual(expected);
  });

  it('Fetch v12 response: header v1, compact records with a tagged current leader', () => {
    const records = Buffer.from('abc');
    const chunks = encodeResponseFrame(Fetch, 12, 7, {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topic: 't',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: 3,
              lastStableOffset: 3,
              logStartOffset: 0,
              currentLeader: { leaderId: 1, leaderEpoch: 0 },
              abortedTransactions: null,
              preferredReadReplica: -1,
              records,
            },
          ],
        },
      ],
    });
    const head = [
      '00000007 00', // correlation id, header tags (v1)
      '00000000 0000 00000000', // throttle, error, session id
      '02 02 74', // 1 topic; compact string "t"
      '02 00000000 0000', // 1 partition; index 0, error 0
      '0000000000000003 0000000000000003 0000000000000000', // high watermark, last stable, log start
      '00', // aborted transactions: null (compact 0)
      'ffffffff', // preferred read replica
      '04', // records: 3 bytes (length + 1), then the records chunk itself
    ];
    const tail = [
      '01 01 09 00000001 00000000 00', // partition tags: 1 field, tag 1 (current leader), 9 bytes: the struct ends with its own tags
      '00', // topic tags
      '00', // response tags
    ];
    const hex = (parts: string[]) => Buffer.from(parts.join('').replaceAll(' ', ''), 'hex');
    expect(chunks).toHaveLength(3);
    expect(chunks[1]).toBe(records);
    expect(chunks[0]!.subarray(4)).toEqual(hex(head));
    expect(chunks[2]).toEqual(hex(tail));
    expect(chunks[0]!.readInt32BE(0)).toBe(chunks[0]!.length - 4 + records.length + chunks[2]!.length);
  });
});
