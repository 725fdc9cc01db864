// dump-log's scanner over segment files built with the real record codec.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../src/records/index.js';
import { CompressionCodec, patchBaseOffset } from '../../storage/format/record-batch.js';
import { scanSegment, type ScanEvent } from '../../cli/lib/segment-scan.js';
import { buildControlBatch } from '../../storage/format/control-batch.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Three batches of three records (the middle one gzip), offsets 0..8. */
async function segment(): Promise<{ bytes: Buffer; sizes: number[] }> {
  const parts: Buffer[] = [];
  for (let b = 0; b < 3; b++) {
    const records = Array.from({ length: 3 }, (_, i) => ({
      key: i === 0 ? null : Buffer.from(`k${i}`),
      value: Buffer.from(`value ${b * 3 + i}`),
      headers: [['h', Buffer.from('v')]] as Array<[string, Buffer | null]>,
      timestamp: 1_700_000_000_000 + b * 3 + i,
    }));
    const batch = await buildRecordBatch(records, {
      compression: b === 1 ? CompressionCodec.Gzip : CompressionCodec.None,
    });
    patchBaseOffset(batch, 0, b * 3, 0);
    parts.push(batch);
  }
  return { bytes: Buffer.concat(parts), sizes: parts.map((p) => p.length) };
}

async function scan(name: string, bytes: Buffer, records = true): Promise<ScanEvent[]> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const events: ScanEvent[] = [];
  for await (const e of scanSegment(path, { records })) events.push(e);
  return events;
}

describe('scanSegment', () => {
  it('names transaction markers: control batches with their COMMIT/ABORT type, producer and coordinator epoch', async () => {
    const commit = buildControlBatch({
      producerId: 7,
      producerEpoch: 2,
      commit: true,
      coordinatorEpoch: 5,
      timestamp: 1,
    });
    const abort = buildControlBatch({
      producerId: 8,
      producerEpoch: 0,
      commit: false,
      coordinatorEpoch: 5,
      timestamp: 1,
    });
    patchBaseOffset(abort, 0, 1, 0);
    const events = await scan('markers.log', Buffer.concat([commit, abort]), false);
    const batches = events.filter((e) => e.kind === 'batch');
    expect(
      batches.map((b) => [b.header.producerId, b.header.producerEpoch, b.control, b.transactional, b.marker]),
    ).toEqual([
      [7, 2, true, true, { type: 'COMMIT', coordinatorEpoch: 5 }],
      [8, 0, true, true, { type: 'ABORT', coordinatorEpoch: 5 }],
    ]);
  });

  it('lists every batch with offsets, sizes, compression, CRC status and records', async () => {
    const { bytes, sizes } = await segment();
    const events = await scan('00000000000000000000.log', bytes);
    const batches = events.filter((e) => e.kind === 'batch');
    expect(
      batches.map((b) => [
        b.header.baseOffset,
        b.lastOffset,
        b.position,
        b.header.sizeInBytes,
        b.compression,
        b.crcValid,
      ]),
    ).toEqual([
      [0, 2, 0, sizes[0], 'none', true],
      [3, 5, sizes[0], sizes[1], 'gzip', true],
      [6, 8, sizes[0]! + sizes[1]!, sizes[2], 'none', true],
    ]);
    expect(batches[1]!.records!.map((r) => [r.offset, r.key?.toString() ?? null, r.value!.toString()])).toEqual([
      [3, null, 'value 3'],
      [4, 'k1', 'value 4'],
      [5, 'k2', 'value 5'],
    ]);
    expect(events.at(-1)).toMatchObject({
      kind: 'summary',
      batches: 3,
      records: 9,
      firstOffset: 0,
      lastOffset: 8,
      corrupt: 0,
      validBytes: bytes.length,
    });
  });

  it('reports a flipped bit as a CRC mismatch at its batch and keeps going', async () => {
    const { bytes, sizes } = await segment();
    bytes[sizes[0]! + 70]! ^= 0x01;
    const events = await scan('flipped.log', bytes);
    const bad = events.find((e) => e.kind === 'corruption');
    expect(bad).toMatchObject({ position: sizes[0], afterOffset: 2, fatal: false });
    expect(bad && 'message' in bad && bad.message).toMatch(/^CRC mismatch in batch with offsets 3\.\.5/);
    expect(events.filter((e) => e.kind === 'batch')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ corrupt: 1, validBytes: sizes[0] });
  });

  it('stops at a torn tail and says how much is missing', async () => {
    const { bytes, sizes } = await segment();
    const events = await scan('torn.log', bytes.subarray(0, bytes.length - 7));
    const bad = events.find((e) => e.kind === 'corruption');
    expect(bad).toMatchObject({ position: sizes[0]! + sizes[1]!, afterOffset: 5, fatal: true });
    expect(bad && 'message' in bad && bad.message).toMatch(/cut off: only \d+ bytes left in the file \(torn write\)/);
  });

  it('names a bad magic byte and a stray partial header', async () => {
    const { bytes } = await segment();
    const magic = Buffer.from(bytes);
    magic[16] = 9;
    expect((await scan('magic.log', magic)).find((e) => e.kind === 'corruption')).toMatchObject({
      position: 0,
      message: 'unsupported magic 9 (expected 2)',
    });
    const stray = await scan('stray.log', Buffer.concat([bytes, Buffer.alloc(5)]));
    expect(stray.find((e) => e.kind === 'corruption')).toMatchObject({
      position: bytes.length,
      message: expect.stringMatching(/ends with 5 bytes/),
    });
  });

  it('notices offsets below the base offset in the file name', async () => {
    const { bytes } = await segment();
    const events = await scan('00000000000000000100.log', bytes, false);
    expect(events.find((e) => e.kind === 'corruption')).toMatchObject({
      position: 0,
      message: expect.stringMatching(/below the expected 100/),
    });
  });
});
