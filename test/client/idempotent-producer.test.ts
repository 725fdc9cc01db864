// The idempotent producer's sequencing against a fake broker that checks sequences like the real one
// (next sequence stored, retry of a stored batch answered with its offset, gap refused with
// OUT_OF_ORDER_SEQUENCE_NUMBER, new epoch restarts at 0) and fails chosen requests.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logLevel, Sluice } from '../../src/client/index.js';
import { ApiKey, ErrorCode } from '../../src/protocol/index.js';
import { decodeRecordBatches } from '../../src/records/index.js';
import { iterateBatches } from '../../storage/index.js';
import { FakeBroker, type FakeRequest } from './fake-broker.js';

let fake: FakeBroker;

interface Stored {
  values: string[];
  epoch: number;
  nextSeq: number;
  batches: Array<{ epoch: number; seq: number; offset: number }>;
  epochsSeen: Set<number>;
}
let log: Stored;
/** Produce requests seen, in arrival order, and how many were refused for a gap. */
let requestNo: number;
let outOfOrder: number;
let inFlight: number;
let maxInFlight: number;

beforeEach(async () => {
  fake = new FakeBroker();
  fake.topics = [{ name: 't', partitions: 1 }];
  log = { values: [], epoch: -1, nextSeq: 0, batches: [], epochsSeen: new Set() };
  requestNo = 0;
  outOfOrder = 0;
  inFlight = 0;
  maxInFlight = 0;
  await fake.start();
});
afterEach(async () => fake.stop());

type Verdict = { errorCode: number; baseOffset: number };

/** The broker's sequence rules, applied to one partition's batches at arrival (synchronously, in order). */
async function apply(records: Buffer): Promise<Verdict> {
  let first: Verdict | null = null;
  for (const { header, position } of iterateBatches(records)) {
    const { producerEpoch: epoch, baseSequence: seq } = header;
    const dup = log.batches.find((b) => b.epoch === epoch && b.seq === seq);
    let verdict: Verdict;
    if (dup) verdict = { errorCode: 0, baseOffset: dup.offset };
    else if (epoch < log.epoch) verdict = { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, baseOffset: -1 };
    else if ((epoch > log.epoch && seq === 0) || (epoch === log.epoch && seq === log.nextSeq)) {
      log.epoch = epoch;
      log.epochsSeen.add(epoch);
      const offset = log.values.length;
      const [batch] = await decodeRecordBatches(records.subarray(position, position + header.sizeInBytes));
      for (const r of batch!.records) log.values.push(r.value!.toString());
      log.nextSeq = seq + header.recordCount;
      log.batches.push({ epoch, seq, offset });
      verdict = { errorCode: 0, baseOffset: offset };
    } else if (log.epoch === -1) {
      outOfOrder++;
      verdict = { errorCode: ErrorCode.UNKNOWN_PRODUCER_ID, baseOffset: -1 }; // no state yet: as the broker answers
    } else {
      outOfOrder++;
      verdict = { errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1 };
    }
    first ??= verdict;
    if (verdict.errorCode !== 0) return verdict;
  }
  return first!;
}

/**
 * Answers InitProducerId; for Produce, `fail(n)` may refuse the n-th request (1-based) without storing.
 * The first Produce answer is held until a second request has arrived (at most 2 s), so requests
 * really are pipelined however slowly a loaded machine runs the sends (a fixed delay was not enough).
 */
function serve(fail: (n: number) => number) {
  let applied: Promise<unknown> = Promise.resolve();
  let secondArrived!: () => void;
  const second = new Promise<void>((res) => (secondArrived = res));
  const holdFirst = Promise.race([second, new Promise((res) => setTimeout(res, 2000))]);
  fake.handler = (r: FakeRequest) => {
    if (r.apiKey === ApiKey.InitProducerId)
      return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, producerId: 77, producerEpoch: 0 };
    const n = ++requestNo;
    if (n === 2) secondArrived();
    const p = r.decoded.topics[0].partitions[0];
    const errorCode = fail(n);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const arrived = n === 1 ? holdFirst : applied;
    const verdict: Promise<Verdict> = arrived.then(() =>
      errorCode ? { errorCode, baseOffset: -1 } : apply(p.records),
    );
    applied = verdict;
    return verdict.then(async (v: Verdict) => {
      await new Promise((res) => setTimeout(res, 3)); // answers take a moment: requests pile up
      inFlight--;
      return {
        topics: [
          { name: 't', partitions: [{ partition: 0, errorMessage: null, logAppendTime: -1, logStartOffset: 0, ...v }] },
        ],
        throttleTimeMs: 0,
      };
    });
  };
}

function producer(retries = 10) {
  return new Sluice({
    brokers: [`127.0.0.1:${fake.port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries, initialRetryTime: 5, maxRetryTime: 10 },
  }).producer();
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
    serve((n) => (n === 1 || n === 4 || n === 20 ? ErrorCode.NOT_LEADER_FOR_PARTITION : 0));
    const p = producer();
    await p.connect();
    const results = await sendSpread(p);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(log.values).toEqual(Array.from({ length: 60 }, (_, i) => `v${i}`));
    // Each send learned the offset where its record really is.
    expect(results.map((r) => r.offset)).toEqual(Array.from({ length: 60 }, (_, i) => String(i)));
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(5);
    expect(outOfOrder).toBeGreaterThan(0); // the requests behind the failed one were refused, then resent
    expect(fake.of(ApiKey.InitProducerId)).toHaveLength(1);
    await p.disconnect();
  });

  it('a lost answer: the retry of a stored batch is answered with its offset and not stored again', async () => {
    let dropped = false;
    serve(() => 0);
    const inner = fake.handler;
    fake.handler = (r) => {
      const answer = inner(r);
      if (r.apiKey === ApiKey.Produce && requestNo === 3 && !dropped) {
        dropped = true;
        // Stored, then the connection dies before the answer leaves.
        return Promise.resolve(answer).then(() => {
          r.socket.destroy();
          return null;
        });
      }
      return answer;
    };
    const p = producer();
    await p.connect();
    const results = await sendSpread(p);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(log.values).toEqual(Array.from({ length: 60 }, (_, i) => `v${i}`));
    await p.disconnect();
  });

  it('a request that fails for good fails its sends and those sent behind it; the rest go on at a new epoch', async () => {
    serve((n) => (n === 5 ? ErrorCode.INVALID_RECORD : 0));
    const p = producer();
    await p.connect();
    const results = await sendSpread(p);
    const ok = results.filter((r) => r.ok).map((r) => `v${r.i}`);
    const failed = results.filter((r) => !r.ok);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed.every((f) => /failed the validation/.test(f.offset!))).toBe(true); // all with the request's error
    // The partition goes on: a later send is stored, at the next epoch.
    await p.send({ topic: 't', messages: [{ value: 'after' }] });
    ok.push('after');
    // Exactly what was acknowledged is stored, once, in send order.
    expect(log.values).toEqual(ok);
    expect([...log.epochsSeen]).toEqual([0, 1]);
    await p.disconnect();
  });
});
