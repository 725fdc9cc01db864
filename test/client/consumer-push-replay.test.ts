// A consumer replaying large records from the beginning is streamed (FetchPush) once a fetch showed them
// large, while it is still behind: what a user sees does not change. Every record once, in order; the
// broker pushes frames of up to maxBytes and never more than twice maxBytes ahead of a blocked handler; a seek
// during the streamed replay re-reads from the new position; small records are still fetched.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import type { Consumer, Sluice } from '../../src/client/index.js';
import { ApiKey } from '../../src/protocol/index.js';
import type { FetchPushRequest } from '../../src/protocol/index.js';
import { cleanedUpAfterEach, sdkClient, untilBrokerStopsSending, waitFor } from './helpers.js';
import { type InterceptedBroker, startInterceptedBroker } from './intercepted-broker.js';

const KiB = 1024;
const MiB = 1024 * KiB;

const run = cleanedUpAfterEach<InterceptedBroker>();

/** Record i's value: its index in the first 4 bytes, padded to `size`. */
function recordValue(i: number, size: number): Buffer {
  const value = Buffer.alloc(size, i % 251);
  value.writeUInt32BE(i, 0);
  return value;
}

/** Records `from` to `to` - 1 (their values). */
async function produced(sluice: Sluice, to: number, size: number, from = 0): Promise<void> {
  const producer = sluice.producer();
  await producer.connect();
  const perSend = Math.max(1, Math.floor((512 * KiB) / size));
  for (let i = from; i < to; i += perSend) {
    const messages = [];
    for (let k = i; k < Math.min(to, i + perSend); k++) messages.push({ value: recordValue(k, size) });
    await producer.send({ topic: 't', messages });
  }
  await producer.disconnect();
}

function consumerOf(sluice: Sluice, config: Parameters<Sluice['consumer']>[0] = {}): Consumer {
  const c = sluice.consumer(config);
  run.consumers.push(c);
  return c;
}

const upTo = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * Replays topic t with a handler that blocks after `blockAfter` records. Returns the bytes the broker had sent
 * once it stopped sending (every chance given to overrun the credit), and `finish`, which releases the handler
 * and gives every record's index in the order delivered once `records` have arrived.
 */
async function blockedReplay(
  sluice: Sluice,
  config: Parameters<Sluice['consumer']>[0],
  blockAfter: number,
  records: number,
): Promise<{ sentWhileBlocked: number; finish: () => Promise<number[]> }> {
  let release!: () => void;
  const blocked = new Promise<void>((resolve) => (release = resolve));
  const got: number[] = [];
  const sentWhileBlocked = await untilBrokerStopsSending(async () => {
    const c = consumerOf(sluice, config);
    await c.connect();
    await c.subscribe({ topic: 't', fromBeginning: true });
    await c.run({
      eachMessage: async ({ message }) => {
        got.push(message.value!.readUInt32BE(0));
        if (got.length === blockAfter) await blocked;
      },
    });
    await waitFor(() => got.length === blockAfter && run.broker!.of(ApiKey.FetchPush).length > 0);
  });
  return {
    sentWhileBlocked,
    finish: async () => {
      release();
      await waitFor(() => got.length === records, { timeoutMs: 20_000 });
      return got;
    },
  };
}

describe('consumer replay of large records through a stream', () => {
  it('default settings: every record once, in order; streamed while behind, in frames of maxBytes', async () => {
    run.broker = await startInterceptedBroker([{ name: 't', partitions: 1 }]);
    const sluice = sdkClient(run.broker.port);
    const records = 400; // 25 MiB of 64 KiB records: several times maxBytes (10 MiB)
    await produced(sluice, records, 64 * KiB);
    let largest = 0;
    const onFetched = (event: unknown) => void (largest = Math.max(largest, (event as { bytes: number }).bytes));
    subscribe('sluice:broker:fetch', onFetched);
    try {
      const c = consumerOf(sluice);
      await c.connect();
      await c.subscribe({ topic: 't', fromBeginning: true });
      const got: number[] = [];
      await c.run({ eachMessage: async ({ message }) => void got.push(message.value!.readUInt32BE(0)) });
      await waitFor(() => got.length >= records, { timeoutMs: 20_000 });
      expect(got).toEqual(upTo(0, records));
      // One fetch showed the records large; a stream opened while the consumer was still behind did the rest.
      const streams = run.broker.of(ApiKey.FetchPush).map((r) => r.request as FetchPushRequest);
      expect(streams.length).toBeGreaterThan(0);
      expect(streams[0]!.topics[0]!.partitions[0]!.fetchOffset).toBeLessThan(records / 2);
      expect(streams[0]!.maxBytes).toBe(10 * MiB);
      expect(run.broker.of(ApiKey.Fetch).length).toBeLessThanOrEqual(2);
      // No answer carried more than a frame (plus one record's batch).
      largest = 0;
      const more = 60;
      await produced(sluice, records + more, 64 * KiB, records); // appended while the stream is open
      await waitFor(() => got.length >= records + more);
      expect(got).toEqual(upTo(0, records + more));
      expect(largest).toBeLessThanOrEqual(10 * MiB + 65 * KiB);
    } finally {
      unsubscribe('sluice:broker:fetch', onFetched);
    }
  });

  it('a blocked handler: the broker pushes no more than twice maxBytes ahead of it, then everything in order', async () => {
    run.broker = await startInterceptedBroker([{ name: 't', partitions: 1 }]);
    const sluice = sdkClient(run.broker.port);
    const records = 200; // 12.5 MiB of 64 KiB records
    await produced(sluice, records, 64 * KiB);
    const maxBytes = 2 * MiB;
    // Blocked after the first fetch (2 MiB), inside the stream.
    const { sentWhileBlocked, finish } = await blockedReplay(sluice, { maxBytes }, 40, records);
    // Delivered 40 records (2.5 MiB); ahead of them at most the window (2 × maxBytes) plus one batch.
    expect(sentWhileBlocked - 40 * 64 * KiB).toBeLessThanOrEqual(2 * maxBytes + 65 * KiB);
    expect(await finish()).toEqual(upTo(0, records));
  });

  it('default settings (512 KiB records), a blocked handler: the broker pushes no more than twice maxBytes ahead of it', async () => {
    run.broker = await startInterceptedBroker([{ name: 't', partitions: 1 }]);
    const sluice = sdkClient(run.broker.port);
    const size = 512 * KiB;
    const records = 64; // 32 MiB: more than twice maxBytes (10 MiB) and what the bound lets through
    await produced(sluice, records, size);
    const { sentWhileBlocked, finish } = await blockedReplay(sluice, {}, 4, records);
    // Ahead of the 4 delivered: at most the window (twice maxBytes), the slice being delivered (one record,
    // decoded and no longer counted as buffered) and one batch.
    expect(sentWhileBlocked - 4 * size).toBeLessThanOrEqual(20 * MiB + 2 * (size + KiB));
    expect(await finish()).toEqual(upTo(0, records));
  });

  it('a seek back during the streamed replay re-reads from there, in order, once', async () => {
    run.broker = await startInterceptedBroker([{ name: 't', partitions: 1 }]);
    const sluice = sdkClient(run.broker.port);
    const records = 300;
    await produced(sluice, records, 64 * KiB);
    const c = consumerOf(sluice);
    await c.connect();
    await c.subscribe({ topic: 't', fromBeginning: true });
    const got: number[] = [];
    let sought = false;
    await c.run({
      eachMessage: async ({ message }) => {
        const i = message.value!.readUInt32BE(0);
        got.push(i);
        if (i === 250 && !sought) {
          sought = true;
          c.seek({ topic: 't', partition: 0, offset: '20' });
        }
      },
    });
    await waitFor(() => sought && got.at(-1) === records - 1 && got.length > records, { timeoutMs: 20_000 });
    const at = got.indexOf(250);
    expect(got.slice(0, at + 1)).toEqual(upTo(0, 251));
    expect(got.slice(at + 1)).toEqual(upTo(20, records));
    expect(run.broker.of(ApiKey.FetchPush).length).toBeGreaterThan(0);
  });

  it('small records are replayed by fetches (no stream until the consumer caught up)', async () => {
    run.broker = await startInterceptedBroker([{ name: 't', partitions: 1 }]);
    const sluice = sdkClient(run.broker.port);
    const records = 3000;
    await produced(sluice, records, 1 * KiB);
    const c = consumerOf(sluice, { maxBytes: 256 * KiB });
    await c.connect();
    await c.subscribe({ topic: 't', fromBeginning: true });
    const got: number[] = [];
    await c.run({ eachMessage: async ({ message }) => void got.push(message.value!.readUInt32BE(0)) });
    await waitFor(() => got.length >= records);
    expect(got).toEqual(upTo(0, records));
    // 3 MiB in fetches of 256 KiB; any stream opened only at the end.
    expect(run.broker.of(ApiKey.Fetch).length).toBeGreaterThan(10);
    for (const r of run.broker.of(ApiKey.FetchPush))
      expect((r.request as FetchPushRequest).topics[0]!.partitions[0]!.fetchOffset).toBe(records);
  });
});
