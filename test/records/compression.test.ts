import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeBatchCrc } from '../../storage/format/record-batch.js';
import {
  buildRecordBatch,
  buildRecordBatchSync,
  CompressionCodec,
  CompressionError,
  decodeRecordBatches,
  isCodecAvailable,
  isXerialFramed,
  type RecordInput,
} from '../../src/records/index.js';

const T0 = 1_700_000_000_000;

/** Compressible records with a bit of everything: nulls, headers, growing timestamps. */
function sampleRecords(count: number): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({
    key: i % 7 === 0 ? null : Buffer.from(`key-${i % 50}`),
    value: Buffer.from(`{"order":${i},"status":"shipped","note":"${'x'.repeat(i % 90)}"}`),
    headers:
      i % 3 === 0
        ? [
            ['trace-id', Buffer.from(`t${i}`)],
            ['retry', null],
          ]
        : [],
    timestamp: T0 + i,
  }));
}

function expectSameRecords(decoded: Awaited<ReturnType<typeof decodeRecordBatches>>, input: RecordInput[]): void {
  const records = decoded.flatMap((b) => b.records);
  expect(records.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null, r.timestamp, r.headers])).toEqual(
    input.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null, r.timestamp, r.headers ?? []]),
  );
  expect(records.map((r) => r.offset)).toEqual(input.map((_, i) => i));
}

/** A batch whose records section is replaced by `section`, compressed with `codec`, CRC recomputed. */
function withSection(records: RecordInput[], codec: CompressionCodec, section: Buffer): Buffer {
  const header = Buffer.from(buildRecordBatchSync(records).subarray(0, 61));
  header.writeInt32BE(61 - 12 + section.length, 8);
  header.writeInt16BE(codec, 21);
  const batch = Buffer.concat([header, section]);
  writeBatchCrc(batch);
  return batch;
}

describe('gzip (always available)', () => {
  it('round trips a batch and stores a standard gzip stream', async () => {
    const input = sampleRecords(500);
    const bytes = await buildRecordBatch(input, { compression: CompressionCodec.Gzip });
    expect(bytes.readInt16BE(21) & 0x07).toBe(CompressionCodec.Gzip);
    expect(bytes.length).toBeLessThan(buildRecordBatchSync(input).length / 3);
    // An independent gunzip of the section gives exactly the uncompressed records section.
    expect(gunzipSync(bytes.subarray(61)).equals(buildRecordBatchSync(input).subarray(61))).toBe(true);
    expectSameRecords(await decodeRecordBatches(bytes), input);
  });

  it('decodes a batch gzipped by another producer', async () => {
    const input = sampleRecords(20);
    const bytes = withSection(
      input,
      CompressionCodec.Gzip,
      gzipSync(buildRecordBatchSync(input).subarray(61), { level: 9 }),
    );
    expectSameRecords(await decodeRecordBatches(bytes), input);
  });

  it('reports corrupt compressed data (with a valid CRC) as a CompressionError', async () => {
    const bytes = withSection(sampleRecords(3), CompressionCodec.Gzip, Buffer.from('not gzip at all'));
    await expect(decodeRecordBatches(bytes)).rejects.toBeInstanceOf(CompressionError);
    await expect(decodeRecordBatches(bytes)).rejects.toThrow(/gzip data is corrupt/);
  });

  it('reports an unknown codec id passed to the builder', async () => {
    await expect(buildRecordBatch(sampleRecords(1), { compression: 6 as CompressionCodec })).rejects.toThrow(
      /unknown compression codec id 6/,
    );
  });
});

const optional: Array<[string, CompressionCodec, string, string]> = [
  ['snappy', CompressionCodec.Snappy, 'snappy', '82534e41505059'],
  ['lz4', CompressionCodec.Lz4, 'lz4-napi', '04224d18'],
  ['zstd', CompressionCodec.Zstd, '@mongodb-js/zstd', '28b52ffd'],
];

describe.each(optional)('%s', (name, codec, pkg, magicHex) => {
  it(`round trips with the Kafka wire format when available, else names the package '${pkg}'`, async () => {
    const input = sampleRecords(2_000);
    if (await isCodecAvailable(codec)) {
      const bytes = await buildRecordBatch(input, { compression: codec });
      expect(bytes.subarray(61, 61 + magicHex.length / 2).toString('hex')).toBe(magicHex);
      expect(bytes.length).toBeLessThan(buildRecordBatchSync(input).length / 2);
      expectSameRecords(await decodeRecordBatches(bytes), input);
    } else {
      const attempt = buildRecordBatch(input, { compression: codec });
      await expect(attempt).rejects.toThrow(`${name} compression needs the optional package '${pkg}'`);
      await expect(attempt).rejects.toMatchObject({ code: 'COMPRESSION_UNAVAILABLE' });
    }
  });
});

describe('snappy framing', () => {
  it('writes xerial framing in 32 KiB blocks and also reads raw snappy (librdkafka style)', async () => {
    const input = sampleRecords(3_000); // > 32 KiB uncompressed: several xerial blocks
    if (!(await isCodecAvailable(CompressionCodec.Snappy))) {
      await expect(buildRecordBatch(input, { compression: CompressionCodec.Snappy })).rejects.toThrow(
        /optional package 'snappy'/,
      );
      return;
    }
    const framed = await buildRecordBatch(input, { compression: CompressionCodec.Snappy });
    const section = framed.subarray(61);
    expect(isXerialFramed(section)).toBe(true);
    expect([section.readInt32BE(8), section.readInt32BE(12)]).toEqual([1, 1]);
    expectSameRecords(await decodeRecordBatches(framed), input);

    const spec: string = 'snappy';
    const snappy = (await import(spec)) as { compressSync(b: Buffer): Buffer };
    const raw = withSection(
      input,
      CompressionCodec.Snappy,
      snappy.compressSync(buildRecordBatchSync(input).subarray(61)),
    );
    expect(isXerialFramed(raw.subarray(61))).toBe(false);
    expectSameRecords(await decodeRecordBatches(raw), input);
  });
});
