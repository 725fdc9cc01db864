// DeleteRecords: the log start moves to the given offset (-1 = the high watermark), fetches below it are
// OFFSET_OUT_OF_RANGE, ListOffsets' earliest answers it, each partition is answered on its own, and the
// new log start survives a graceful restart and a SIGKILL.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  DeleteRecordsApi,
  type DeleteRecordsPartitionResult,
  EARLIEST_TIMESTAMP,
  ErrorCode,
  LATEST_TIMESTAMP,
  ListOffsetsApi,
} from '../../src/protocol/index.js';
import {
  batchOf,
  createTopic,
  fetchPartition,
  produce,
  readAll,
  recordsOf,
  startBroker,
  type TestBroker,
  values,
} from '../helpers/broker.js';
import { stablePort } from '../helpers/free-port.js';
import { startSluice } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { WireClient } from '../helpers/wire-client.js';

let t: TestBroker | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});
afterAll(removeTempDirs);

async function deleteRecords(
  client: WireClient,
  topic: string,
  partitions: Array<{ partition: number; offset: number }>,
): Promise<DeleteRecordsPartitionResult[]> {
  const res = await client.request(DeleteRecordsApi, { topics: [{ name: topic, partitions }], timeoutMs: 5000 });
  return res.topics[0]!.partitions;
}

async function earliestAndLatest(client: WireClient, topic: string, partition = 0): Promise<[number, number]> {
  const ask = (timestamp: number) =>
    client.request(ListOffsetsApi, {
      isolationLevel: 0,
      topics: [{ name: topic, partitions: [{ partition, timestamp }] }],
    });
  const [low, high] = await Promise.all([ask(EARLIEST_TIMESTAMP), ask(LATEST_TIMESTAMP)]);
  return [low.topics[0]!.partitions[0]!.offset, high.topics[0]!.partitions[0]!.offset];
}

/** Three batches of five records: offsets 0..14, values v0..v14. */
async function fifteenRecords(client: WireClient, topic: string, partition = 0): Promise<void> {
  for (let b = 0; b < 3; b++)
    await produce(client, topic, partition, batchOf([0, 1, 2, 3, 4].map((i) => `v${b * 5 + i}`)));
}

describe('DeleteRecords', () => {
  it('moves the log start: earliest answers it, a fetch below it is out of range, records from it on stay', async () => {
    t = await startBroker();
    const c = await t.client();
    await createTopic(c, 'dr', 1);
    await fifteenRecords(c, 'dr');

    expect(await deleteRecords(c, 'dr', [{ partition: 0, offset: 7 }])).toEqual([
      { partition: 0, errorCode: 0, errorMessage: null, lowWatermark: 7 },
    ]);
    expect(await earliestAndLatest(c, 'dr')).toEqual([7, 15]);
    const below = await fetchPartition(c, 'dr', 0, 6);
    expect(below.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(below.errorMessage).toMatch(/valid offsets are 7\.\.15/);
    // The batch holding offset 7 is served whole (its first records precede the log start); consumers
    // skip records below the offset they asked for.
    const at = await fetchPartition(c, 'dr', 0, 7);
    expect(at.logStartOffset).toBe(7);
    expect((await recordsOf(at)).map((r) => r.offset)).toContain(7);
    expect(values(await readAll(c, 'dr', 0, 7))).toEqual([7, 8, 9, 10, 11, 12, 13, 14].map((i) => `v${i}`));
  });

  it('-1 deletes everything up to the high watermark; new records are still appended after it', async () => {
    t = await startBroker();
    const c = await t.client();
    await createTopic(c, 'all', 1);
    await fifteenRecords(c, 'all');
    expect((await deleteRecords(c, 'all', [{ partition: 0, offset: -1 }]))[0]).toMatchObject({
      errorCode: 0,
      lowWatermark: 15,
    });
    expect(await earliestAndLatest(c, 'all')).toEqual([15, 15]);
    expect((await fetchPartition(c, 'all', 0, 0)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect((await produce(c, 'all', 0, batchOf(['after']))).baseOffset).toBe(15);
    expect(values(await readAll(c, 'all', 0, 15))).toEqual(['after']);
  });

  it('answers each partition on its own: unknown ones, offsets past the high watermark, offsets below the start', async () => {
    t = await startBroker();
    const c = await t.client();
    await createTopic(c, 'mixed', 3);
    await fifteenRecords(c, 'mixed', 0);
    await fifteenRecords(c, 'mixed', 1);
    await fifteenRecords(c, 'mixed', 2);
    await deleteRecords(c, 'mixed', [{ partition: 2, offset: 10 }]);

    const results = await deleteRecords(c, 'mixed', [
      { partition: 0, offset: 5 },
      { partition: 1, offset: 16 },
      { partition: 2, offset: 3 },
      { partition: 9, offset: 1 },
      { partition: 1, offset: -2 },
    ]);
    expect(results.map((r) => [r.partition, r.errorCode, r.lowWatermark])).toEqual([
      [0, 0, 5],
      [1, ErrorCode.OFFSET_OUT_OF_RANGE, -1],
      [2, 0, 10], // below the log start: nothing changes
      [9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1],
      [1, ErrorCode.OFFSET_OUT_OF_RANGE, -1],
    ]);
    expect(results[1]!.errorMessage).toMatch(/high watermark 15/);
    expect(await earliestAndLatest(c, 'mixed', 1)).toEqual([0, 15]);

    const unknown = await c.request(DeleteRecordsApi, {
      topics: [{ name: 'nope', partitions: [{ partition: 0, offset: 1 }] }],
      timeoutMs: 100,
    });
    expect(unknown.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('keeps the new log start across a graceful restart', async () => {
    const dataDir = await tempDir();
    t = await startBroker({ dataDir });
    let c = await t.client();
    await createTopic(c, 'kept', 1);
    await fifteenRecords(c, 'kept');
    await deleteRecords(c, 'kept', [{ partition: 0, offset: 12 }]);
    await t.stop();

    t = await startBroker({ dataDir });
    c = await t.client();
    expect(await earliestAndLatest(c, 'kept')).toEqual([12, 15]);
    expect((await fetchPartition(c, 'kept', 0, 11)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(values(await readAll(c, 'kept', 0, 12))).toEqual(['v12', 'v13', 'v14']);
  });

  it('keeps the new log start when the broker process is SIGKILLed right after answering', async () => {
    const dataDir = await tempDir();
    const port = await stablePort();
    const args = ['--data-dir', dataDir, '--port', String(port)];
    let proc = await startSluice(args);
    let c = await WireClient.connect(port);
    try {
      await createTopic(c, 'killed', 1);
      await fifteenRecords(c, 'killed');
      expect((await deleteRecords(c, 'killed', [{ partition: 0, offset: 9 }]))[0]!.lowWatermark).toBe(9);
      c.destroy();
      expect(await proc.kill('SIGKILL')).toBe('SIGKILL');

      proc = await startSluice(args);
      c = await WireClient.connect(port);
      expect(await earliestAndLatest(c, 'killed')).toEqual([9, 15]);
      expect((await fetchPartition(c, 'killed', 0, 8)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    } finally {
      c.destroy();
      await proc.kill('SIGTERM');
    }
  });
});
