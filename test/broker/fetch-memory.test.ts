// What a fetch holds of the broker's memory budget (src/broker/transport/memory-budget.ts): the memory its
// answer keeps alive, not only the record bytes it answers. A read answered as a view of a pool buffer keeps
// that whole buffer (its size class, sized for the read's limit) until the response is written; a read-ahead
// keeps its buffer from the moment its read is done. Counting only the answered bytes let 1,000 replaying
// consumers keep about three times the budget alive.
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FetchReadAhead } from '../../src/broker/fetch/read-ahead.js';
import { readAll } from '../../src/broker/fetch/round.js';
import type { BrokerContext, RequestContext } from '../../src/broker/handlers/types.js';
import { ConnectionMemory, MemoryBudget } from '../../src/broker/transport/memory-budget.js';
import { DEFAULT_PARTITION_CONFIG, PartitionLog, ReadBufferPool, type StorageFs } from '../../storage/index.js';
import { countingFs } from '../helpers/counting-fs.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { makeBatch } from '../storage/helpers.js';

const MiB = 1024 * 1024;
/** About four 1,000-byte batches: far below the pool's smallest size class (64 KiB). */
const CHUNK = 4 * 1100;

const logs: PartitionLog[] = [];
afterEach(async () => {
  for (const log of logs.splice(0)) await log.close().catch(() => {});
});
afterAll(removeTempDirs);

/** Partition `partition` of topic t, read from its file (no tail cache), holding one batch per payload size. */
async function fileLog(payloads = Array<number>(12).fill(1000), partition = 0, fs?: StorageFs): Promise<PartitionLog> {
  const log = await PartitionLog.open({
    dir: join(await tempDir(), `t-${partition}`),
    topic: 't',
    partition,
    config: { ...DEFAULT_PARTITION_CONFIG, flush: { kind: 'os' } },
    tailCacheBytes: 0,
    ...(fs ? { fs } : {}),
  });
  logs.push(log);
  for (const [i, payloadBytes] of payloads.entries()) await log.append(makeBatch({ payloadBytes, tag: i }));
  return log;
}

function connectionMemory(budget: MemoryBudget): ConnectionMemory {
  return new ConnectionMemory(budget, budget.limit, () => {});
}

const readToEnd = (ahead: FetchReadAhead, key: string) =>
  (ahead as unknown as { pending: Map<string, Array<{ read: Promise<unknown> }>> }).pending.get(key)![0]!.read;

describe('memory a fetch holds', () => {
  it('an answer read into a pool buffer holds that whole buffer, not only its record bytes', async () => {
    const log = await fileLog();
    const pool = new ReadBufferPool(MiB);
    const broker = {
      config: { maxFetchBytes: MiB },
      topics: { log: () => log },
      internalLog: () => undefined,
      cluster: undefined,
      authorizer: { enabled: false },
      readBuffers: pool,
    } as unknown as BrokerContext;
    const holds: number[] = [];
    const ctx = {
      logger: pino({ level: 'silent' }),
      responseMemory: {
        reserve: (wanted: number) => wanted,
        hold: (bytes: number) => holds.push(bytes),
        hasRoom: () => true,
        whenRoom: () => () => {},
      },
    } as unknown as RequestContext;
    const noLimit = { tryReserve: () => true, charge: () => {}, release: () => {}, onFrameWaiting: () => {} };
    const request = {
      maxBytes: MiB,
      isolationLevel: 0,
      topics: [{ name: 't', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: CHUNK }] }],
    };

    const round = await readAll(request, broker, ctx, new FetchReadAhead(pool, MiB, noLimit));

    expect(round.leases).toHaveLength(1);
    expect(round.bytes).toBeGreaterThan(0);
    expect(round.bytes).toBeLessThanOrEqual(CHUNK);
    expect(round.leases[0]!.length).toBeGreaterThanOrEqual(64 * 1024);
    expect(holds.at(-1)).toBe(round.leases[0]!.length);
  });

  it('a read-ahead holds its byte limit while reading, then the buffer it keeps, and gives all of it back', async () => {
    const log = await fileLog();
    const pool = new ReadBufferPool(MiB);
    const budget = new MemoryBudget(MiB);
    const ahead = new FetchReadAhead(pool, MiB, connectionMemory(budget));

    ahead.start('taken', log, 4, CHUNK, log.logEndOffset);
    expect(budget.used).toBe(CHUNK);
    await readToEnd(ahead, 'taken');
    expect(budget.used).toBe(64 * 1024);
    const taken = await ahead.take('taken', log, 4, CHUNK);
    expect(taken?.lease?.length).toBe(64 * 1024);
    expect(budget.used).toBe(0);

    ahead.start('dropped', log, 4, CHUNK, log.logEndOffset);
    await readToEnd(ahead, 'dropped');
    expect(budget.used).toBe(64 * 1024);
    ahead.retainOnly(new Set());
    expect(budget.used).toBe(0);

    // Dropped before its read is done: the byte limit goes back, and nothing is held once the read ends.
    ahead.start('early', log, 4, CHUNK, log.logEndOffset);
    const read = readToEnd(ahead, 'early');
    ahead.close();
    expect(budget.used).toBe(0);
    await read;
    expect(budget.used).toBe(0);
  });

  it("a connection's read-aheads give way to its next frame when the budget is full, and none starts while it waits", async () => {
    const log = await fileLog();
    const budget = new MemoryBudget(128 * 1024);
    const memory = connectionMemory(budget);
    const ahead = new FetchReadAhead(new ReadBufferPool(MiB), MiB, memory);
    ahead.start('k', log, 4, CHUNK, log.logEndOffset);
    await readToEnd(ahead, 'k');
    connectionMemory(budget).charge(64 * 1024); // another connection's response fills the rest
    expect(budget.used).toBe(128 * 1024);

    expect(memory.admit(1000)).toBe(true);
    expect(ahead.size).toBe(0);
    expect(budget.used).toBe(64 * 1024 + 1000);

    // Full again, nothing left to give back: the next frame waits, and no read-ahead takes room meanwhile.
    expect(memory.admit(64 * 1024)).toBe(false);
    ahead.start('k', log, 4, CHUNK, log.logEndOffset);
    expect(ahead.size).toBe(0);
  });

  it("another connection's read-aheads give way when a frame would be the first to wait for the budget", async () => {
    const log = await fileLog();
    const budget = new MemoryBudget(128 * 1024);
    const busyConsumer = new FetchReadAhead(new ReadBufferPool(MiB), MiB, connectionMemory(budget));
    busyConsumer.start('k', log, 4, CHUNK, log.logEndOffset);
    await readToEnd(busyConsumer, 'k');
    connectionMemory(budget).charge(64 * 1024); // a response being written fills the rest
    const producer = connectionMemory(budget);

    expect(producer.admit(1000)).toBe(true);
    expect(busyConsumer.size).toBe(0);
    expect(budget.used).toBe(64 * 1024 + 1000);
  });

  it("a later partition's first batch larger than what the fetch has left is not read", async () => {
    const small = await fileLog(); // 12 batches of ~1 KB
    const { fs, logBytesRead } = countingFs();
    const large = await fileLog([200_000], 1, fs);
    const pool = new ReadBufferPool(MiB);
    const broker = {
      config: { maxFetchBytes: MiB },
      topics: { log: (_topic: string, partition: number) => (partition === 0 ? small : large) },
      internalLog: () => undefined,
      cluster: undefined,
      authorizer: { enabled: false },
      readBuffers: pool,
    } as unknown as BrokerContext;
    const ctx = {
      logger: pino({ level: 'silent' }),
      responseMemory: {
        reserve: (wanted: number) => wanted,
        hold: () => {},
        hasRoom: () => true,
        whenRoom: () => () => {},
      },
    } as unknown as RequestContext;
    const noLimit = { tryReserve: () => true, charge: () => {}, release: () => {}, onFrameWaiting: () => {} };
    const partitions = [0, 1].map((partition) => ({ partition, fetchOffset: 0, partitionMaxBytes: 100_000 }));
    const before = logBytesRead();

    const round = await readAll(
      { maxBytes: 100_000, isolationLevel: 0, topics: [{ name: 't', partitions }] },
      broker,
      ctx,
      new FetchReadAhead(pool, MiB, noLimit),
    );

    const [first, second] = round.response.topics[0]!.partitions;
    expect(first!.records.length).toBeGreaterThan(0);
    expect(second!.records).toEqual([]);
    expect(round.leases).toHaveLength(1);
    // Its header and what fits in the read's window, not the 200 KB batch (the read before this change).
    expect(logBytesRead() - before).toBeLessThan(100_000);
    // Alone in a fetch, the same batch is answered whole (Kafka's rule: a consumer always makes progress).
    const alone = await readAll(
      { maxBytes: 100_000, isolationLevel: 0, topics: [{ name: 't', partitions: [partitions[1]!] }] },
      broker,
      ctx,
      new FetchReadAhead(pool, MiB, noLimit),
    );
    expect(alone.bytes).toBeGreaterThan(200_000);
  });
});
