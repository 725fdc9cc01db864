// By default a consumer copies small records out of each fetch response, so the response's memory is
// reused for later responses. What a user checks: keys, values and header values kept after their handler
// resolved stay intact byte for byte however many responses follow (values stay valid for ever), the
// response memory really is reused, and batches of large records are still delivered intact.
import { describe, expect, it } from 'vitest';
import type { Consumer } from '../../src/client/index.js';
import { framePool } from '../../src/client/frame-pool.js';
import { type SdkBroker, sdkClient, startSdkBroker, waitFor, cleanedUpAfterEach } from './helpers.js';

const MiB = 1024 * 1024;
const RECORDS = 40_000;
const SEND = 1000;

/** Record i's value: its index in the first 4 bytes, then a byte pattern and a length of its own. */
function recordValue(i: number): Buffer {
  const value = Buffer.alloc(100 + (i % 97), (i * 37) % 251);
  value.writeUInt32BE(i, 0);
  return value;
}
const recordKey = (i: number) => Buffer.from(`key-${i}`);
const headerValue = (i: number) => Buffer.from(`h-${(i * 7919) % 100_003}`);

const run = cleanedUpAfterEach<SdkBroker>();

async function produced(): Promise<SdkBroker> {
  const broker = await startSdkBroker();
  const sluice = sdkClient(broker.port);
  const admin = sluice.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'small', numPartitions: 1 }] });
  await admin.disconnect();
  const producer = sluice.producer();
  await producer.connect();
  for (let from = 0; from < RECORDS; from += SEND) {
    const messages = Array.from({ length: SEND }, (_, k) => ({
      key: recordKey(from + k),
      value: recordValue(from + k),
      headers: { h: headerValue(from + k) },
    }));
    await producer.send({ topic: 'small', messages });
  }
  await producer.disconnect();
  return broker;
}

async function consumer(): Promise<Consumer> {
  // 2 MiB responses: a few MiB of records take several, each large enough for the frame pool.
  const c = sdkClient(run.broker!.port).consumer({ maxWaitTimeInMs: 100, maxBytes: 2 * MiB });
  run.consumers.push(c);
  await c.connect();
  await c.subscribe({ topic: 'small', fromBeginning: true });
  return c;
}

interface Kept {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  header: Buffer | string | undefined;
}

function expectIntact(kept: Kept[]): void {
  expect(kept.map((m) => Number(m.offset))).toEqual([...Array(RECORDS).keys()]);
  let corrupt = 0;
  for (const [i, m] of kept.entries()) {
    const intact =
      m.value!.equals(recordValue(i)) && m.key!.equals(recordKey(i)) && (m.header as Buffer).equals(headerValue(i));
    if (!intact) corrupt++;
  }
  expect(corrupt).toBe(0);
}

describe('consumer copies small records out of fetch responses (default)', () => {
  it('eachMessage: keys, values and header values kept after their handler stay intact while the response memory is reused', async () => {
    run.broker = await produced();
    const reusedBefore = framePool.reused;
    const c = await consumer();
    const kept: Kept[] = [];
    await c.run({
      eachMessage: async ({ message }) => {
        kept.push({
          offset: message.offset,
          key: message.key,
          value: message.value,
          header: message.headers!.h as Buffer,
        });
      },
    });
    await waitFor(() => kept.length >= RECORDS, { timeoutMs: 30_000 });
    await c.disconnect();
    // Later responses were read into the memory of earlier ones ...
    expect(framePool.reused).toBeGreaterThan(reusedBefore);
    // ... and not one byte of what the application kept changed.
    expectIntact(kept);
  });

  it('eachBatch: messages kept after the handler resolved stay intact while the response memory is reused', async () => {
    run.broker = await produced();
    const reusedBefore = framePool.reused;
    const c = await consumer();
    const kept: Kept[] = [];
    await c.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages)
          kept.push({ offset: m.offset, key: m.key, value: m.value, header: m.headers!.h as Buffer });
      },
    });
    await waitFor(() => kept.length >= RECORDS, { timeoutMs: 30_000 });
    await c.disconnect();
    expect(framePool.reused).toBeGreaterThan(reusedBefore);
    expectIntact(kept);
  });
});
