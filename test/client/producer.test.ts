// Producer against the real broker, with Broker.intercept injecting the failures: coalescing of
// concurrent sends, result offsets, ordering under retries.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InterceptedRequest } from '../../src/broker/index.js';
import { logLevel, Sluice, SluiceNumberOfRetriesExceeded } from '../../src/client/index.js';
import { ApiKey, ErrorCode, ProduceApi, type ProduceRequest, type ProduceResponse } from '../../src/protocol/index.js';
import { decodeRecordBatches } from '../../src/records/index.js';
import { type InterceptedBroker, startInterceptedBroker } from './intercepted-broker.js';
import { waitFor } from './helpers.js';

let fake: InterceptedBroker;

beforeEach(async () => {
  fake = await startInterceptedBroker([{ name: 't', partitions: 2 }]);
});
afterEach(async () => fake.stop());

function client(retries = 5) {
  return new Sluice({
    brokers: [`127.0.0.1:${fake.port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries, initialRetryTime: 10, maxRetryTime: 50 },
  });
}

/** The broker's answer refusing every partition of a produce request with `errorCode`, nothing stored. */
function refuseAll(r: InterceptedRequest<ProduceRequest>, errorCode: number): { respond: ProduceResponse } {
  return {
    respond: {
      throttleTimeMs: 0,
      topics: r.request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partition: p.partition,
          errorCode,
          errorMessage: null,
          baseOffset: -1,
          logAppendTime: -1,
          logStartOffset: -1,
        })),
      })),
    },
  };
}

describe('producer accumulator', () => {
  it('coalesces concurrent sends into one request with one batch per partition, in call order', async () => {
    const producer = client().producer({ idempotent: false });
    await producer.connect();
    const sends = Array.from({ length: 50 }, (_, i) =>
      producer.send({
        topic: 't',
        messages: [
          { partition: i % 2, value: `v${i}` },
          { partition: i % 2, value: `w${i}` },
        ],
      }),
    );
    const results = await Promise.all(sends);
    const produces = fake.of(ApiKey.Produce);
    expect(produces).toHaveLength(1);
    const parts = (produces[0]!.request as ProduceRequest).topics[0]!.partitions;
    expect(parts.map((p: { partition: number }) => p.partition).sort()).toEqual([0, 1]);
    for (const p of parts) expect(await decodeRecordBatches(p.records)).toHaveLength(1);
    const expected = (partition: number) =>
      Array.from({ length: 25 }, (_, k) => [`v${2 * k + partition}`, `w${2 * k + partition}`]).flat();
    expect(await fake.stored('t', 0)).toEqual(expected(0));
    expect(await fake.stored('t', 1)).toEqual(expected(1));
    // each send learns the offset of its own first record
    results.forEach((res, i) => {
      expect(res).toEqual([
        {
          topicName: 't',
          partition: i % 2,
          errorCode: 0,
          baseOffset: String(Math.floor(i / 2) * 2),
          logAppendTime: '-1',
          logStartOffset: '0',
        },
      ]);
    });
    await producer.disconnect();
  });

  it('gives each send its base offset as a decimal string past a thousand, with partitions in different thousands', async () => {
    const producer = client().producer();
    await producer.connect();
    // Partition 0 runs ahead by 1,500 records, so the two partitions' offsets sit in different thousands below.
    await producer.send({
      topic: 't',
      messages: Array.from({ length: 1500 }, (_, i) => ({ partition: 0, value: `a${i}` })),
    });
    const sends = Array.from({ length: 1200 }, (_, i) =>
      producer.send({ topic: 't', messages: [{ partition: i % 2, value: `b${i}` }] }),
    );
    const results = await Promise.all(sends);
    results.forEach((res, i) => {
      const expected = i % 2 === 0 ? 1500 + i / 2 : (i - 1) / 2;
      expect(res[0]!.baseOffset).toBe(String(expected));
    });
    await producer.disconnect();
  });

  it('keeps later sends behind a retried batch: at most one request per partition in flight', async () => {
    let attempts = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    fake.broker.intercept(
      ProduceApi,
      async (r) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((res) => setTimeout(res, 5)); // each request held a little, so overlaps would show
        inFlight--;
        // the first two attempts fail retriably, as a leader move would; the others are stored
        return attempts++ < 2 ? refuseAll(r, ErrorCode.NOT_LEADER_FOR_PARTITION) : undefined;
      },
      { keep: true },
    );
    const producer = client().producer({ idempotent: false });
    await producer.connect();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      sends.push(producer.send({ topic: 't', messages: [{ partition: 0, value: String(i) }] }));
      if (i % 7 === 0) await new Promise((res) => setImmediate(res)); // spread over several requests
    }
    await Promise.all(sends);
    expect(await fake.stored('t', 0)).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
    expect(maxInFlight).toBe(1);
    expect(fake.of(ApiKey.Metadata).length).toBeGreaterThan(1); // NOT_LEADER refreshed metadata
    await producer.disconnect();
  });

  it('rejects the sends of a batch that keeps failing, after the configured retries', async () => {
    fake.broker.intercept(ProduceApi, (r) => refuseAll(r, ErrorCode.NOT_ENOUGH_REPLICAS), { keep: true });
    const producer = client(2).producer({ idempotent: false });
    await producer.connect();
    const error = await producer
      .send({ topic: 't', messages: [{ partition: 1, value: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceNumberOfRetriesExceeded);
    expect((error as { cause: { type: string } }).cause.type).toBe('NOT_ENOUGH_REPLICAS');
    expect(fake.of(ApiKey.Produce)).toHaveLength(3);
    await producer.disconnect();
  });

  it('counts retries per send: a send retried along with an older one keeps its own budget', async () => {
    // The first 3 produce requests fail; the first one is answered only once the second send is queued,
    // so the older send's retries carry the newer one: requests (a), (a b), (a b), then (b).
    let release!: () => void;
    const secondQueued = new Promise<void>((resolve) => (release = resolve));
    let n = 0;
    fake.broker.intercept(
      ProduceApi,
      (r) => {
        if (++n > 3) return undefined;
        const refuse = () => refuseAll(r, ErrorCode.NOT_ENOUGH_REPLICAS);
        return n === 1 ? secondQueued.then(refuse) : refuse();
      },
      { keep: true },
    );
    const producer = client(2).producer({ idempotent: false });
    await producer.connect();
    const older = producer.send({ topic: 't', messages: [{ partition: 0, value: 'a' }] }).catch((e: unknown) => e);
    await waitFor(() => fake.of(ApiKey.Produce).length === 1);
    const newer = producer.send({ topic: 't', messages: [{ partition: 0, value: 'b' }] });
    release();
    expect(await older).toBeInstanceOf(SluiceNumberOfRetriesExceeded);
    expect((await older) as SluiceNumberOfRetriesExceeded).toMatchObject({ retryCount: 2 });
    expect((await newer)[0]!.baseOffset).toBe('0');
    expect(await fake.stored('t', 0)).toEqual(['b']);
    expect(fake.of(ApiKey.Produce)).toHaveLength(4);
    await producer.disconnect();
  });

  it('acks=0 resolves once written, with an empty result, and the broker is not waited for', async () => {
    const producer = client().producer({ idempotent: false });
    await producer.connect();
    expect(await producer.send({ topic: 't', acks: 0, messages: [{ partition: 0, value: 'fire' }] })).toEqual([]);
    await expect.poll(() => fake.stored('t', 0)).toEqual(['fire']);
    expect((fake.of(ApiKey.Produce)[0]!.request as ProduceRequest).acks).toBe(0);
    await producer.disconnect();
  });

  it('keeps every record intact across many full batches whose buffers are reused once acknowledged', async () => {
    // Idempotent (the default): several requests per partition in flight.
    const producer = client().producer({ batchSize: 2048 });
    await producer.connect();
    const values = (round: number) =>
      Array.from({ length: 100 }, (_, i) => `r${round}-${i}-${'x'.repeat((round * 7 + i) % 40)}`);
    for (let round = 0; round < 30; round++) {
      // A few sends at once, so batches fill up, seal, and later ones are written into recycled buffers.
      await Promise.all(
        [0, 1, 2].map((k) =>
          producer.send({ topic: 't', messages: values(round * 3 + k).map((value) => ({ partition: 0, value })) }),
        ),
      );
    }
    expect(await fake.stored('t', 0)).toEqual(Array.from({ length: 90 }, (_, n) => values(n)).flat());
    await producer.disconnect();
  });

  it("keeps each send's partitions when a partitioner sends from inside itself", async () => {
    const producer = client().producer({
      idempotent: false,
      // 'b' is partitioned after 'a' was, and sends 'inner' from inside the partitioner first.
      createPartitioner:
        () =>
        ({ message }) => {
          const value = String(message.value);
          if (value === 'inner') return 0;
          if (value === 'b') void inner.push(producer.send({ topic: 't', messages: [{ value: 'inner' }] }));
          return 1;
        },
    });
    const inner: Array<Promise<unknown>> = [];
    await producer.connect();
    const outer = await producer.send({ topic: 't', messages: [{ value: 'a' }, { value: 'b' }] });
    const [innerResult] = await Promise.all(inner);
    expect(outer.map((r) => r.partition)).toEqual([1]);
    expect((innerResult as Array<{ partition: number }>).map((r) => r.partition)).toEqual([0]);
    expect(await fake.stored('t', 1)).toEqual(['a', 'b']);
    expect(await fake.stored('t', 0)).toEqual(['inner']);
    await producer.disconnect();
  });

  it('rejects invalid input without sending anything', async () => {
    const producer = client().producer({ idempotent: false });
    await expect(producer.send({ topic: 't', messages: [{ value: 'x' }] })).rejects.toThrow(/disconnected/);
    await producer.connect();
    await expect(producer.send({ topic: 't', messages: [] })).rejects.toThrow(/Invalid messages array/);
    await expect(producer.send({ topic: 't', messages: [{ partition: 5, value: 'x' }] })).rejects.toThrow(
      /has 2 partitions/,
    );
    await expect(producer.send({ topic: 't', acks: 2, messages: [{ value: 'x' }] })).rejects.toThrow(/acks/);
    const bad = (message: object) =>
      producer.send({ topic: 't', messages: [{ partition: 0, value: 'fine' }, message as { value: string }] });
    await expect(bad({ value: 42 })).rejects.toThrow(/key and value must be Buffers, strings or null/);
    await expect(bad({ key: { id: 1 }, value: 'x' })).rejects.toThrow(/key and value must be Buffers, strings or null/);
    await expect(bad({ value: 'x', timestamp: 'yesterday' })).rejects.toThrow(/Invalid message timestamp yesterday/);
    await expect(bad({ value: 'x', timestamp: 1.5 })).rejects.toThrow(/Invalid message timestamp 1.5/);
    await expect(bad({ value: 'x', headers: { trace: [Buffer.from('a'), 7] } })).rejects.toThrow(
      /Invalid header "trace"/,
    );
    expect(fake.of(ApiKey.Produce)).toHaveLength(0);
    await producer.disconnect();
  });
});
