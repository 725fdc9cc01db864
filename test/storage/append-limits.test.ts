import { describe, expect, it } from 'vitest';
import { InvalidRecordError, PartitionLog, RecordTooLargeError } from '../../storage/index.js';
import { config, makeBatch, readAll, withTempDir } from './helpers.js';

describe('append maxBatchBytes', () => {
  it('refuses a request holding a batch over the limit and stores none of its batches', async () => {
    await withTempDir(async (dir) => {
      const log = await PartitionLog.open({ dir, topic: 't', partition: 0, config: config() });
      const small = makeBatch({ tag: 1, payloadBytes: 10 });
      const large = makeBatch({ tag: 2, payloadBytes: 500 });
      const refused = log.append(Buffer.concat([small, large]), { maxBatchBytes: 200 });
      await expect(refused).rejects.toBeInstanceOf(RecordTooLargeError);
      await expect(refused).rejects.toMatchObject({ batchBytes: large.length, limit: 200, position: small.length });
      expect(log.logEndOffset).toBe(0);
      expect((await log.append(makeBatch({ tag: 3 }), { maxBatchBytes: 200 })).baseOffset).toBe(0);
      expect((await readAll(log)).map((b) => b.baseOffset)).toEqual([0]);
      await log.close();
    });
  });

  it('reports a length field that overruns the bytes as a malformed batch, not a large one', async () => {
    await withTempDir(async (dir) => {
      const log = await PartitionLog.open({ dir, topic: 't', partition: 0, config: config() });
      const torn = makeBatch({ payloadBytes: 100 }).subarray(0, 80);
      await expect(log.append(Buffer.from(torn), { maxBatchBytes: 50 })).rejects.toBeInstanceOf(InvalidRecordError);
      await log.close();
    });
  });
});
