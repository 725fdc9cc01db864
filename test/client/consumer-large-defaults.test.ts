// Large records with the consumer's default settings: records are copied out of their response as they are
// decoded (each record larger than a copy block into a buffer of its own), and the response's frame goes
// back to the frame pool and is read into again. What a user checks: a value kept after its handler resolved
// is still the value produced, however many responses are read into the same memory after it.
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../helpers/gc.js';
import type { Consumer } from '../../src/client/index.js';
import { framePool } from '../../src/client/frame-pool.js';
import {
  type SdkBroker,
  sdkClient,
  startSdkBroker,
  untilBrokerStopsSending,
  waitFor,
  cleanedUpAfterEach,
} from './helpers.js';

const KiB = 1024;
const MiB = 1024 * KiB;

// A full collection on demand, so frames of responses nobody holds any more are freed (and their memory
// handed out again) while the kept values' frames live on.

/** Record i's value: its index in the first 4 bytes, then a byte pattern of its own. */
function recordValue(i: number, size: number): Buffer {
  const value = Buffer.alloc(size, (i * 37) % 251);
  value.writeUInt32BE(i, 0);
  return value;
}

const run = cleanedUpAfterEach<SdkBroker>();

async function produced(records: number, size: number): Promise<SdkBroker> {
  const broker = await startSdkBroker();
  const sluice = sdkClient(broker.port);
  const admin = sluice.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: 'big', numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(4 * MiB) }] },
    ],
  });
  await admin.disconnect();
  const producer = sluice.producer();
  await producer.connect();
  const perSend = Math.max(1, Math.floor(MiB / size));
  for (let i = 0; i < records; i += perSend) {
    const messages = [];
    for (let k = i; k < Math.min(records, i + perSend); k++) messages.push({ value: recordValue(k, size) });
    await producer.send({ topic: 'big', messages });
  }
  await producer.disconnect();
  return broker;
}

async function consumer(): Promise<Consumer> {
  // The defaults: no fetch sizes, no reuseFetchBuffers.
  const c = sdkClient(run.broker!.port).consumer({});
  run.consumers.push(c);
  await c.connect();
  await c.subscribe({ topic: 'big', fromBeginning: true });
  return c;
}

describe.each([
  { size: 64 * KiB, records: 960 },
  { size: MiB, records: 32 },
])('consumer defaults, $size-byte records', ({ size, records }) => {
  it('eachMessage: values kept after their handlers stay intact while later responses are read and collected', async () => {
    run.broker = await produced(records, size);
    const reusedBefore = framePool.reused;
    const c = await consumer();
    const kept = new Map<number, Buffer>();
    let seen = 0;
    await c.run({
      eachMessage: async ({ message }) => {
        const i = message.value!.readUInt32BE(0);
        // Every seventh value is kept; the others' responses become garbage and are collected now and then.
        if (i % 7 === 0) kept.set(i, message.value!);
        if (++seen % Math.max(1, Math.floor((4 * MiB) / size)) === 0) collectGarbage();
      },
    });
    await waitFor(() => seen >= records, { timeoutMs: 25_000 });
    collectGarbage();
    expect(kept.size).toBe(Math.ceil(records / 7));
    // Later responses were read into the memory of earlier ones (copied records), and no kept value changed.
    expect(framePool.reused).toBeGreaterThan(reusedBefore);
    for (const [i, value] of kept) expect(value.equals(recordValue(i, size)), `record ${i}`).toBe(true);
  });

  it('eachBatch: values kept after their handlers stay intact while later responses are read and collected', async () => {
    run.broker = await produced(records, size);
    const reusedBefore = framePool.reused;
    const c = await consumer();
    const kept: Buffer[] = [];
    let seen = 0;
    let batches = 0;
    await c.run({
      eachBatch: async ({ batch }) => {
        // The first message of every batch is kept; the rest of the response is dropped.
        kept.push(batch.messages[0]!.value!);
        seen += batch.messages.length;
        if (++batches % 4 === 0) collectGarbage();
      },
    });
    await waitFor(() => seen >= records, { timeoutMs: 25_000 });
    collectGarbage();
    expect(kept.length).toBeGreaterThan(1);
    expect(framePool.reused).toBeGreaterThan(reusedBefore);
    for (const value of kept) {
      const i = value.readUInt32BE(0);
      expect(value.equals(recordValue(i, size)), `record ${i}`).toBe(true);
    }
  });
});

describe('consumer defaults, stopping with records fetched ahead', () => {
  it('hands the frames of what it fetched ahead back to the frame pool', async () => {
    run.broker = await produced(32, MiB);
    const c = await consumer();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // The first record is held: the stream fetches ahead meanwhile, and what the held record's worker has not
    // reached is buffered.
    await untilBrokerStopsSending(
      () =>
        c.run({
          eachMessage: async () => {
            await gate;
          },
        }),
      2,
    );
    const releasedBefore = framePool.released;
    const stopped = c.stop();
    open();
    await stopped;
    expect(framePool.released).toBeGreaterThan(releasedBefore);
  });
});

describe('consumer defaults, seeking with records fetched ahead', () => {
  it('hands the frames of what the seek dropped back to the frame pool and delivers from the new offset', async () => {
    const records = 32;
    run.broker = await produced(records, MiB);
    const c = await consumer();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let seeked = false;
    const afterSeek: Buffer[] = [];
    await untilBrokerStopsSending(
      () =>
        c.run({
          eachMessage: async ({ message }) => {
            if (!seeked) return gate; // the first record is held: the stream fetches ahead meanwhile
            afterSeek.push(message.value!);
          },
        }),
      2,
    );
    const releasedBefore = framePool.released;
    c.seek({ topic: 'big', partition: 0, offset: '0' });
    seeked = true;
    const releasedBySeek = framePool.released - releasedBefore;
    open();
    expect(releasedBySeek).toBeGreaterThan(0);
    await waitFor(() => afterSeek.length >= records, { timeoutMs: 25_000 });
    const indexes = afterSeek.map((value) => value.readUInt32BE(0));
    expect(indexes).toEqual(Array.from({ length: records }, (_, i) => i));
    for (const [i, value] of afterSeek.entries()) expect(value.equals(recordValue(i, MiB)), `record ${i}`).toBe(true);
  });
});
