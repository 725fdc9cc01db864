// A broker without a codec's optional package (here 'snappy', made unloadable) refuses batches compressed
// with it as UNSUPPORTED_COMPRESSION_TYPE, as Kafka does, instead of storing bytes nobody here can check.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../src/protocol/index.js';
import { createTopic, produce, readAll, startBroker, values, type TestBroker } from '../helpers/broker.js';
import { rawBatch } from '../helpers/raw-batch.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

vi.mock('snappy', () => {
  throw new Error("Cannot find package 'snappy'");
});

let t: TestBroker;
beforeAll(async () => {
  t = await startBroker();
});
afterAll(async () => {
  await t.stop();
  await removeTempDirs();
});

it('refuses a snappy batch when the snappy package cannot be loaded, and stores nothing', async () => {
  const c = await t.client();
  await createTopic(c, 's', 1);
  // Raw snappy of one record, written by hand: preamble 8, then a literal of 8 bytes (tag (8-1) << 2).
  const record = Buffer.from([14, 0, 0, 0, 1, 2, 0x61, 0]);
  const section = Buffer.concat([Buffer.from([record.length, (record.length - 1) << 2]), record]);
  const res = await produce(c, 's', 0, rawBatch({ attributes: 2, section, recordCount: 1 }));
  expect(res.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  expect(res.errorMessage).toBe(
    "s-0: batch 0 (at byte 0): snappy compression is not available on this broker (its optional package 'snappy' is not installed)",
  );
  expect(values(await readAll(c, 's', 0))).toEqual([]);
});
