// readAll (src/broker/fetch/round.ts) answers a round in its call when memory serves every partition (a
// caught-up consumer's reads), and continues as a promise from the first partition whose read needs a file:
// the same answer either way, partitions in request order, each error in its own partition.
import { describe, expect, it } from 'vitest';
import { ReadBufferPool } from '../../storage/index.js';
import { readAll } from '../../src/broker/fetch/round.js';
import { FetchSessions } from '../../src/broker/fetch/sessions.js';
import { PartitionWaiters } from '../../src/broker/fetch/waiters.js';
import type { FetchRequest } from '../../src/protocol/index.js';

/** A partition log of `end` offsets of 10-byte batches, one per offset; `inMemory` false: every read needs a file. */
function fakeLog(partition: number, end: number, inMemory: boolean, fails = false) {
  const read = (offset: number) => {
    if (fails) throw new Error(`disk error on ${partition}`);
    const chunks = offset < end ? [Buffer.alloc(10, partition)] : [];
    const bytes = chunks.length * 10;
    return { chunks, bytes, nextOffset: offset + chunks.length, logStartOffset: 0, logEndOffset: end, lease: null };
  };
  return {
    topic: 't',
    config: { flush: { kind: 'os' } },
    logStartOffset: 0,
    logEndOffset: end,
    readNow: (offset: number) => (inMemory ? read(offset) : null),
    read: async (offset: number) => read(offset),
  };
}

function fakeBroker(logs: ReturnType<typeof fakeLog>[]) {
  return {
    config: { maxFetchBytes: 1 << 20 },
    topics: { log: (_topic: string, partition: number) => logs[partition] },
    authorizer: { enabled: false },
    waiters: new PartitionWaiters(),
    stopping: false,
    readBuffers: new ReadBufferPool(0),
    fetchSessions: new FetchSessions(new ReadBufferPool(0), 1 << 20),
  };
}

const ctx = {
  signal: new AbortController().signal,
  logger: { error: () => {} },
  peer: 'test',
  header: {},
  connectionId: 1,
  connectionMemory: { tryReserve: () => true, charge: () => {}, release: () => {}, onFrameWaiting: () => {} },
  responseMemory: { reserve: (wanted: number) => wanted, hold: () => {} },
};

function request(partitions: number): FetchRequest {
  return {
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    topics: [
      {
        name: 't',
        partitions: Array.from({ length: partitions }, (_, partition) => ({
          partition,
          fetchOffset: 2,
          partitionMaxBytes: 1 << 20,
        })),
      },
    ],
  };
}

function round(logs: ReturnType<typeof fakeLog>[]) {
  const broker = fakeBroker(logs);
  const readAhead = broker.fetchSessions.readAheadOf(ctx as never);
  return readAll(request(logs.length), broker as never, ctx as never, readAhead);
}

describe('readAll', () => {
  it('answers in its call when memory serves every partition', () => {
    const answered = round([fakeLog(0, 5, true), fakeLog(1, 2, true)]);
    expect(answered).not.toBeInstanceOf(Promise);
    const r = answered as Exclude<typeof answered, Promise<unknown>>;
    expect(r.bytes).toBe(10);
    expect(r.positions).toEqual([3, 2]);
    expect(r.response.topics[0]!.partitions.map((p) => [p.partition, p.records.length, p.highWatermark])).toEqual([
      [0, 1, 5],
      [1, 0, 2],
    ]);
  });

  it('gives the same answer as a promise when a partition in the middle needs a file', async () => {
    const inMemory = round([fakeLog(0, 5, true), fakeLog(1, 4, true), fakeLog(2, 6, true)]);
    const fromFile = round([fakeLog(0, 5, true), fakeLog(1, 4, false), fakeLog(2, 6, true)]);
    expect(fromFile).toBeInstanceOf(Promise);
    const a = inMemory as Exclude<typeof inMemory, Promise<unknown>>;
    const b = await fromFile;
    expect(b.response).toEqual(a.response);
    expect([b.bytes, b.positions, b.failed]).toEqual([30, [3, 3, 3], false]);
  });

  it("answers a failed file read as that partition's error, the others read", async () => {
    const r = await round([fakeLog(0, 5, false, true), fakeLog(1, 4, true), fakeLog(2, 6, false)]);
    expect(r.failed).toBe(true);
    expect(r.response.topics[0]!.partitions.map((p) => [p.partition, p.errorCode !== 0, p.records.length])).toEqual([
      [0, true, 0],
      [1, false, 1],
      [2, false, 1],
    ]);
  });
});
