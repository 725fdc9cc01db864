import { describe, expect, it } from 'vitest';
import { readBatchHeader, writeBatchCrc, validateBatch } from '../../storage/format/record-batch.js';
import {
  BatchFormatError,
  buildRecordBatch,
  buildRecordBatchSync,
  type CompressionCodec,
  decodeRecordBatches,
  estimateRecordSize,
  RecordFormatError,
  type RecordInput,
} from '../../src/records/index.js';

const T0 = 1_700_000_000_000;

function rec(
  key: string | null,
  value: string | null,
  timestamp = T0,
  headers?: Array<[string, Buffer | null]>,
): RecordInput {
  return {
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    timestamp,
    headers,
  };
}

async function roundTrip(records: RecordInput[], compression?: CompressionCodec) {
  const bytes = await buildRecordBatch(records, { compression });
  const batches = await decodeRecordBatches(bytes);
  expect(batches).toHaveLength(1);
  return batches[0]!;
}

describe('buildRecordBatchSync: exact bytes', () => {
  it('writes the header fields and one record byte for byte as Kafka defines them', () => {
    const batch = buildRecordBatchSync([rec('k', 'v')]);
    // length 8 | attributes 0 | timestampDelta 0 | offsetDelta 0 | key len 1 'k' | value len 1 'v' | 0 headers
    expect(batch.subarray(61).toString('hex')).toBe('10' + '00' + '00' + '00' + '02' + '6b' + '02' + '76' + '00');
    expect(batch.length).toBe(61 + 9);
    const h = readBatchHeader(batch);
    expect(h).toMatchObject({
      baseOffset: 0,
      sizeInBytes: 70,
      partitionLeaderEpoch: -1,
      magic: 2,
      attributes: 0,
      lastOffsetDelta: 0,
      baseTimestamp: T0,
      maxTimestamp: T0,
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      recordCount: 1,
    });
    expect(() => validateBatch(batch)).not.toThrow();
  });

  it('sets idempotent producer fields and offset deltas 0..n-1', async () => {
    const bytes = buildRecordBatchSync([rec('a', '1'), rec('b', '2'), rec('c', '3')], {
      producerId: 4242,
      producerEpoch: 3,
      baseSequence: 17,
    });
    const [batch] = await decodeRecordBatches(bytes);
    expect(batch!.header).toMatchObject({
      producerId: 4242,
      producerEpoch: 3,
      baseSequence: 17,
      recordCount: 3,
      lastOffsetDelta: 2,
    });
    expect(batch!.records.map((r) => r.offset)).toEqual([0, 1, 2]);
  });

  it('refuses an empty batch and out-of-range producer fields', () => {
    expect(() => buildRecordBatchSync([])).toThrow(/at least one record/);
    expect(() => buildRecordBatchSync([rec('k', 'v')], { producerEpoch: 70000 })).toThrow(/producerEpoch/);
    expect(() => buildRecordBatchSync([rec('k', 'v', 1.5)])).toThrow(/timestamp/);
  });
});

describe('round trips', () => {
  it('keeps null, empty and large keys and values apart', async () => {
    const large = Buffer.alloc(1_000_000, 0xab);
    const records: RecordInput[] = [
      { key: null, value: null, timestamp: T0 },
      { key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: T0 },
      { key: large, value: large, timestamp: T0 },
      { key: null, value: Buffer.from('only value'), timestamp: T0 },
    ];
    const { records: out } = await roundTrip(records);
    // Buffer.equals: vitest's deep equality walks a 1 MB buffer byte by byte, far too slowly.
    const same = (a: Buffer | null, b: Buffer | null) => (a === null ? b === null : b !== null && a.equals(b));
    expect(out.map((r, i) => same(r.key, records[i]!.key))).toEqual([true, true, true, true]);
    expect(out.map((r, i) => same(r.value, records[i]!.value))).toEqual([true, true, true, true]);
    expect(out.map((r) => r.key?.length ?? null)).toEqual([null, 0, 1_000_000, null]);
  });

  it('keeps headers: none, many, null values, duplicate and UTF-8 keys, in order', async () => {
    const many: Array<[string, Buffer | null]> = Array.from({ length: 200 }, (_, i) => [
      `h${i}`,
      Buffer.from(String(i)),
    ]);
    const mixed: Array<[string, Buffer | null]> = [
      ['trace', Buffer.from('abc')],
      ['empty', Buffer.alloc(0)],
      ['nothing', null],
      ['trace', Buffer.from('def')],
      ['clé-日本語-🚀', Buffer.from('ü')],
      ['', Buffer.from('empty key')],
    ];
    const { records: out } = await roundTrip([rec('a', 'b'), rec('a', 'b', T0, many), rec('a', 'b', T0, mixed)]);
    expect(out[0]!.headers).toEqual([]);
    expect(out[1]!.headers).toEqual(many);
    expect(out[2]!.headers).toEqual(mixed);
  });

  it('keeps timestamps, including ones before the first record and far apart', async () => {
    const stamps = [T0, T0 - 5_000, T0 + 86_400_000 * 365 * 100, 0, T0 + 1];
    const batch = await roundTrip(stamps.map((t) => rec('k', 'v', t)));
    expect(batch.records.map((r) => r.timestamp)).toEqual(stamps);
    expect(batch.header.baseTimestamp).toBe(T0);
    expect(batch.header.maxTimestamp).toBe(Math.max(...stamps));
  });

  it('decodes several batches packed back to back with their broker-assigned offsets', async () => {
    const a = buildRecordBatchSync([rec('a', '1'), rec('b', '2')]);
    const b = buildRecordBatchSync([rec('c', '3')]);
    a.writeInt32BE(0, 0);
    a.writeInt32BE(100, 4); // baseOffset 100, outside the CRC like the broker's patch
    b.writeInt32BE(0, 0);
    b.writeInt32BE(102, 4);
    const batches = await decodeRecordBatches(Buffer.concat([a, b]));
    expect(batches.flatMap((x) => x.records.map((r) => [r.offset, r.value!.toString()]))).toEqual([
      [100, '1'],
      [101, '2'],
      [102, '3'],
    ]);
  });

  it('returns key and value as views of the input for uncompressed batches (no copy)', async () => {
    const bytes = buildRecordBatchSync([rec('key', 'value')]);
    const [batch] = await decodeRecordBatches(bytes);
    expect(batch!.records[0]!.value!.buffer).toBe(bytes.buffer);
  });

  it('uses the batch maxTimestamp for every record of a LogAppendTime batch', async () => {
    const bytes = buildRecordBatchSync([rec('k', 'v', T0), rec('k', 'v', T0 + 10)]);
    bytes.writeInt16BE(0x08, 21); // timestamp type = LogAppendTime
    bytes.writeInt32BE(0, 35);
    bytes.writeUInt32BE(5000, 39); // maxTimestamp = 5000 (set by the broker)
    writeBatchCrc(bytes);
    const [batch] = await decodeRecordBatches(bytes);
    expect(batch!.records.map((r) => r.timestamp)).toEqual([5000, 5000]);
  });

  it('decodes an empty input as no batches', async () => {
    expect(await decodeRecordBatches(Buffer.alloc(0))).toEqual([]);
  });
});

describe('corrupt input', () => {
  it('reports a CRC mismatch when one bit of the records flips', async () => {
    const bytes = buildRecordBatchSync([rec('key', 'value')]);
    bytes[bytes.length - 3]! ^= 0x01;
    await expect(decodeRecordBatches(bytes)).rejects.toThrow(/CRC mismatch/);
    await expect(decodeRecordBatches(bytes)).rejects.toBeInstanceOf(BatchFormatError);
  });

  it('reports truncated bytes at every cut point with a clear error', async () => {
    const bytes = buildRecordBatchSync([rec('key', 'value'), rec(null, 'x')]);
    for (let cut = 1; cut < bytes.length; cut++) {
      await expect(decodeRecordBatches(bytes.subarray(0, cut))).rejects.toThrow(/cut off|needs 61 bytes|smaller than/);
    }
  });

  it('reports a record whose fields do not match its declared length, even with a valid CRC', async () => {
    const bytes = buildRecordBatchSync([rec('k', 'v')]);
    bytes[61] = 0x12; // record length 9 instead of 8: one byte more than the batch holds
    writeBatchCrc(bytes);
    await expect(decodeRecordBatches(bytes)).rejects.toThrow(RecordFormatError);
    await expect(decodeRecordBatches(bytes)).rejects.toThrow(/record 0: record needs 9 bytes/);
  });

  it('reports a record count larger than the records present', async () => {
    const bytes = buildRecordBatchSync([rec('k', 'v'), rec('k', 'v')]);
    bytes.writeInt32BE(1_000_000, 57);
    bytes.writeInt32BE(999_999, 23);
    writeBatchCrc(bytes);
    await expect(decodeRecordBatches(bytes)).rejects.toThrow(/claims 1000000 records/);
  });

  it('reports an unknown compression codec id', async () => {
    const bytes = buildRecordBatchSync([rec('k', 'v')]);
    bytes.writeInt16BE(5, 21);
    writeBatchCrc(bytes);
    await expect(decodeRecordBatches(bytes)).rejects.toThrow(/unknown compression codec id 5/);
  });
});

describe('estimateRecordSize', () => {
  it('is an upper bound of the bytes a record adds to a batch', () => {
    const cases = [
      rec(null, null),
      rec('k', 'v'),
      rec('k'.repeat(300), 'v'.repeat(100_000), T0, [
        ['é日', Buffer.from('x')],
        ['n', null],
      ]),
    ];
    for (const r of cases) {
      const added = buildRecordBatchSync([r]).length - 61;
      expect(estimateRecordSize(r)).toBeGreaterThanOrEqual(added);
      expect(estimateRecordSize(r)).toBeLessThan(added + 64);
    }
  });
});
