// Fetch read-ahead (src/broker/fetch/read-ahead.ts): the next chunk of a partition read from its file
// is served to the next fetch only when it is exactly what a fresh read would return there — never after
// a truncation, a retention/deleteRecords move of the log start, or with another log object — and its
// pool buffer goes back to the pool when it is dropped.
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FetchReadAhead, ReadsInFlight } from '../../src/broker/fetch/read-ahead.js';
import { ConnectionMemory, MemoryBudget } from '../../src/broker/transport/memory-budget.js';
import { DeleteTopicsApi } from '../../src/protocol/index.js';
import { DEFAULT_PARTITION_CONFIG, PartitionLog, ReadBufferPool } from '../../storage/index.js';
import {
  batchOf,
  createTopic,
  fetchPartition,
  produce,
  recordsOf,
  startBroker,
  values,
  type TestBroker,
} from '../helpers/broker.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { decodeBatches, makeBatch } from '../storage/helpers.js';
import { waitFor } from '../helpers/wait-for.js';

/** A connection's memory share with room for everything (the budget is tested in memory-budget.test.ts). */
const noLimit = { tryReserve: () => true, charge: () => {}, release: () => {}, onFrameWaiting: () => {} };

const BATCH_PAYLOAD = 1000;
const CHUNK = 4 * 1100; // about four batches per read

const logs: PartitionLog[] = [];
afterEach(async () => {
  for (const log of logs.splice(0)) await log.close().catch(() => {});
});
afterAll(removeTempDirs);

/** A log of `batches` one-record batches, read from its file (no tail cache). */
async function logWith(batches: number, tag = 0, dir?: string, indexIntervalBytes?: number): Promise<PartitionLog> {
  const log = await PartitionLog.open({
    dir: dir ?? join(await tempDir(), 't-0'),
    topic: 't',
    partition: 0,
    config: {
      ...DEFAULT_PARTITION_CONFIG,
      flush: { kind: 'os' },
      indexIntervalBytes: indexIntervalBytes ?? DEFAULT_PARTITION_CONFIG.indexIntervalBytes,
    },
    tailCacheBytes: 0,
  });
  logs.push(log);
  for (let i = 0; i < batches; i++) await log.append(makeBatch({ payloadBytes: BATCH_PAYLOAD, tag: tag + i }));
  return log;
}

const payloads = (bytes: Buffer) => decodeBatches(bytes).map((b) => b.payload.toString('hex'));

/** The reads `start` began for `key`, in offset order (FetchReadAhead offers no hook for them: a look inside). */
const readsStarted = (ahead: FetchReadAhead, key: string) =>
  (ahead as unknown as { pending: Map<string, Array<{ offset: number; read: Promise<unknown> }>> }).pending.get(key) ??
  [];
const readStarted = (ahead: FetchReadAhead, key: string) => readsStarted(ahead, key)[0]!.read;

describe('fetch read-ahead', () => {
  it('hands the next fetch at the predicted offset the same bytes a fresh read returns, in a pool buffer', async () => {
    const log = await logWith(12);
    const pool = new ReadBufferPool(1 << 20);
    const ahead = new FetchReadAhead(pool, 1 << 20, noLimit);
    const first = await log.read(0, { maxBytes: CHUNK, pool });
    ahead.start('k', log, first.nextOffset, CHUNK, log.logEndOffset);
    const taken = await ahead.take('k', log, first.nextOffset, CHUNK);
    const fresh = await log.read(first.nextOffset, { maxBytes: CHUNK });
    expect(taken).not.toBeNull();
    expect(taken!.nextOffset).toBe(fresh.nextOffset);
    expect(payloads(Buffer.concat(taken!.chunks))).toEqual(payloads(Buffer.concat(fresh.chunks)));
    expect(taken!.lease).not.toBeNull();
    expect(ahead.size).toBe(0);
  });

  it('reports the log bounds at the time it is taken, not when it was read', async () => {
    const log = await logWith(12);
    const ahead = new FetchReadAhead(new ReadBufferPool(1 << 20), 1 << 20, noLimit);
    ahead.start('k', log, 4, CHUNK, log.logEndOffset);
    await readStarted(ahead, 'k');
    for (let i = 0; i < 3; i++) await log.append(makeBatch({ payloadBytes: BATCH_PAYLOAD, tag: 200 + i }));
    await log.deleteRecordsBefore(2);
    const taken = await ahead.take('k', log, 4, CHUNK);
    expect(taken!.logEndOffset).toBe(15);
    expect(taken!.logStartOffset).toBe(2);
  });

  it('is not used for another offset or size, and its buffer returns to the pool', async () => {
    const log = await logWith(12);
    const pool = new ReadBufferPool(1 << 20);
    const ahead = new FetchReadAhead(pool, 1 << 20, noLimit);
    ahead.start('k', log, 4, CHUNK, log.logEndOffset);
    expect(await ahead.take('k', log, 5, CHUNK)).toBeNull();
    ahead.start('k', log, 4, CHUNK, log.logEndOffset);
    expect(await ahead.take('k', log, 4, CHUNK * 2)).toBeNull();
    await waitFor(() => pool.pooledBytes > 0, { message: "the dropped reads' buffers back in the pool" });
  });

  it('answers a caller that takes shorter answers (FetchPush) with a smaller limit, or a larger one within its own', async () => {
    const log = await logWith(12);
    const pool = new ReadBufferPool(1 << 20);
    const ahead = new FetchReadAhead(pool, 1 << 20, noLimit);
    ahead.start('k', log, 4, CHUNK, log.logEndOffset);
    const taken = await ahead.take('k', log, 4, CHUNK * 2, true);
    const fresh = await log.read(4, { maxBytes: CHUNK });
    expect(taken).not.toBeNull();
    expect(taken!.nextOffset).toBe(fresh.nextOffset);
    expect(payloads(Buffer.concat(taken!.chunks))).toEqual(payloads(Buffer.concat(fresh.chunks)));
    // Made with a larger limit: taken only when its bytes are within this one.
    ahead.start('k', log, 4, CHUNK * 2, log.logEndOffset);
    expect(await ahead.take('k', log, 4, CHUNK, true)).toBeNull();
    ahead.start('k', log, 4, CHUNK * 2, log.logEndOffset);
    const within = await ahead.take('k', log, 4, 2 * CHUNK - 1, true);
    expect(within).not.toBeNull();
    expect(within!.bytes).toBeLessThanOrEqual(2 * CHUNK - 1);
  });

  it('is not used after a truncation, even when the log grew back past it with other bytes', async () => {
    const log = await logWith(12);
    const ahead = new FetchReadAhead(new ReadBufferPool(1 << 20), 1 << 20, noLimit);
    ahead.start('k', log, 4, CHUNK, log.logEndOffset);
    await log.truncateTo(2);
    for (let i = 0; i < 10; i++) await log.append(makeBatch({ payloadBytes: BATCH_PAYLOAD, tag: 100 + i }));
    expect(log.logEndOffset).toBe(12);
    expect(await ahead.take('k', log, 4, CHUNK)).toBeNull();
    const fresh = await log.read(4, { maxBytes: CHUNK });
    expect(decodeBatches(Buffer.concat(fresh.chunks))[0]!.payload[0]).toBe((102 * 31) & 0xff); // makeBatch's pattern for tag 102
  });

  it('is not used once the log start moved past its offset (deleteRecords, retention)', async () => {
    const log = await logWith(12);
    const ahead = new FetchReadAhead(new ReadBufferPool(1 << 20), 1 << 20, noLimit);
    ahead.start('k', log, 4, CHUNK, log.logEndOffset);
    await log.deleteRecordsBefore(6);
    expect(await ahead.take('k', log, 4, CHUNK)).toBeNull();
  });

  it('is not used with another log object (a deleted and re-created partition)', async () => {
    const dir = join(await tempDir(), 't-0');
    const old = await logWith(12, 0, dir);
    const ahead = new FetchReadAhead(new ReadBufferPool(1 << 20), 1 << 20, noLimit);
    ahead.start('k', old, 4, CHUNK, old.logEndOffset);
    const other = await logWith(12, 50);
    expect(await ahead.take('k', other, 4, CHUNK)).toBeNull();
  });

  it('holds at most its byte budget, one per partition, and nothing after close', async () => {
    const log = await logWith(12);
    const ahead = new FetchReadAhead(new ReadBufferPool(1 << 20), 2 * CHUNK, noLimit);
    ahead.start('a', log, 0, CHUNK, log.logEndOffset);
    ahead.start('a', log, 4, CHUNK, log.logEndOffset);
    ahead.start('b', log, 4, CHUNK, log.logEndOffset);
    ahead.start('c', log, 8, CHUNK, log.logEndOffset);
    expect(ahead.size).toBe(2);
    ahead.retainOnly(new Set(['b']));
    expect(ahead.size).toBe(1);
    expect(await ahead.take('b', log, 4, CHUNK)).not.toBeNull();
    ahead.close();
    ahead.start('a', log, 0, CHUNK, log.logEndOffset);
    expect(ahead.size).toBe(0);
  });

  it('starts nothing the memory budget of the broker has no room for, and gives the room back when dropped', async () => {
    const log = await logWith(12);
    const budget = new MemoryBudget(3 * CHUNK);
    const memory = new ConnectionMemory(budget, budget.limit, () => {});
    memory.charge(CHUNK); // e.g. the response being written
    const ahead = new FetchReadAhead(new ReadBufferPool(1 << 20), 1 << 20, memory);
    ahead.start('a', log, 0, CHUNK, log.logEndOffset);
    ahead.start('b', log, 4, CHUNK, log.logEndOffset);
    ahead.start('c', log, 8, CHUNK, log.logEndOffset); // no room left: not started
    expect(ahead.size).toBe(2);
    expect(budget.used).toBe(3 * CHUNK);
    expect(await ahead.take('a', log, 0, CHUNK)).not.toBeNull();
    ahead.close();
    expect(budget.used).toBe(CHUNK);
  });

  /** Has `ahead` see its fetch come for a read-ahead still reading (as from a cold file): it then reads two ahead. */
  async function fallBehind(ahead: FetchReadAhead, log: PartitionLog): Promise<void> {
    ahead.start('behind', log, 0, CHUNK, log.logEndOffset, true);
    expect(await ahead.take('behind', log, 0, CHUNK, true)).not.toBeNull();
  }

  it("reads a stream's next frame but one too while its reads lag, from where the index says the next one ends", async () => {
    const log = await logWith(12, 0, undefined, 1); // an index entry at every batch
    const pool = new ReadBufferPool(1 << 20);
    const ahead = new FetchReadAhead(pool, 1 << 20, noLimit, new ReadsInFlight(16)); // whatever UV_THREADPOOL_SIZE says
    ahead.start('k', log, 0, CHUNK, log.logEndOffset, true, CHUNK);
    expect(readsStarted(ahead, 'k').map((r) => r.offset)).toEqual([0]); // nothing lagged yet
    // Taken while still reading: the reads lag, so the next frame's push starts two.
    expect((await ahead.take('k', log, 0, CHUNK, true))!.nextOffset).toBe(4);
    ahead.start('k', log, 4, CHUNK, log.logEndOffset, true, CHUNK);
    expect(readsStarted(ahead, 'k').map((r) => r.offset)).toEqual([4, 8]);
    await Promise.all(readsStarted(ahead, 'k').map((r) => r.read));
    const taken = await ahead.take('k', log, 4, CHUNK, true);
    const fresh = await log.read(4, { maxBytes: CHUNK, exactLimit: true });
    expect(taken!.nextOffset).toBe(fresh.nextOffset);
    expect(payloads(Buffer.concat(taken!.chunks))).toEqual(payloads(Buffer.concat(fresh.chunks)));
    // The one after is the next frame's; this one was done before it was taken: no third while that runs.
    ahead.start('k', log, 8, CHUNK, log.logEndOffset, true, CHUNK);
    expect(readsStarted(ahead, 'k').map((r) => r.offset)).toEqual([8]);
    const last = await ahead.take('k', log, 8, CHUNK, true);
    expect(payloads(Buffer.concat(last!.chunks))).toEqual(
      payloads(Buffer.concat((await log.read(8, { maxBytes: CHUNK, exactLimit: true })).chunks)),
    );
  });

  it("drops all of a partition's read-aheads when the fetch asks for another offset, their buffers back in the pool", async () => {
    const log = await logWith(12, 0, undefined, 1);
    const pool = new ReadBufferPool(1 << 20);
    // A pool of threads large enough that the dropped reads still running leave room for a second read.
    const ahead = new FetchReadAhead(pool, 1 << 20, noLimit, new ReadsInFlight(16));
    await fallBehind(ahead, log);
    ahead.start('k', log, 0, CHUNK, log.logEndOffset, true, CHUNK);
    expect(readsStarted(ahead, 'k').map((r) => r.offset)).toEqual([0, 4]);
    await Promise.all(readsStarted(ahead, 'k').map((r) => r.read));
    const pooled = pool.pooledBytes;
    expect(await ahead.take('k', log, 2, CHUNK, true)).toBeNull();
    expect(ahead.size).toBe(0);
    await waitFor(() => pool.pooledBytes >= pooled + 2 * CHUNK, {
      message: "both dropped reads' buffers back in the pool",
    });
    // A stream whose next frame starts elsewhere (a wrong prediction): the queue starts over there.
    await fallBehind(ahead, log);
    ahead.start('k', log, 0, CHUNK, log.logEndOffset, true, CHUNK);
    ahead.start('k', log, 5, CHUNK, log.logEndOffset, true, CHUNK);
    expect(readsStarted(ahead, 'k').map((r) => r.offset)).toEqual([5, 9]);
  });

  it("starts no second read while half the thread pool reads read-aheads, every connection's", async () => {
    const log = await logWith(12, 0, undefined, 1);
    const pool = new ReadBufferPool(1 << 20);
    const reads = new ReadsInFlight(4);
    const ahead = new FetchReadAhead(pool, 1 << 20, noLimit, reads);
    const other = new FetchReadAhead(pool, 1 << 20, noLimit, reads);
    await fallBehind(ahead, log);
    other.start('o', log, 8, CHUNK, log.logEndOffset); // another connection's, still reading
    ahead.start('k', log, 0, CHUNK, log.logEndOffset, true, CHUNK);
    expect(reads.running).toBe(2);
    expect(readsStarted(ahead, 'k')).toHaveLength(1); // two of four threads: no room for a second
    await Promise.all([...readsStarted(other, 'o'), ...readsStarted(ahead, 'k')].map((r) => r.read));
    expect(reads.running).toBe(0);
    ahead.retainOnly(new Set());
    await fallBehind(ahead, log);
    ahead.start('k', log, 0, CHUNK, log.logEndOffset, true, CHUNK);
    expect(readsStarted(ahead, 'k').map((r) => r.offset)).toEqual([0, 4]);
  });

  it('counts the second read-ahead toward its byte budget and the memory budget', async () => {
    const log = await logWith(12, 0, undefined, 1);
    const narrow = new FetchReadAhead(new ReadBufferPool(1 << 20), CHUNK + CHUNK / 2, noLimit);
    await fallBehind(narrow, log);
    narrow.start('k', log, 0, CHUNK, log.logEndOffset, true, CHUNK);
    expect(readsStarted(narrow, 'k')).toHaveLength(1);
    const budget = new MemoryBudget(3 * CHUNK);
    const memory = new ConnectionMemory(budget, budget.limit, () => {});
    const ahead = new FetchReadAhead(new ReadBufferPool(1 << 20), 1 << 20, memory, new ReadsInFlight(16));
    await fallBehind(ahead, log);
    ahead.start('k', log, 0, CHUNK, log.logEndOffset, true, CHUNK);
    expect(budget.used).toBe(2 * CHUNK);
    ahead.retainOnly(new Set());
    expect(budget.used).toBe(0);
  });

  it('drops a read that found nothing (the log end) or failed', async () => {
    const log = await logWith(4);
    const ahead = new FetchReadAhead(new ReadBufferPool(1 << 20), 1 << 20, noLimit);
    ahead.start('end', log, 4, CHUNK, log.logEndOffset);
    ahead.start('bad', log, 99, CHUNK, log.logEndOffset);
    expect(await ahead.take('end', log, 4, CHUNK)).toBeNull();
    expect(await ahead.take('bad', log, 99, CHUNK)).toBeNull();
  });
});

describe('fetch read-ahead through the broker', () => {
  let t: TestBroker | undefined;
  afterEach(async () => t?.stop());

  async function coldBroker(topic: string, batches: number): Promise<TestBroker> {
    const first = await startBroker();
    const admin = await first.client();
    await createTopic(admin, topic, 1);
    for (let b = 0; b < batches; b++) await produce(admin, topic, 0, batchOf([`${topic}-${b}-${'x'.repeat(900)}`]));
    await first.stop();
    return startBroker({ dataDir: first.dataDir }); // restarted: reads come from the segment files
  }

  it('a consumer following its fetches gets every record once, in order', async () => {
    t = await coldBroker('follow', 40);
    const client = await t.client();
    const seen: string[] = [];
    for (let offset = 0; offset < 40; ) {
      const res = await fetchPartition(client, 'follow', 0, offset, { partitionMaxBytes: 3000 });
      const records = (await recordsOf(res)).filter((r) => r.offset >= offset);
      expect(records.length).toBeGreaterThan(0);
      seen.push(...values(records).map((v) => v!.split('-').slice(0, 2).join('-')));
      offset = records[records.length - 1]!.offset + 1;
    }
    expect(seen).toEqual(Array.from({ length: 40 }, (_, b) => `follow-${b}`));
  });

  it('a topic deleted and re-created between two fetches is read afresh', async () => {
    t = await coldBroker('again', 20);
    const client = await t.client();
    const first = await fetchPartition(client, 'again', 0, 0, { partitionMaxBytes: 3000 });
    const next = (await recordsOf(first)).at(-1)!.offset + 1; // the read-ahead now holds `next`
    const admin = await t.client();
    await admin.request(DeleteTopicsApi, { topics: ['again'], timeoutMs: 5000 });
    await createTopic(admin, 'again', 1);
    for (let b = 0; b < 20; b++) await produce(admin, 'again', 0, batchOf([`new-${b}`]));
    const res = await fetchPartition(client, 'again', 0, next, { partitionMaxBytes: 3000 });
    expect(res.errorCode).toBe(0);
    const records = (await recordsOf(res)).filter((r) => r.offset >= next);
    expect(values(records)[0]).toBe(`new-${next}`);
  });
});
