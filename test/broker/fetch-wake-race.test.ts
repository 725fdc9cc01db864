// The long-poll race: an append that lands while a fetch is reading (after it noted the high watermark,
// before it armed its wake-up) notifies nobody, yet the fetch must answer with it instead of waiting
// out maxWaitMs. Driven deterministically with a fake partition log whose first read lets an append in.
import { describe, expect, it } from 'vitest';
import { ReadBufferPool } from '../../storage/index.js';
import { fetchHandler } from '../../src/broker/fetch/handler.js';
import { FetchSessions } from '../../src/broker/fetch/sessions.js';
import { PartitionWaiters } from '../../src/broker/fetch/waiters.js';
import type { FetchRequest } from '../../src/protocol/index.js';

function fakeBroker() {
  const waiters = new PartitionWaiters();
  const state = { end: 0, reads: 0 };
  const record = Buffer.from('one batch');
  const log = {
    topic: 't',
    config: { flush: { kind: 'os' } },
    logStartOffset: 0,
    get logEndOffset() {
      return state.end;
    },
    // Never served from memory: every read goes through read(), whose await lets the append in.
    readNow: () => null,
    async read() {
      state.reads++;
      if (state.reads === 1) {
        // An append completes during this read: it moves the log end and notifies the waiters now.
        state.end = 1;
        waiters.notify('t', 0);
        return { chunks: [], bytes: 0, logEndOffset: 0, logStartOffset: 0 };
      }
      return { chunks: [record], bytes: record.length, logEndOffset: 1, logStartOffset: 0 };
    },
  };
  const broker = {
    config: { maxFetchBytes: 1 << 20, topicDefaults: { maxMessageBytes: 1 << 20 } },
    topics: { log: () => log },
    // Authorization off: every read allowed (src/broker/security/acl/).
    authorizer: { enabled: false },
    waiters,
    stopping: false,
    fetchSessions: new FetchSessions(new ReadBufferPool(0), 1 << 20),
  };
  return { broker, state, record };
}

const request: FetchRequest = {
  maxWaitMs: 60_000,
  minBytes: 1,
  maxBytes: 1 << 20,
  isolationLevel: 0,
  topics: [{ name: 't', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
};

describe('fetch long poll: an append during the read', () => {
  it('is answered at once by a second read, not after maxWaitMs', async () => {
    const { broker, state, record } = fakeBroker();
    const ctx = {
      signal: new AbortController().signal,
      logger: undefined,
      peer: 'test',
      header: {},
      connectionId: 1,
      connectionMemory: { tryReserve: () => true, charge: () => {}, release: () => {}, onFrameWaiting: () => {} },
      responseMemory: {
        reserve: (wanted: number) => wanted,
        hold: () => {},
        hasRoom: () => true,
        whenRoom: () => () => {},
      },
    };
    const response = await fetchHandler.handle(request, broker as never, ctx as never);
    expect(state.reads).toBe(2);
    expect(
      (response as { topics: Array<{ partitions: Array<{ records: Buffer[] }> }> }).topics[0]!.partitions[0]!.records,
    ).toEqual([record]);
  });

  it('leaves no wake-up registered once answered', async () => {
    const { broker } = fakeBroker();
    const ctx = {
      signal: new AbortController().signal,
      logger: undefined,
      peer: 'test',
      header: {},
      connectionId: 1,
      connectionMemory: { tryReserve: () => true, charge: () => {}, release: () => {}, onFrameWaiting: () => {} },
      responseMemory: {
        reserve: (wanted: number) => wanted,
        hold: () => {},
        hasRoom: () => true,
        whenRoom: () => () => {},
      },
    };
    await fetchHandler.handle(request, broker as never, ctx as never);
    expect(broker.waiters.size).toBe(0);
  });
});
