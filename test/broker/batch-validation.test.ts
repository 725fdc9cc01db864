// Produce-time batch validation (issue 11, item 3). Each batch below once was appended with errorCode 0 and
// then stopped every consumer of its partition for good. Built by hand, byte by byte, and sent through the
// raw protocol: each must be refused with the right code and a message naming the batch and the fault,
// store nothing, and leave the partition readable to the end by the SDK's consumer.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sluice, logLevel } from '../../src/client/index.js';
import { DescribeConfigsApi, ErrorCode, ListOffsetsApi } from '../../src/protocol/index.js';
import { CompressionCodec, buildRecordBatch, compress, isCodecAvailable } from '../../src/records/index.js';
import { batchOf, createTopic, produce, startBroker, type TestBroker } from '../helpers/broker.js';
import { rawBatch, rawRecord, withCrc } from '../helpers/raw-batch.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import type { WireClient } from '../helpers/wire-client.js';

let t: TestBroker;
let c: WireClient;
const stored: string[] = [];

beforeAll(async () => {
  t = await startBroker();
  c = await t.client();
  await createTopic(c, 'v', 1);
  await createTopic(c, 'window', 1, {
    'message.timestamp.before.max.ms': '60000',
    'message.timestamp.after.max.ms': '60000',
  });
});
afterAll(async () => {
  await t.stop();
  await removeTempDirs();
});

async function logEnd(topic: string): Promise<number> {
  const res = await c.request(ListOffsetsApi, {
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partition: 0, timestamp: -1 }] }],
  });
  return res.topics[0]!.partitions[0]!.offset;
}

/** Produces `batch` to v-0 and expects it refused with `code`, naming batch 0 and `reason`; nothing stored. */
async function expectRefused(batch: Buffer, code: keyof typeof ErrorCode, reason: RegExp, topic = 'v') {
  const before = await logEnd(topic);
  const res = await produce(c, topic, 0, batch);
  expect({ code: res.errorCode, message: res.errorMessage }).toMatchObject({ code: ErrorCode[code] });
  expect(res.errorMessage).toMatch(new RegExp(`^${topic}-0: batch 0 \\(at byte 0\\): `));
  expect(res.errorMessage).toMatch(reason);
  expect(res.baseOffset).toBe(-1);
  expect(await logEnd(topic)).toBe(before);
}

const record = (value: string, extra: Parameters<typeof rawRecord>[0] = {}) => ({
  value: Buffer.from(value),
  ...extra,
});
const ZEROS = (bytes: number) => Buffer.alloc(bytes);

describe('batches no consumer could read are refused at produce time', () => {
  it.each<[string, () => Buffer | Promise<Buffer>, keyof typeof ErrorCode, RegExp]>([
    [
      'a gzip flag over a payload that is not gzip',
      () => rawBatch({ attributes: 1, section: Buffer.from('certainly not gzip'), recordCount: 1, lastOffsetDelta: 0 }),
      'INVALID_RECORD',
      /cannot be decompressed: gzip data is corrupt/,
    ],
    ['compression codec 7', () => rawBatch({ attributes: 7 }), 'INVALID_RECORD', /compression codec 7 does not exist/],
    [
      'record varints that cannot be parsed',
      () =>
        rawBatch({ section: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), recordCount: 1, lastOffsetDelta: 0 }),
      'INVALID_RECORD',
      /record 0: varint/,
    ],
    [
      'recordCount ≠ lastOffsetDelta + 1: one record claiming 2^31 offsets (73 bytes)',
      () => rawBatch({ lastOffsetDelta: 2 ** 31 - 1 }),
      'INVALID_RECORD',
      /record count 1 does not match lastOffsetDelta 2147483647/,
    ],
    [
      'a record count larger than the records present',
      () => rawBatch({ records: [record('a')], recordCount: 3, lastOffsetDelta: 2 }),
      'INVALID_RECORD',
      /record 1: /,
    ],
    [
      'offset deltas that are not 0, 1, 2 …',
      () => rawBatch({ records: [record('a'), record('b', { offsetDelta: 5 })] }),
      'INVALID_RECORD',
      /record 1: offset delta 5/,
    ],
    [
      'bytes after the last record',
      () => rawBatch({ section: Buffer.concat([rawRecord(record('a')), Buffer.from([0, 0, 0])]), recordCount: 1 }),
      'INVALID_RECORD',
      /3 bytes follow the last of its 1 records/,
    ],
    [
      'a value length beyond its record',
      () =>
        rawBatch({
          section: rawRecord({ body: Buffer.from([0, 0, 0, 1, 40, 0x61, 0]) }),
          recordCount: 1,
          lastOffsetDelta: 0,
        }),
      'INVALID_RECORD',
      /record 0: value length 20 does not fit/,
    ],
    [
      'a record whose fields end before its declared length',
      () => rawBatch({ section: rawRecord({ body: Buffer.from([0, 0, 0, 1, 1, 0, 9, 9]) }), recordCount: 1 }),
      'INVALID_RECORD',
      /record 0: (its fields end 2 bytes before|header count)/,
    ],
    ['a control batch', () => rawBatch({ attributes: 0x20 }), 'INVALID_RECORD', /control batch/],
    ['a transactional batch', () => rawBatch({ attributes: 0x10 }), 'INVALID_RECORD', /transactional/],
    ['attribute bits no producer may set', () => rawBatch({ attributes: 0x40 }), 'INVALID_RECORD', /attributes 0x40/],
    ['the LogAppendTime timestamp type', () => rawBatch({ attributes: 0x08 }), 'INVALID_TIMESTAMP', /LogAppendTime/],
    [
      'a maxTimestamp that is not the largest record timestamp',
      () =>
        rawBatch({
          records: [record('a'), record('b', { timestampDelta: 50 })],
          baseTimestamp: 1000,
          maxTimestamp: 1000,
        }),
      'INVALID_RECORD',
      /maxTimestamp 1000 is not its largest record timestamp 1050/,
    ],
    [
      'a producer id without a sequence',
      () => rawBatch({ producerId: 7, producerEpoch: 0, baseSequence: -1 }),
      'INVALID_RECORD',
      /producer id 7 but sequence -1/,
    ],
    [
      'bytes damaged after their CRC was computed',
      () => {
        const b = rawBatch({ records: [record('abc')] });
        b[b.length - 2]! ^= 0x01;
        return b;
      },
      'CORRUPT_MESSAGE',
      /CRC mismatch/,
    ],
    [
      'a compressed batch damaged after its CRC was computed',
      () => {
        const b = rawBatch({ attributes: 1, section: gzipSync(rawRecord(record('abc'))), recordCount: 1 });
        b[b.length - 1]! ^= 0x80;
        return b;
      },
      'CORRUPT_MESSAGE',
      /CRC mismatch/,
    ],
    [
      'gzip records that decompress to records no consumer can parse',
      () => rawBatch({ attributes: 1, section: gzipSync(Buffer.from([0xff, 0xff, 0xff])), recordCount: 1 }),
      'INVALID_RECORD',
      /record 0: varint/,
    ],
  ])('%s', async (_name, build, code, reason) => {
    await expectRefused(await build(), code, reason);
  });

  it('refuses the whole request when one of its batches is bad, naming that batch', async () => {
    const good = rawBatch({ records: [record('never stored')] });
    const bad = rawBatch({ attributes: 0x20 });
    const res = await produce(c, 'v', 0, Buffer.concat([good, bad]));
    expect(res.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(res.errorMessage).toMatch(new RegExp(`batch 1 \\(at byte ${good.length}\\): it is a control batch`));
  });

  it('accepts what producers send: every codec, headers, null keys and values, several batches a request', async () => {
    const records = [
      { key: Buffer.from('k'), value: Buffer.from('plain'), headers: [['h', Buffer.from('v')]] as [string, Buffer][] },
      { key: null, value: null, headers: [['n', null]] as [string, null][] },
      { key: null, value: Buffer.from('earlier'), timestamp: Date.now() - 5000 },
    ];
    const ts = Date.now();
    const codecs = [CompressionCodec.None, CompressionCodec.Gzip];
    for (const codec of [CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd])
      if (await isCodecAvailable(codec)) codecs.push(codec);
    for (const codec of codecs) {
      const batches = await Promise.all(
        [0, 1].map((n) =>
          buildRecordBatch(
            records.map((r) => ({ ...r, timestamp: r.timestamp ?? ts + n })),
            { compression: codec },
          ),
        ),
      );
      const res = await produce(c, 'v', 0, Buffer.concat(batches));
      expect({ codec, code: res.errorCode, message: res.errorMessage }).toEqual({ codec, code: 0, message: null });
      stored.push('plain', 'null', 'earlier', 'plain', 'null', 'earlier');
    }
    // The broker's clock may be far from a record's time: the default window is unlimited (Kafka 3.x).
    const res = await produce(c, 'v', 0, batchOf(['1970', '3000'], { timestamp: 0 }));
    expect(res.errorCode).toBe(0);
    stored.push('1970', '3000');
    expect(await produce(c, 'v', 0, batchOf(['far future'], { timestamp: Date.UTC(3000, 0) }))).toMatchObject({
      errorCode: 0,
    });
    stored.push('far future');
  });

  it("holds timestamps to the topic's message.timestamp.before/after.max.ms", async () => {
    const now = Date.now();
    await expectRefused(
      batchOf(['old'], { timestamp: now - 2 * 3600_000 }),
      'INVALID_TIMESTAMP',
      /message\.timestamp\.before\.max\.ms=60000 before the broker's time/,
      'window',
    );
    await expectRefused(
      batchOf(['ahead'], { timestamp: now + 2 * 3600_000 }),
      'INVALID_TIMESTAMP',
      /message\.timestamp\.after\.max\.ms=60000 after the broker's time/,
      'window',
    );
    expect((await produce(c, 'window', 0, batchOf(['now'], { timestamp: now }))).errorCode).toBe(0);
  });

  it('takes the timestamp window as Kafka writes it; anything but an integer of 0 or more is INVALID_CONFIG', async () => {
    const created = await createTopic(c, 'kafka-window', 1, {
      'message.timestamp.after.max.ms': '9223372036854775807',
      'message.timestamp.before.max.ms': '3600000',
    });
    expect(created.errorCode).toBe(0);
    const res = await c.request(DescribeConfigsApi, {
      resources: [{ type: 'topic', name: 'kafka-window', configNames: null }],
    });
    const value = (name: string) => res.resources[0]!.configs.find((e) => e.name === name)?.value;
    expect(value('message.timestamp.after.max.ms')).toBe(String(Number.MAX_SAFE_INTEGER));
    expect(value('message.timestamp.before.max.ms')).toBe('3600000');
    for (const bad of ['-1', '1.5', 'soon']) {
      const refused = await createTopic(c, 'bad-window', 1, { 'message.timestamp.before.max.ms': bad });
      expect(refused.errorCode).toBe(ErrorCode.INVALID_CONFIG);
      expect(refused.errorMessage).toContain('message.timestamp.before.max.ms must be an integer of 0 or more');
    }
  });

  // 64 MiB of zeros in a few KiB: decompressing it whole would allocate 64 MiB per batch per request. gzip
  // stops inflating at the limit, lz4 and zstd are refused from their framing before inflating (snappy's
  // 18 MiB is within the 2 × limit its framing may claim, so it is inflated, then refused).
  it.each([
    ['gzip', CompressionCodec.Gzip, 64],
    ['lz4', CompressionCodec.Lz4, 64],
    ['zstd', CompressionCodec.Zstd, 64],
    ['snappy', CompressionCodec.Snappy, 18],
  ])('refuses a %s zip bomb decompressing past 16 × max.message.bytes', async (name, codec, mib) => {
    if (!(await isCodecAvailable(codec))) return expect(name).not.toBe('gzip');
    const section = await compress(codec, ZEROS(mib * 1024 * 1024));
    const bomb = rawBatch({ attributes: codec, section, recordCount: 1 });
    await expectRefused(bomb, 'INVALID_RECORD', /decompresses to .*more than the limit of 16777408 bytes/);
  });

  it('left the partition readable to its end by the SDK consumer: every stored record, nothing else', async () => {
    const sluice = new Sluice({ clientId: 'validation', brokers: [`127.0.0.1:${t.port}`], logLevel: logLevel.NOTHING });
    const consumer = sluice.consumer({ maxWaitTimeInMs: 50 });
    const crashes: unknown[] = [];
    consumer.on(consumer.events.CRASH, (e) => crashes.push(e.payload));
    const got: string[] = [];
    const end = await logEnd('v');
    let last = -1;
    await consumer.connect();
    await consumer.subscribe({ topics: ['v'], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message.value?.toString() ?? 'null');
        last = Number(message.offset);
      },
    });
    await waitFor(() => last >= end - 1, { timeoutMs: 10_000, message: `the consumer to reach offset ${end - 1}` });
    await consumer.disconnect();
    expect(crashes).toEqual([]);
    expect(got).toEqual(stored);
    expect(end).toBe(stored.length);
  });
});

describe('a batch the broker itself could not have produced is refused even with a valid CRC', () => {
  it('keeps the CRC check first: a damaged header is CORRUPT_MESSAGE (retriable), not INVALID_RECORD', async () => {
    const b = rawBatch({ records: [record('x')] });
    b.writeInt16BE(0x20, 21); // control bit, CRC not recomputed
    await expectRefused(b, 'CORRUPT_MESSAGE', /CRC mismatch/);
    await expectRefused(withCrc(b), 'INVALID_RECORD', /control batch/);
  });
});
