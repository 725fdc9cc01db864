// The broker's memory budget (src/broker/transport/memory-budget.ts) and the frame decoder's admission hook: frames
// are admitted only with room, wait without holding any, are admitted as room appears (a small one is not
// held up behind a large one), and everything a connection held goes back when it closes.
import { describe, expect, it } from 'vitest';
import { ConnectionMemory, MemoryBudget } from '../../src/broker/transport/memory-budget.js';
import { FrameDecoder } from '../../src/protocol/index.js';
import { batchOf, createTopic, fetchPartition, produce, startBroker } from '../helpers/broker.js';
import { until } from '../reliability/lib/hostile.js';

const MiB = 1024 * 1024;

const flush = () => new Promise<void>((resolve) => queueMicrotask(resolve));

function connection(budget: MemoryBudget, limit = budget.limit) {
  const admitted: number[] = [];
  const memory = new ConnectionMemory(budget, limit, () => admitted.push(memory.held));
  return { memory, admitted };
}

describe('MemoryBudget', () => {
  it('grants waiting requests as room appears, in order, skipping those that do not fit yet', () => {
    const budget = new MemoryBudget(100);
    expect(budget.tryAcquire(90)).toBe(true);
    expect(budget.tryAcquire(20)).toBe(false);
    const granted: string[] = [];
    budget.wait(60, () => granted.push('large'));
    budget.wait(20, () => granted.push('small'));
    budget.release(20); // 70 used: the small one fits, the large one does not
    expect(granted).toEqual(['small']);
    expect(budget.used).toBe(90);
    budget.release(70); // 20 used
    expect(granted).toEqual(['small', 'large']);
    expect(budget.used).toBe(80);
    expect(budget.waiting).toBe(0);
  });

  it('handles a grant whose callback releases and acquires again', () => {
    const budget = new MemoryBudget(10);
    budget.tryAcquire(10);
    const order: string[] = [];
    budget.wait(10, () => {
      order.push('a');
      budget.release(10); // gives its room straight back: b must still be granted
    });
    budget.wait(10, () => order.push('b'));
    budget.release(10);
    expect(order).toEqual(['a', 'b']);
    expect(budget.used).toBe(10);
  });

  it('refuses to queue a request that can never fit', () => {
    expect(() => new MemoryBudget(10).wait(11, () => {})).toThrow(/can never fit/);
  });
});

describe('ConnectionMemory', () => {
  it('a connection holding nothing may take one frame up to the budget, past its own limit', () => {
    const budget = new MemoryBudget(100);
    const { memory } = connection(budget, 10);
    expect(memory.admit(80)).toBe(true);
    expect(memory.held).toBe(80);
    expect(budget.used).toBe(80);
  });

  it('past its own limit a frame waits for the connection to release, then for the budget', async () => {
    const budget = new MemoryBudget(100);
    const { memory, admitted } = connection(budget, 20);
    expect(memory.admit(15)).toBe(true);
    expect(memory.admit(30)).toBe(false);
    expect(memory.waiting).toBe(true);
    const other = connection(budget);
    expect(other.memory.admit(85)).toBe(true); // 100 of 100 used
    memory.release(15); // its own limit has room now, the budget not yet: waits there
    await flush();
    expect(admitted).toEqual([]);
    other.memory.release(85);
    await flush();
    expect(admitted).toEqual([30]); // told on a later microtask, the room already taken
    expect(memory.waiting).toBe(false);
    expect(budget.used).toBe(30);
  });

  it('gives everything back on close, and a waiting frame stops waiting', async () => {
    const budget = new MemoryBudget(100);
    const a = connection(budget);
    const b = connection(budget);
    expect(a.memory.admit(70)).toBe(true);
    a.memory.charge(10); // a response
    expect(b.memory.admit(50)).toBe(false);
    b.memory.close();
    a.memory.close();
    await flush();
    expect(b.admitted).toEqual([]);
    expect(budget.used).toBe(0);
    expect(budget.waiting).toBe(0);
    a.memory.release(70); // late releases of a closed connection change nothing
    expect(budget.used).toBe(0);
  });

  it('reserves what fits for a fetch (possibly nothing) and optional work only when it all fits', () => {
    const budget = new MemoryBudget(100);
    const { memory } = connection(budget, 60);
    expect(memory.reserveUpTo(80)).toBe(80); // holding nothing: the budget's room
    expect(memory.reserveUpTo(50)).toBe(0); // over its own limit now
    memory.release(80);
    const other = connection(budget);
    other.memory.admit(90);
    expect(memory.reserveUpTo(50)).toBe(10);
    expect(memory.tryReserve(20)).toBe(false);
    expect(memory.tryReserve(0)).toBe(true);
    expect(budget.used).toBe(100);
  });
});

describe('ConnectionMemory.whenRoom (a fetch waiting for room for its first read)', () => {
  it('takes the room on a later release, never inside the call, and counts it for the connection', async () => {
    const budget = new MemoryBudget(200);
    const other = connection(budget);
    expect(other.memory.admit(190)).toBe(true);
    const { memory } = connection(budget);
    const taken: number[] = [];
    memory.whenRoom(30, (bytes) => taken.push(bytes));
    expect(taken).toEqual([]);
    expect(budget.waiting).toBe(1);
    other.memory.release(50); // 140 used: 30 fit
    expect(taken).toEqual([30]);
    expect(memory.held).toBe(30);
    expect(budget.used).toBe(170);
    expect(budget.waiting).toBe(0);
  });

  it('a cancelled wait takes nothing; a closed connection stops waiting and takes nothing', () => {
    const budget = new MemoryBudget(100);
    const other = connection(budget);
    expect(other.memory.admit(100)).toBe(true);
    const a = connection(budget);
    const b = connection(budget);
    const taken: string[] = [];
    const cancel = a.memory.whenRoom(40, () => taken.push('a'));
    b.memory.whenRoom(40, () => taken.push('b'));
    cancel();
    b.memory.close();
    expect(budget.waiting).toBe(0);
    other.memory.release(100);
    expect(taken).toEqual([]);
    expect(budget.used).toBe(0);
    expect(b.memory.whenRoom(10, () => taken.push('late'))).toBeTypeOf('function');
    expect(budget.waiting).toBe(0);
  });

  it('asks at most a quarter of the budget', () => {
    const budget = new MemoryBudget(100);
    expect(budget.fetchRoom(500)).toBe(25);
    const other = connection(budget);
    expect(other.memory.admit(80)).toBe(true);
    const { memory } = connection(budget);
    const taken: number[] = [];
    memory.whenRoom(500, (bytes) => taken.push(bytes));
    other.memory.release(4); // 24 free
    expect(taken).toEqual([]);
    other.memory.release(1); // 25 free: a quarter of the budget
    expect(taken).toEqual([25]);
  });
});

describe('FrameDecoder admission', () => {
  const frame = (payload: string) => {
    const body = Buffer.from(payload);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(body.length);
    return Buffer.concat([prefix, body]);
  };

  it('holds a refused frame and the bytes after it, and returns them once admitted', () => {
    const asked: number[] = [];
    let room = true;
    const decoder = new FrameDecoder(1024, {
      admit: (length) => {
        asked.push(length);
        return room;
      },
    });
    room = false;
    const chunk = Buffer.concat([frame('first'), frame('second'), frame('third').subarray(0, 6)]);
    expect(decoder.push(chunk)).toEqual([]);
    expect(decoder.waiting).toBe(true);
    expect(decoder.pendingBytes).toBe(chunk.length);
    room = true;
    expect(decoder.admitted().map(String)).toEqual(['first', 'second']);
    expect(asked).toEqual([5, 6, 5]); // 'first' asked once: refused, then admitted without asking again
    expect(decoder.waiting).toBe(false);
    expect(decoder.push(frame('third').subarray(6)).map(String)).toEqual(['third']);
  });

  it('asks before allocating a frame that spans reads', () => {
    const decoder = new FrameDecoder(1 << 20, { admit: () => false });
    const big = Buffer.alloc(4);
    big.writeUInt32BE(1 << 20);
    expect(decoder.push(Buffer.concat([big, Buffer.alloc(100)]))).toEqual([]);
    expect(decoder.readBuffer().length).toBe(64 * 1024); // not a view of a 1 MiB frame: none was allocated
    expect(decoder.pendingBytes).toBe(104);
  });

  it('decoders may share one landing buffer: frames completed in it are copied out', () => {
    const scratch = Buffer.alloc(64 * 1024);
    const a = new FrameDecoder(1024, { scratch });
    const b = new FrameDecoder(1024, { scratch });
    const read = (decoder: FrameDecoder, bytes: Buffer) => {
      const into = decoder.readBuffer();
      expect(into.buffer).toBe(scratch.buffer);
      bytes.copy(into);
      return decoder.onRead(bytes.length, into);
    };
    const fromA = read(a, Buffer.concat([frame('alpha'), frame('be')]));
    const fromB = read(b, frame('gamma-gamma'));
    expect(fromA.map(String)).toEqual(['alpha', 'be']);
    expect(fromB.map(String)).toEqual(['gamma-gamma']);
  });
});

describe('fetch within the budget (live broker)', () => {
  const bytesOf = (f: { records: Buffer[] }) => f.records.reduce((n, r) => n + r.length, 0);

  /**
   * A broker with 1 MiB frames and a budget of 1 MiB + 64 KiB, topic `m` holding 20 batches of one 20,000-byte
   * record, and a client holding a 1 MiB frame (waited for: a fetch then gets at most the 64 KiB left).
   */
  async function brokerWithRoomFor64KiB() {
    const t = await startBroker({ maxFrameBytes: MiB, maxInFlightBytes: MiB + 64 * 1024 });
    const c = await t.client();
    await createTopic(c, 'm', 1);
    const batch = batchOf(['x'.repeat(20_000)]);
    for (let i = 0; i < 20; i++) expect((await produce(c, 'm', 0, batch)).errorCode).toBe(0);
    const holder = await t.client();
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(MiB);
    holder.write([prefix, Buffer.alloc(1000)]);
    await until(async () => bytesOf(await fetchPartition(c, 'm', 0, 0, { maxBytes: 10 * MiB })) < 64 * 1024, 5000);
    return { t, c, batch, holder };
  }

  it('reads only what the budget has room for, the first batch at least, and everything once room is back', async () => {
    const { t, c, batch, holder } = await brokerWithRoomFor64KiB();
    try {
      const tightBytes = bytesOf(await fetchPartition(c, 'm', 0, 0, { maxBytes: 10 * MiB }));
      expect(tightBytes).toBeGreaterThanOrEqual(batch.length);
      expect(tightBytes).toBeLessThan(64 * 1024);
      holder.destroy();
      await until(
        async () => bytesOf(await fetchPartition(c, 'm', 0, 0, { maxBytes: 10 * MiB })) === 20 * batch.length,
        5000,
      );
      const roomy = await fetchPartition(c, 'm', 0, 0, { maxBytes: 10 * MiB });
      expect(bytesOf(roomy)).toBe(20 * batch.length);
    } finally {
      await t.stop();
    }
  });

  it('a long poll with no room for its first read waits for room, then reads; its maxWait run out, it reads as before', async () => {
    const { t, c, batch, holder } = await brokerWithRoomFor64KiB();
    try {
      // Its first read may take 256 KiB and 64 KiB are free: it waits (answered as the wait ran out, it
      // reads what fits, one batch at least, as a fetch without maxWait does).
      const short = await fetchPartition(c, 'm', 0, 0, { maxWaitMs: 300, partitionMaxBytes: 256 * 1024 });
      expect(bytesOf(short)).toBeGreaterThanOrEqual(batch.length);
      expect(bytesOf(short)).toBeLessThan(64 * 1024);

      const other = await t.client();
      let answered = false;
      const waiting = fetchPartition(other, 'm', 0, 0, { maxWaitMs: 30_000, partitionMaxBytes: 256 * 1024 }).then(
        (f) => {
          answered = true;
          return f;
        },
      );
      // A fetch on another connection, sent after it, is answered while it still waits.
      const besideIt = await fetchPartition(c, 'm', 0, 0, { maxBytes: 10 * MiB });
      expect(bytesOf(besideIt)).toBeLessThan(64 * 1024);
      expect(answered).toBe(false);
      holder.destroy();
      const roomy = await waiting;
      expect(bytesOf(roomy)).toBeGreaterThan(64 * 1024);
      expect(bytesOf(roomy)).toBeLessThanOrEqual(256 * 1024);
    } finally {
      await t.stop();
    }
  });
});
