// The producer's per-partition queue as a state machine: its transitions (seal, commit, acknowledge, retry,
// fail, requeue for a new epoch, restart), what each does to the batches and their sends, and the invalid
// ones, which throw instead of corrupting the order.
import { describe, expect, it } from 'vitest';
import { SluiceProtocolError } from '../../src/client/errors.js';
import { Accumulator } from '../../src/client/producer/accumulator.js';
import { BatchState, ProducerBatchEntry } from '../../src/client/producer/batch.js';
import { PartitionQueue, QueueMode, type ProducerIdentity } from '../../src/client/producer/partition-queue.js';
import { PendingSend } from '../../src/client/producer/pending-send.js';
import type { RecordMetadata } from '../../src/client/producer/types.js';
import { CompressionCodec, iterateBatches } from '../../storage/index.js';

interface Outcome {
  offset?: string;
  error?: Error;
}

/** A queue fed by a real accumulator; `send(values)` appends one send and seals its batch. */
function setup(identity: ProducerIdentity | null = { producerId: 7, epoch: 0 }) {
  const accumulator = new Accumulator({ batchSize: 1 << 20, identity: () => identity, onBuilt: () => {} });
  const q = accumulator.queue('t', 0);
  const send = (values: string[], acks = 1): { batch: ProducerBatchEntry; outcome: Outcome } => {
    const outcome: Outcome = {};
    const pending = new PendingSend(
      acks,
      30_000,
      CompressionCodec.None,
      (results: RecordMetadata[]) => (outcome.offset = results[0]?.baseOffset ?? 'none'),
      (error) => (outcome.error = error),
    );
    for (const value of values) accumulator.append(q, pending, null, value, undefined, 0);
    pending.seal();
    const batch = q.open!;
    accumulator.seal(q);
    return { batch, outcome };
  };
  return { q, send };
}

/** The stamp written in the encoded header (what the broker reads). */
function headerStamp(batch: ProducerBatchEntry) {
  const [{ header }] = [...iterateBatches(batch.encoded!)];
  return { epoch: header!.producerEpoch, seq: header!.baseSequence };
}

const retriable = () => new SluiceProtocolError('NOT_LEADER_FOR_PARTITION');

describe('PartitionQueue', () => {
  it('stamps consecutive sequences at seal, in queue order; acks=0 and producers without an identity get none', () => {
    const { q, send } = setup();
    const a = send(['a1', 'a2']).batch;
    const b = send(['b1']).batch;
    const z = send(['z'], 0).batch;
    expect([a.baseSequence, b.baseSequence, z.baseSequence]).toEqual([0, 2, -1]);
    expect(headerStamp(b)).toEqual({ epoch: 0, seq: 2 });
    expect(q.batches).toEqual([a, b, z]);
    const plain = setup(null);
    expect(plain.send(['x']).batch.sequenced).toBe(false);
  });

  it('hands acknowledgements to the sends in queue order, also when a later request is answered first', () => {
    const { q, send } = setup();
    const a = send(['a1', 'a2']);
    const b = send(['b1']);
    expect(q.sendable()).toEqual([a.batch, b.batch]);
    q.commit([a.batch]);
    q.commit([b.batch]);
    expect(q.requests).toBe(2);
    q.acknowledge([b.batch], 2, -1, 0);
    expect(b.batch.state).toBe(BatchState.Acked);
    expect(b.outcome).toEqual({}); // waits for the batch before it
    q.acknowledge([a.batch], 0, -1, 0);
    expect([a.outcome, b.outcome]).toEqual([{ offset: '0' }, { offset: '2' }]);
    expect(q.isEmpty).toBe(true);
  });

  it('retry mode: the failed batches are resent alone, in order, once nothing else is in flight; then Sending again', () => {
    const { q, send } = setup();
    const [a, b, c] = [send(['a']), send(['b']), send(['c'])];
    q.commit([a.batch]);
    q.commit([b.batch]);
    q.retry(q.requestFailed([a.batch]), 0);
    expect(q.mode).toBe(QueueMode.Retrying);
    expect(a.batch.attempts).toBe(1);
    expect(q.nextRetry()).toBeNull(); // b's request is still out
    expect(q.freeRequests(5)).toBe(0);
    q.resendAfterGap(q.requestFailed([b.batch])); // refused for the gap: not an attempt
    expect(b.batch.attempts).toBe(0);
    expect(q.nextRetry()).toBe(a.batch);
    q.commit([a.batch]);
    q.acknowledge([a.batch], 0, -1, 0);
    expect(q.nextRetry()).toBe(b.batch);
    expect(headerStamp(b.batch)).toEqual({ epoch: 0, seq: 1 }); // resent with its original sequence
    q.commit([b.batch]);
    q.acknowledge([b.batch], 1, -1, 0);
    expect(q.nextRetry()).toBeNull();
    expect(q.mode).toBe(QueueMode.Sending);
    expect(q.sendable()).toEqual([c.batch]);
  });

  it('a sent batch failing for good fails every sent, unacknowledged one; the rest restart at epoch + 1 from 0', () => {
    const { q, send } = setup();
    const [a, b, c] = [send(['a']), send(['b1', 'b2']), send(['c'])];
    q.commit([a.batch]);
    q.commit([b.batch]);
    const error = new Error('refused');
    q.fail(q.requestFailed([a.batch]), error);
    expect(q.mode).toBe(QueueMode.Restarting);
    expect([a.outcome.error, b.outcome.error]).toEqual([error, error]);
    expect(q.needsRestart).toBe(false); // b's request is still out
    expect(q.freeRequests(5)).toBe(0);
    expect(q.requestFailed([b.batch])).toEqual([]); // it already failed
    expect(q.needsRestart).toBe(true);
    q.restartSequence(null);
    expect(q.mode).toBe(QueueMode.Sending);
    expect(q.batches).toEqual([c.batch]);
    expect(headerStamp(c.batch)).toEqual({ epoch: 1, seq: 0 });
    expect(send(['d']).batch.baseSequence).toBe(1);
  });

  it('requeueForNewEpoch: the sent batches go back (an attempt each), restamped in order; refused when one is acknowledged', () => {
    const { q, send } = setup();
    const [a, b] = [send(['a']), send(['b'])];
    q.commit([a.batch]);
    q.commit([b.batch]);
    q.acknowledge([b.batch], 1, -1, 0);
    expect(q.requeueForNewEpoch()).toBe(false);
    expect(a.batch.state).toBe(BatchState.InFlight);

    const fresh = setup();
    const [x, y] = [fresh.send(['x']), fresh.send(['y'])];
    fresh.q.commit([x.batch, y.batch]);
    expect(fresh.q.requeueForNewEpoch()).toBe(true);
    expect([x.batch.state, x.batch.attempts]).toEqual([BatchState.Queued, 1]);
    expect(fresh.q.requestFailed([x.batch, y.batch])).toEqual([]); // the old request's outcome no longer matters
    fresh.q.restartSequence({ producerId: 8, epoch: 0 });
    expect([headerStamp(x.batch), headerStamp(y.batch)]).toEqual([
      { epoch: 0, seq: 0 },
      { epoch: 0, seq: 1 },
    ]);
    expect(x.batch.producerId).toBe(8);
    expect(fresh.q.sendable()).toEqual([x.batch, y.batch]);
  });

  it('a batch that could not be built fails alone; the batches behind it take over its sequences', () => {
    const q = new PartitionQueue('t', 0);
    const identity = { producerId: 1, epoch: 0 };
    const errors: Error[] = [];
    const add = (value: string, build: boolean) => {
      const send = new PendingSend(
        1,
        30_000,
        CompressionCodec.None,
        () => {},
        (e) => errors.push(e),
      );
      const batch = new ProducerBatchEntry(1, CompressionCodec.None, 0, 1024, 1 << 20, (n) => Buffer.allocUnsafe(n));
      batch.add(send, null, value, undefined, 0, Infinity);
      send.seal();
      q.openBatch(batch);
      q.seal(identity);
      const builder = batch.close();
      if (build) batch.built(builder.finish(batch.stamp), builder.storage);
      else batch.buildFailed(new Error('codec unavailable'));
      return batch;
    };
    const broken = add('a', false);
    const next = add('b', true);
    expect([broken.baseSequence, next.baseSequence]).toEqual([0, 1]);
    expect(q.sendable()).toEqual([next]);
    expect(errors.map((e) => e.message)).toEqual(['codec unavailable']);
    expect(headerStamp(next)).toEqual({ epoch: 0, seq: 0 });
  });

  it('without sequences: one request at a time, and a retry puts its batches back at the head', () => {
    const { q, send } = setup(null);
    const a = send(['a']);
    q.commit(q.sendable());
    const b = send(['b']);
    expect(q.freeRequests(5)).toBe(0);
    expect(q.sendable()).toEqual([]);
    q.retry(q.requestFailed([a.batch]), 0);
    expect([a.batch.state, a.batch.attempts, q.mode]).toEqual([BatchState.Queued, 1, QueueMode.Sending]);
    const again = q.sendable();
    expect(again).toEqual([a.batch, b.batch]);
    q.commit(again);
    q.acknowledge(again, 10, -1, 0);
    expect([a.outcome, b.outcome]).toEqual([{ offset: '10' }, { offset: '11' }]);
  });

  it('refuses invalid transitions', () => {
    const { q, send } = setup();
    const [a, b] = [send(['a']), send(['b'])];
    expect(() => q.commit([b.batch])).toThrow(/in queue order/);
    expect(() => q.acknowledge([a.batch], 0, -1, 0)).toThrow(/no request in flight/);
    expect(() => q.restartSequence(null)).toThrow(/broken sequence/);
    q.commit([a.batch]);
    expect(() => q.commit([a.batch])).toThrow(/in queue order/);
    q.acknowledge([a.batch], 0, -1, 0);
    expect(() => a.batch.resendLater(true)).toThrow(/cannot go from Acked to Retry/);
    expect(() => a.batch.fail(retriable())).toThrow(/cannot go from Acked to Failed/);
    // A batch is opened once, and only when none is open.
    const c = new ProducerBatchEntry(1, CompressionCodec.None, 0, 1024, 1024, (n) => Buffer.allocUnsafe(n));
    q.openBatch(c);
    expect(() => q.openBatch(c)).toThrow(/already open/);
    expect(() => q.commit([c])).toThrow(/in queue order/);
    // Retrying: nothing new goes out; Restarting: nothing at all until the new epoch.
    q.commit([b.batch]);
    q.retry(q.requestFailed([b.batch]), 0);
    expect(() => q.restartSequence(null)).toThrow(/broken sequence/);
    q.fail([b.batch], retriable());
    expect(q.mode).toBe(QueueMode.Restarting);
    expect(() => q.commit([b.batch])).toThrow(/while not Sending/);
    expect(() => b.batch.sent()).toThrow(/cannot go from Failed to InFlight/);
    // Without sequences, the sent region alone can go back to the head.
    const plain = setup(null);
    const [x, y] = [plain.send(['x']), plain.send(['y'])];
    plain.q.commit([x.batch, y.batch]);
    expect(() => plain.q.retry([y.batch], 0)).toThrow(/only the sent region/);
    expect(() => plain.q.commit([y.batch])).toThrow(/must be alone/);
  });
});
