import { describe, expect, it } from 'vitest';
import { buildRecordBatch, buildRecordBatchSync } from '../../src/records/batch.js';
import { decodeFetchedChunk } from '../../src/client/consumer/decode.js';
import { RecordCopies } from '../../src/client/consumer/record-copies.js';
import { RecordReader } from '../../src/records/record.js';
import { BATCH_HEADER_SIZE, CompressionCodec } from '../../storage/format/record-batch.js';

describe('decodeFetchedChunk', () => {
  it('gives every record its exact decimal offset and timestamp across thousand boundaries', async () => {
    const base = 1_234_998_990;
    const records = Array.from({ length: 2100 }, (_, i) => ({
      key: null,
      value: Buffer.from([i & 0xff]),
      timestamp: 1_700_000_000_000 + (i >> 4),
    }));
    const batch = buildRecordBatchSync(records);
    batch.writeBigInt64BE(BigInt(base), 0);
    const { messages } = await decodeFetchedChunk(batch, 0, batch.length, base + 5, 1 << 20);
    expect(messages).toHaveLength(2095);
    messages.forEach((m, j) => {
      const i = j + 5;
      expect(m.offset).toBe(String(base + i));
      expect(m.timestamp).toBe(String(1_700_000_000_000 + (i >> 4)));
      expect(m.value).toEqual(Buffer.from([i & 0xff]));
    });
  });

  it('decodes offsets below 1000 and values as views of the fetched bytes', async () => {
    const batch = buildRecordBatchSync([{ key: Buffer.from('k'), value: Buffer.from('hello'), timestamp: 5 }]);
    const { messages } = await decodeFetchedChunk(batch, 0, batch.length, 0, 1 << 20);
    expect(messages[0]!.offset).toBe('0');
    expect(messages[0]!.key!.toString()).toBe('k');
    expect(messages[0]!.value!.toString()).toBe('hello');
    expect(messages[0]!.value!.buffer).toBe(batch.buffer);
  });
});

describe('decoded message shape (what kafkajs shows: plain objects with own data properties)', () => {
  it('spreads, lists and serializes every field, and fresh headers per message', async () => {
    const batch = buildRecordBatchSync([
      { key: null, value: Buffer.from('a'), timestamp: 5 },
      { key: Buffer.from('k'), value: Buffer.from('b'), headers: [['h', Buffer.from('v')]], timestamp: 6 },
    ]);
    const { messages } = await decodeFetchedChunk(batch, 0, batch.length, 0, 1 << 20);
    const fields = [
      'magicByte',
      'attributes',
      'timestamp',
      'offset',
      'key',
      'value',
      'headers',
      'isControlRecord',
      'size',
    ];
    for (const m of messages) {
      expect(Object.getPrototypeOf(m)).toBe(Object.prototype);
      expect(Object.keys(m)).toEqual(fields);
      for (const f of fields) expect(Object.getOwnPropertyDescriptor(m, f)).toHaveProperty('value');
      expect({ ...m }).toEqual(m);
    }
    expect(JSON.parse(JSON.stringify(messages[1]))).toMatchObject({
      offset: '1',
      timestamp: '6',
      key: { type: 'Buffer', data: [0x6b] },
      headers: { h: { type: 'Buffer', data: [0x76] } },
    });
    expect(messages[0]!.headers).toEqual({});
    expect(messages[0]!.headers).not.toBe(messages[1]!.headers);
  });
});

describe('RecordReader', () => {
  const section = (count: number) => {
    const values = Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from([i]), timestamp: 5 }));
    return buildRecordBatchSync(values).subarray(BATCH_HEADER_SIZE);
  };

  it('keeps returning false after the last record, and after a skipped tail', () => {
    const all = new RecordReader(section(3), 3);
    const seen: number[] = [];
    while (all.next()) seen.push(all.value![0]!);
    expect(seen).toEqual([0, 1, 2]);
    expect(all.next()).toBe(false);
    expect(all.next()).toBe(false);
    const none = new RecordReader(section(3), 3, 5); // every record is below fromDelta
    expect(none.next()).toBe(false);
    expect(none.next()).toBe(false);
  });
});

describe('decodeFetchedChunk CRC checking (ConsumerConfig.checkCrcs)', () => {
  const flipped = () => {
    const batch = buildRecordBatchSync([{ key: null, value: Buffer.from('payload'), timestamp: 5 }]);
    batch[batch.length - 3]! ^= 0x01; // inside the value: the layout stays valid, only the CRC disagrees
    return batch;
  };

  it('with checkCrcs on, a batch whose bytes changed after its CRC was written is refused', async () => {
    const batch = flipped();
    await expect(decodeFetchedChunk(batch, 0, batch.length, 0, 1 << 20, true)).rejects.toThrow(/CRC mismatch/);
  });

  it('with checkCrcs off, the same batch decodes (the check is skipped, not the layout validation)', async () => {
    const batch = flipped();
    const { messages } = await decodeFetchedChunk(batch, 0, batch.length, 0, 1 << 20, false);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.value!.length).toBe(7);
    const cut = batch.subarray(0, batch.length - 1);
    await expect(decodeFetchedChunk(cut, 0, cut.length, 0, 1 << 20, false)).rejects.toThrow(/cut off/);
  });

  it('valid batches decode the same with and without the check', async () => {
    const batch = buildRecordBatchSync(
      Array.from({ length: 50 }, (_, i) => ({
        key: Buffer.from(`k${i}`),
        value: Buffer.from(`v${i}`),
        timestamp: 1000 + i,
        headers: [['h', Buffer.from(`x${i}`)]] as Array<[string, Buffer | null]>,
      })),
    );
    const on = await decodeFetchedChunk(batch, 0, batch.length, 0, 1 << 20, true);
    const off = await decodeFetchedChunk(batch, 0, batch.length, 0, 1 << 20, false);
    expect(off.messages).toEqual(on.messages);
    expect(off.pos).toBe(on.pos);
  });
});

describe('decodeFetchedChunk with a bad batch after good ones', () => {
  it('returns the good batches and stops before the bad one; decoding from the bad one throws', async () => {
    const good = buildRecordBatchSync([{ key: null, value: Buffer.from('good'), timestamp: 1 }]);
    const bad = buildRecordBatchSync([{ key: null, value: Buffer.from('bad!'), timestamp: 2 }]);
    bad.writeBigInt64BE(1n, 0);
    bad[bad.length - 2]! ^= 0x01;
    const bytes = Buffer.concat([good, bad]);
    const first = await decodeFetchedChunk(bytes, 0, bytes.length, 0, 1 << 20, true);
    expect(first.messages.map((m) => m.value!.toString())).toEqual(['good']);
    expect(first.pos).toBe(good.length);
    await expect(decodeFetchedChunk(bytes, first.pos, bytes.length, 0, 1 << 20, true)).rejects.toThrow(/CRC mismatch/);
  });
});

describe('decodeFetchedChunk message arrays (made at the size the batch headers claim)', () => {
  const batchAt = (baseOffset: number, values: string[]) => {
    const batch = buildRecordBatchSync(values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: 1 })));
    batch.writeBigInt64BE(BigInt(baseOffset), 0);
    return batch;
  };
  const dense = (messages: unknown[]) => messages.every((_, i) => i in messages) && Object.keys(messages).length;

  it('holds exactly the messages at or after the fetch offset, without holes', async () => {
    const bytes = Buffer.concat([batchAt(0, ['a', 'b', 'c']), batchAt(3, ['d', 'e'])]);
    const { messages } = await decodeFetchedChunk(bytes, 0, bytes.length, 2, 1 << 20, false);
    expect(messages.map((m) => m.value!.toString())).toEqual(['c', 'd', 'e']);
    expect(dense(messages)).toBe(3);
  });

  it('holds only the good batches when a later one fails after some of its records were read', async () => {
    const bad = batchAt(2, ['x', 'y']);
    bad.writeInt32BE(1, 57); // recordCount: one record claimed, two in the section (the second read fails)
    bad.writeInt32BE(0, 23); // lastOffsetDelta
    const bytes = Buffer.concat([batchAt(0, ['a', 'b']), bad]);
    const { messages, pos } = await decodeFetchedChunk(bytes, 0, bytes.length, 0, 1 << 20, false);
    expect(messages.map((m) => m.value!.toString())).toEqual(['a', 'b']);
    expect(dense(messages)).toBe(2);
    expect(pos).toBe(bytes.length - bad.length);
  });

  it('grows its array past what the bytes bound when a compressed batch holds more records', async () => {
    const values = Array.from({ length: 300 }, () => 'same value');
    const batch = await buildRecordBatch(
      values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: 1 })),
      { compression: CompressionCodec.Gzip },
    );
    expect(batch.length - BATCH_HEADER_SIZE).toBeLessThan(300 * 7); // fewer bytes than 300 uncompressed records
    const { messages } = await decodeFetchedChunk(batch, 0, batch.length, 0, 1 << 20, false);
    expect(messages.map((m) => m.value!.toString())).toEqual(values);
    expect(dense(messages)).toBe(300);
  });
});

describe('decodeFetchedChunk bounds (the one record decoder, src/records/record.ts)', () => {
  const twoRecords = () =>
    buildRecordBatchSync([
      { key: null, value: Buffer.from('first'), timestamp: 5 },
      { key: null, value: Buffer.from('second'), timestamp: 6 },
    ]);

  it('refuses a batch whose records section holds more than recordCount records', async () => {
    const batch = twoRecords();
    batch.writeInt32BE(1, 57); // recordCount
    batch.writeInt32BE(0, 23); // lastOffsetDelta
    await expect(decodeFetchedChunk(batch, 0, batch.length, 0, 1 << 20, false)).rejects.toThrow(
      /bytes follow the last of its 1 records/,
    );
  });

  it('refuses a record whose value runs past its declared length into the next record', async () => {
    const batch = twoRecords();
    // First record: length, attributes, timestampDelta, offsetDelta, key (-1), value length 5 → 7 (zigzag 14).
    const valueLength = 61 + 5;
    expect(batch[valueLength]).toBe(10);
    batch[valueLength] = 14; // 7 bytes: its own 5, its header count, and one of the next record
    await expect(decodeFetchedChunk(batch, 0, batch.length, 0, 1 << 20, false)).rejects.toThrow(
      /record 0: record value needs 7 bytes/,
    );
  });
});

describe('decodeFetchedChunk copying records out of the response (the default consumer)', () => {
  const values = Array.from({ length: 3000 }, (_, i) => Buffer.alloc(50 + (i % 200), i % 251));
  const batch = () =>
    buildRecordBatchSync(values.map((value, i) => ({ key: Buffer.from(`k${i}`), value, timestamp: 1000 + i })));

  it('decodes the same messages as in place, none of them viewing the response, even after it is overwritten', async () => {
    const bytes = batch();
    const inPlace = await decodeFetchedChunk(bytes, 0, bytes.length, 0, 1 << 20, false);
    const copied = await decodeFetchedChunk(bytes, 0, bytes.length, 0, 1 << 20, false, null, new RecordCopies());
    expect(inPlace.aliases).toBe(true);
    expect(copied.aliases).toBe(false);
    expect(copied.offsets.toArray()).toEqual(inPlace.offsets.toArray());
    expect(copied.nextOffset).toBe(inPlace.nextOffset);
    const snapshot = inPlace.messages.map((m) => ({ ...m, key: Buffer.from(m.key!), value: Buffer.from(m.value!) }));
    bytes.fill(0xee); // the frame reused for the next response
    expect(copied.messages).toEqual(snapshot);
    expect(copied.messages.some((m) => m.value!.buffer === bytes.buffer)).toBe(false);
  });

  it('copies header values and a record larger than a copy block too, none of them viewing the response', async () => {
    const big = Buffer.alloc(100 * 1024, 7);
    const records = Array.from({ length: 400 }, (_, i) => ({
      key: Buffer.from(`k${i}`),
      value: i === 150 ? big : Buffer.alloc(300, i % 251),
      headers: [['h', Buffer.from(`v${i}`)]] as Array<[string, Buffer | null]>,
      timestamp: 1000 + i,
    }));
    const bytes = buildRecordBatchSync(records);
    const inPlace = await decodeFetchedChunk(bytes, 0, bytes.length, 0, 1 << 20, false);
    const copied = await decodeFetchedChunk(bytes, 0, bytes.length, 0, 1 << 20, false, null, new RecordCopies());
    expect(copied.aliases).toBe(false);
    const snapshot = inPlace.messages.map((m) => ({
      ...m,
      key: Buffer.from(m.key!),
      value: Buffer.from(m.value!),
      headers: { h: Buffer.from(m.headers!.h as Buffer) },
    }));
    bytes.fill(0xee);
    expect(copied.messages).toEqual(snapshot);
    const views = copied.messages.flatMap((m) => [m.key!, m.value!, m.headers!.h as Buffer]);
    expect(views.some((view) => view.buffer === bytes.buffer)).toBe(false);
    expect(copied.messages[150]!.value!.equals(big)).toBe(true);
  });

  it('copies batches of records of 256 KiB or more too, each record into memory of its own that holds nothing else', async () => {
    const values = Array.from({ length: 3 }, (_, i) => Buffer.alloc(300 * 1024 + i, 11 + i));
    const bytes = buildRecordBatchSync(values.map((value, i) => ({ key: Buffer.from(`k${i}`), value, timestamp: i })));
    const copied = await decodeFetchedChunk(bytes, 0, bytes.length, 0, 1 << 20, false, null, new RecordCopies());
    expect(copied.aliases).toBe(false);
    bytes.fill(0xee);
    expect(copied.messages.map((m) => m.value!.equals(values[Number(m.offset)]!))).toEqual([true, true, true]);
    for (const m of copied.messages) {
      // Key and value share their record's buffer, which is no larger than the record: a kept value pins only it.
      expect(m.value!.buffer).toBe(m.key!.buffer);
      expect(m.value!.buffer.byteLength).toBe(m.size);
    }
    expect(new Set(copied.messages.map((m) => m.value!.buffer)).size).toBe(3);
  });

  it('copies batches of records between those sizes too (64 KiB), none of them viewing the response', async () => {
    const values = Array.from({ length: 3 }, (_, i) => Buffer.alloc(64 * 1024, 21 + i));
    const bytes = buildRecordBatchSync(values.map((value, i) => ({ key: null, value, timestamp: i })));
    const chunk = await decodeFetchedChunk(bytes, 0, bytes.length, 0, 1 << 20, false, null, new RecordCopies());
    expect(chunk.aliases).toBe(false);
    expect(chunk.messages.some((m) => m.value!.buffer === bytes.buffer)).toBe(false);
    bytes.fill(0xee); // the frame reused for the next response
    expect(chunk.messages.map((m) => m.value!.equals(values[Number(m.offset)]!))).toEqual([true, true, true]);
  });

  it('skips the records below the fetch offset as in place', async () => {
    const bytes = batch();
    const copied = await decodeFetchedChunk(bytes, 0, bytes.length, 1234, 1 << 20, false, null, new RecordCopies());
    expect(copied.offsets.toArray()).toEqual([...Array(3000 - 1234).keys()].map((i) => i + 1234));
    expect(copied.messages[0]!.value!.equals(values[1234]!)).toBe(true);
  });

  it('names a bad record by its index in the batch, as in place', async () => {
    const twoRecords = () =>
      buildRecordBatchSync([
        { key: null, value: Buffer.from('first'), timestamp: 5 },
        { key: null, value: Buffer.from('second'), timestamp: 6 },
      ]);
    let bytes = twoRecords();
    bytes[61 + 5] = 14; // the first record's value length runs into the next record
    await expect(
      decodeFetchedChunk(bytes, 0, bytes.length, 0, 1 << 20, false, null, new RecordCopies()),
    ).rejects.toThrow(/record 0: record value needs 7 bytes/);
    bytes = twoRecords();
    bytes.writeInt32BE(1, 57); // recordCount
    bytes.writeInt32BE(0, 23); // lastOffsetDelta
    await expect(
      decodeFetchedChunk(bytes, 0, bytes.length, 0, 1 << 20, false, null, new RecordCopies()),
    ).rejects.toThrow(/bytes follow the last of its 1 records/);
  });
});
