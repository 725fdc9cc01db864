import { describe, expect, it } from 'vitest';
import { buildRecordBatchSync } from '../../src/records/batch.js';
import { decodeFetchedChunk } from '../../src/client/consumer/decode.js';

describe('decodeFetchedChunk', () => {
  it('gives every record its exact decimal offset and timestamp across thousand boundaries', async () => {
    const base = 1_234_998_990;
    const records = Array.from({ length: 2100 }, (_, i) => ({ key: null, value: Buffer.from([i & 0xff]), timestamp: 1_700_000_000_000 + (i >> 4) }));
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
