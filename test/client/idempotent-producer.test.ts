// The idempotent producer's sequencing against the real broker (whose storage checks sequences: next
// sequence stored, retry of a stored batch answered with its offset, gap refused with
// OUT_OF_ORDER_SEQUENCE_NUMBER, new epoch restarts at 0), with Broker.intercept failing chosen requests.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InterceptAction, InterceptedRequest } from '../../src/broker/index.js';
import { logLevel, Sluice } from '../../src/client/index.js';
import {
  ApiKey,
  ErrorCode,
  InitProducerIdApi,
  MetadataApi,
  ProduceApi,
  type ProduceRequest,
  type ProduceResponse,
} from '../../src/protocol/index.js';
import { iterateBatches } from '../../storage/index.js';
import { type InterceptedBroker, startInterceptedBroker } from './intercepted-broker.js';

let fake: InterceptedBroker;
/** Produce requests seen, in arrival order. */
let requestNo: number;

beforeEach(async () => {
  fake = await startInterceptedBroker([
    { name: 't', partitions: 1 },
    { name: 'warm-up', partitions: 1 },
  ]);
  requestNo = 0;
});
afterEach(async () => fake.stop());

/** Every batch of every produce request the broker received: (producer epoch, base sequence). */
function batchesSent(): Array<{ epoch: number; seq: number }> {
  const out: Array<{ epoch: number; seq: number }> = [];
  for (const r of fake.of(ApiKey.Produce) as Array<InterceptedRequest<ProduceRequest>>)
    for (const t of r.request.topics.filter((t) => t.name === 't'))
      for (const p of t.partitions)
        for (const { header } of iterateBatches(p.records))
          out.push({ epoch: header.producerEpoch, seq: header.baseSequence });
  return out;
}

function refused(errorCode: number): InterceptAction<ProduceResponse> {
  return {
    respond: {
      throttleTimeMs: 0,
      topics: [
        {
          name: 't',
          partitions: [
            { partition: 0, errorCode, errorMessage: null, baseOffset: -1, logAppendTime: -1, logStartOffset: -1 },
          ],
        },
      ],
    },
  };
}

/**
 * For Produce, `act(n)` may refuse the n-th request (1-based) or do something else with it; the others are
 * stored by the broker. Requests are let through in arrival order, and the first one is held until a second
 * has arrived (at most 2 s), so requests really are pipelined however slowly a loaded machine runs the sends.
 */
function serve(act: (n: number) => InterceptAction<ProduceResponse> | undefined) {
  let previous: Promise<unknown> = Promise.resolve();
  let secondArrived!: () => void;
  const second = new Promise<void>((res) => (secondArrived = res));
  let holdTimer: NodeJS.Timeout | undefined;
  const holdFirst = Promise.race([second, new Promise((res) => (holdTimer = setTimeout(res, 2000)))]).then(() =>
    clearTimeout(holdTimer),
  );
  fake.broker.intercept(
    ProduceApi,
    (r) => {
      if (r.request.topics[0]!.name !== 't') return undefined;
      const n = ++requestNo;
      if (n === 2) secondArrived();
      const turn = (n === 1 ? holdFirst : previous).then(() => act(n));
      previous = turn;
      return turn;
    },
    { keep: true },
  );
}

function producer(retries = 10) {
  return new Sluice({
    brokers: [`127.0.0.1:${fake.port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries, initialRetryTime: 5, maxRetryTime: 10 },
  }).producer();
}

/**
 * Connects, and has the producer id and the metadata ready (a send to another topic), so the 60 sends that
 * follow go out as they are made instead of piling up behind InitProducerId's durable write.
 */
async function ready(p: ReturnType<typeof producer>) {
  await p.connect();
  await p.send({ topic: 'warm-up', messages: [{ value: 'ready' }] });
}

/** 60 single-record sends, each its own request (a turn of the event loop between them). */
async function sendSpread(p: ReturnType<typeof producer>) {
  const settled: Array<Promise<{ i: number; ok: boolean; offset?: string }>> = [];
  for (let i = 0; i < 60; i++) {
    settled.push(
      p.send({ topic: 't', messages: [{ value: `v${i}` }] }).then(
        (r) => ({ i, ok: true, offset: r[0]!.baseOffset }),
        (e: Error) => ({ i, ok: false, offset: e.message }),
      ),
    );
    await new Promise((res) => setImmediate(res));
  }
  return Promise.all(settled);
}

describe('idempotent producer sequencing', () => {
  it('pipelines up to 5 requests per partition; a retriable failure resends it and the later ones in sequence order', async () => {
    const failing = new Set([1, 4, 20]);
    serve((n) => (failing.has(n) ? refused(ErrorCode.NOT_LEADER_FOR_PARTITION) : undefined));
    const p = producer();
    let maxInFlight = 0;
    p.on(p.events.REQUEST_QUEUE_SIZE, (e) => {
      maxInFlight = Math.max(maxInFlight, (e.payload as { queueSize: number }).queueSize);
    });
    await ready(p);
    const results = await sendSpread(p);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await fake.stored('t', 0)).toEqual(Array.from({ length: 60 }, (_, i) => `v${i}`));
    // Each send learned the offset where its record really is.
    expect(results.map((r) => r.offset)).toEqual(Array.from({ length: 60 }, (_, i) => String(i)));
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(5);
    // Batches sent again: more than the 3 refused here, so the requests behind a failed one were refused
    // by the broker (a sequence gap), then resent.
    const sent = batchesSent();
    const resent = sent.length - new Set(sent.map((b) => `${b.epoch}:${b.seq}`)).size;
    expect(resent).toBeGreaterThan(failing.size);
    expect(fake.of(ApiKey.InitProducerId)).toHaveLength(1);
    await p.disconnect();
  });

  it('a lost answer: the retry of a stored batch is answered with its offset and not stored again', async () => {
    // The third request is stored, then the connection dies before the answer leaves.
    serve((n) => (n === 3 ? { drop: 'response', disconnect: true } : undefined));
    const p = producer();
    await ready(p);
    const results = await sendSpread(p);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await fake.stored('t', 0)).toEqual(Array.from({ length: 60 }, (_, i) => `v${i}`));
    await p.disconnect();
  });

  it('a request that fails for good fails its sends and those sent behind it; the rest go on at a new epoch', async () => {
    serve((n) => (n === 5 ? refused(ErrorCode.INVALID_RECORD) : undefined));
    const p = producer();
    await ready(p);
    const results = await sendSpread(p);
    const ok = results.filter((r) => r.ok).map((r) => `v${r.i}`);
    const failed = results.filter((r) => !r.ok);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed.every((f) => /failed the validation/.test(f.offset!))).toBe(true); // all with the request's error
    // The partition goes on: a later send is stored, at the next epoch.
    await p.send({ topic: 't', messages: [{ value: 'after' }] });
    ok.push('after');
    // Exactly what was acknowledged is stored, once, in send order.
    expect(await fake.stored('t', 0)).toEqual(ok);
    expect([...new Set(batchesSent().map((b) => b.epoch))]).toEqual([0, 1]);
    await p.disconnect();
  });

  it('the first send looks its topic up while the producer id is on its way, not a round trip after it', async () => {
    const INIT_DELAY_MS = 1500;
    let initArrived = 0;
    let topicLookedUp = 0;
    fake.broker.intercept(
      InitProducerIdApi,
      () => {
        initArrived ||= performance.now();
        return undefined;
      },
      { keep: true },
    );
    fake.broker.intercept(
      MetadataApi,
      (r) => {
        if (r.request.topics?.includes('t')) topicLookedUp ||= performance.now();
        return undefined;
      },
      { keep: true },
    );
    fake.broker.intercept(InitProducerIdApi, () => ({ delayMs: INIT_DELAY_MS }));
    const p = producer();
    await p.connect();
    const [sent] = await p.send({ topic: 't', messages: [{ value: 'first' }] });
    expect(sent!.baseOffset).toBe('0');
    expect(p.isIdempotent()).toBe(true);
    // Looked up while InitProducerId was held at the broker (serially it would come after its answer).
    expect(topicLookedUp).toBeGreaterThan(0);
    expect(topicLookedUp - initArrived).toBeLessThan(INIT_DELAY_MS);
    expect(await fake.stored('t', 0)).toEqual(['first']);
    await p.disconnect();
  });
});
