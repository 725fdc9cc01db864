// Every kind of bad input against a live broker: each gets an error code or a closed connection, the
// broker keeps serving well-behaved clients, and records stored before stay intact.
import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALL_APIS, ApiKey, ErrorCode, ProduceApi } from '../../src/protocol/index.js';
import {
  batchOf,
  createTopic,
  fetchPartition,
  LogCapture,
  produce,
  readAll,
  startBroker,
  values,
  type TestBroker,
} from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { elapse } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';

const MAX_FRAME = 1024 * 1024;
const MAX_HEADER = 64 * 1024;
let t: TestBroker;
let logs: LogCapture;

beforeAll(async () => {
  logs = new LogCapture();
  t = await startBroker({
    maxFrameBytes: MAX_FRAME,
    maxHeaderBytes: MAX_HEADER,
    stallTimeoutMs: 300,
    logger: logs.logger,
  });
  const c = await t.client();
  await createTopic(c, 'kept', 2, { 'max.message.bytes': '2000' });
  await produce(c, 'kept', 0, batchOf(['k0', 'k1', 'k2']));
});
afterAll(async () => {
  await t.stop();
  await removeTempDirs();
});

// After every bad input: a fresh, well-behaved client is served and the earlier records are intact.
afterEach(async () => {
  const c = await WireClient.connect(t.port);
  try {
    expect(values(await readAll(c, 'kept', 0))).toEqual(['k0', 'k1', 'k2']);
  } finally {
    c.destroy();
  }
});

function prefix(length: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(length);
  return b;
}

function rawFrame(header: unknown, tail = Buffer.alloc(0)): Buffer {
  const doc = Buffer.from(encode(header));
  const head = Buffer.alloc(8);
  head.writeUInt32BE(4 + doc.length + tail.length, 0);
  head.writeUInt32BE(doc.length, 4);
  return Buffer.concat([head, doc, tail]);
}

describe('bytes that are not frames close that connection only', () => {
  it('a truncated frame followed by a close', async () => {
    const c = await WireClient.connect(t.port);
    const frame = rawFrame({ apiKey: 18, apiVersion: 0, correlationId: 1, clientId: 'x', body: {} });
    c.write(frame.subarray(0, frame.length - 3));
    await c.close();
    expect(c.isClosed).toBe(true);
  });

  it('garbage bytes (a header length beyond the frame)', async () => {
    const c = await WireClient.connect(t.port);
    c.write(Buffer.concat([prefix(20), Buffer.alloc(20, 0xff)]));
    await c.closed;
    expect(logs.find(/malformed frame|unreadable request header/)).toBeDefined();
  });

  it('a header that is not msgpack', async () => {
    const c = await WireClient.connect(t.port);
    const junk = Buffer.from([0, 0, 0, 5, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1]);
    c.write(Buffer.concat([prefix(junk.length), junk]));
    await c.closed;
    expect(c.isClosed).toBe(true);
  });

  it('a header without a correlationId', async () => {
    const c = await WireClient.connect(t.port);
    c.write(rawFrame({ apiKey: 18, apiVersion: 0, body: {} }));
    await c.closed;
    expect(c.isClosed).toBe(true);
  });

  it('a length prefix over maxFrameBytes is refused before allocating', async () => {
    const before = process.memoryUsage().arrayBuffers;
    const c = await WireClient.connect(t.port);
    const huge = 900 * 1024 * 1024;
    c.write(Buffer.concat([prefix(huge), Buffer.alloc(64, 1)]));
    await c.closed;
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(huge / 10);
    const line = logs.find(/malformed frame/);
    expect(String(line?.reason)).toContain(`exceeds the limit of ${MAX_FRAME} bytes`);
    expect(line?.peer).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('random byte streams never take the broker down', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (bytes) => {
        const c = await WireClient.connect(t.port);
        c.write(Buffer.from(bytes));
        await elapse(2, 'the broker gets a moment with the bytes before the client hangs up');
        c.destroy();
      }),
      { numRuns: 40 },
    );
    const c = await WireClient.connect(t.port);
    expect((await fetchPartition(c, 'kept', 0, 0)).errorCode).toBe(0);
    c.destroy();
  });
});

describe('a readable header with a bad request gets an error response and the connection stays', () => {
  it('unknown apiKey → UNSUPPORTED_VERSION', async () => {
    const c = await WireClient.connect(t.port);
    const res = await c.send(999, 0, {});
    expect(res.error).toMatchObject({ code: ErrorCode.UNSUPPORTED_VERSION });
    expect(res.error!.message).toContain('unknown apiKey 999');
    expect((await fetchPartition(c, 'kept', 0, 0)).errorCode).toBe(0);
    c.destroy();
  });

  it('unsupported version → UNSUPPORTED_VERSION naming the range', async () => {
    const c = await WireClient.connect(t.port);
    const res = await c.send(ApiKey.Produce, 7, {});
    expect(res.error).toMatchObject({ code: ErrorCode.UNSUPPORTED_VERSION });
    expect(res.error!.message).toContain('Produce version 7');
    c.destroy();
  });

  it('a bad header field (apiVersion) → INVALID_REQUEST with the correlationId', async () => {
    const c = await WireClient.connect(t.port);
    const pending = c.expect(77);
    c.write(rawFrame({ apiKey: 18, apiVersion: 'zero', correlationId: 77, clientId: 'x', body: {} }));
    const res = await pending;
    expect(res.error).toMatchObject({ code: ErrorCode.INVALID_REQUEST });
    expect(res.error!.message).toContain('apiVersion');
    expect((await fetchPartition(c, 'kept', 0, 0)).errorCode).toBe(0);
    c.destroy();
  });

  it('an invalid body → INVALID_REQUEST with the path of the bad field', async () => {
    const c = await WireClient.connect(t.port);
    const res = await c.send(ApiKey.Fetch, 0, {
      topics: [{ name: 'kept', partitions: [{ partition: 0, fetchOffset: 'zero' }] }],
    });
    expect(res.error).toMatchObject({ code: ErrorCode.INVALID_REQUEST });
    expect(res.error!.message).toBe('topics[0].partitions[0].fetchOffset: expected an integer');
    const produceRes = await c.send(ApiKey.Produce, 0, { acks: 5, topics: [] });
    expect(produceRes.error!.message).toContain('acks');
    c.destroy();
  });

  it('a produce whose recordsBytes overrun the tail → INVALID_REQUEST', async () => {
    const c = await WireClient.connect(t.port);
    const res = await c.send(
      ApiKey.Produce,
      0,
      { acks: 1, topics: [{ name: 'kept', partitions: [{ partition: 0, recordsBytes: 500 }] }] },
      [Buffer.alloc(10)],
    );
    expect(res.error!.message).toContain('topics[0].partitions[0].recordsBytes');
    c.destroy();
  });

  it('a header over maxHeaderBytes, over maxHeaderItems or nested too deep → INVALID_REQUEST naming the limit', async () => {
    const c = await WireClient.connect(t.port);
    let deep: unknown = 0;
    for (let i = 0; i < 40; i++) deep = [deep];
    const cases: Array<[unknown, RegExp]> = [
      [{ topics: ['x'.repeat(MAX_HEADER)] }, /^request header of 656\d\d bytes exceeds maxHeaderBytes \(65536\)$/],
      [
        { topics: Array.from({ length: 200_000 }, () => 0) },
        /^request header holds more than maxHeaderItems \(131072\) values$/,
      ],
      [{ topics: deep }, /^request header nests deeper than maxHeaderDepth \(32\) levels$/],
    ];
    for (const [body, message] of cases) {
      const res = await c.send(ApiKey.Metadata, 0, body);
      expect(res.error?.code).toBe(ErrorCode.INVALID_REQUEST);
      expect(res.error?.message).toMatch(message);
    }
    expect((await fetchPartition(c, 'kept', 0, 0)).errorCode).toBe(0);
    c.destroy();
  });

  it('a tail on a request of an API that takes none → INVALID_REQUEST (its bytes are not kept)', async () => {
    const c = await WireClient.connect(t.port);
    const res = await c.send(ApiKey.Metadata, 0, { topics: null }, [Buffer.alloc(1000)]);
    expect(res.error).toEqual({
      code: ErrorCode.INVALID_REQUEST,
      message: 'tail: Metadata requests carry no tail, got 1000 bytes',
    });
    const fetch = await c.send(ApiKey.Fetch, 0, { topics: [] }, [Buffer.alloc(3)]);
    expect(fetch.error?.message).toBe('tail: Fetch requests carry no tail, got 3 bytes');
    c.destroy();
  });

  it('no body shape for any API yields UNKNOWN_SERVER_ERROR', async () => {
    const c = await WireClient.connect(t.port);
    const shapes: unknown[] = [
      null,
      1,
      'x',
      [],
      {},
      { topics: 'x' },
      { topics: [null] },
      { topics: [{ name: 1 }] },
      { resources: [{}] },
    ];
    for (const api of ALL_APIS) {
      for (const body of shapes) {
        const res = await c.send(api.key, api.maxVersion, body);
        expect(res.error?.code ?? 0, `${api.name} ${JSON.stringify(body)}`).not.toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
      }
    }
    c.destroy();
  });
});

describe('bad records and partitions get per-partition error codes', () => {
  it('a batch with a wrong CRC → CORRUPT_MESSAGE and nothing stored', async () => {
    const c = await WireClient.connect(t.port);
    const batch = batchOf(['bad']);
    batch[batch.length - 1]! ^= 0xff;
    const res = await produce(c, 'kept', 0, batch);
    expect(res.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(res.baseOffset).toBe(-1);
    expect((await fetchPartition(c, 'kept', 0, 0)).highWatermark).toBe(3);
    c.destroy();
  });

  it('bytes that are not a batch → CORRUPT_MESSAGE', async () => {
    const c = await WireClient.connect(t.port);
    expect((await produce(c, 'kept', 0, Buffer.alloc(30, 7))).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    c.destroy();
  });

  it('a batch over max.message.bytes → MESSAGE_TOO_LARGE', async () => {
    const c = await WireClient.connect(t.port);
    const res = await produce(c, 'kept', 0, batchOf(['z'.repeat(3000)]));
    expect(res.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(res.errorMessage).toContain('max.message.bytes=2000');
    c.destroy();
  });

  it('produce to a missing partition → UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const c = await WireClient.connect(t.port);
    const res = await produce(c, 'kept', 7, batchOf(['x']));
    expect(res.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(res.errorMessage).toContain('2 partition');
    c.destroy();
  });

  it('produce to an invalid topic name → INVALID_TOPIC_EXCEPTION', async () => {
    const c = await WireClient.connect(t.port);
    const res = await c.request(ProduceApi, {
      acks: 1,
      timeoutMs: 100,
      topics: [{ name: 'no/slash', partitions: [{ partition: 0, records: batchOf(['x']) }] }],
    });
    expect(res.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    c.destroy();
  });

  it('fetch out of range → OFFSET_OUT_OF_RANGE naming the valid range', async () => {
    const c = await WireClient.connect(t.port);
    const res = await fetchPartition(c, 'kept', 0, 42, { maxWaitMs: 5000 });
    expect(res.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(res.errorMessage).toContain('0..3');
    expect(res.highWatermark).toBe(3);
    c.destroy();
  });
});

describe('stalls', () => {
  it('a client stalled mid-frame is closed after the stall timeout', async () => {
    const c = await WireClient.connect(t.port);
    const frame = rawFrame({ apiKey: 18, apiVersion: 0, correlationId: 1, clientId: 'x', body: {} });
    const started = performance.now();
    c.write(frame.subarray(0, 6));
    await c.closed;
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3000);
    expect(logs.find(/stalled/)).toBeDefined();
  });

  it('a client whose frame arrived in time is not closed when the broker itself was held up past the timeout', async () => {
    const c = await WireClient.connect(t.port);
    const correlationId = c.newCorrelationId();
    const answered = c.expect(correlationId);
    const frame = rawFrame({ apiKey: 18, apiVersion: 0, correlationId, clientId: 'x', body: {} });
    c.write(frame.subarray(0, 6));
    // No sign to await that the broker read the first bytes; 100 ms is ample, and a third of the timeout.
    await elapse(100, 'the broker has the first bytes: its stall timer runs');
    // The rest is in the kernel well before the timeout, but this process (the broker's) is then busy
    // until after it, in the check phase: the next loop turn runs its expired timers before it polls.
    await new Promise<void>((r) =>
      setImmediate(() => {
        c.write(frame.subarray(6));
        const until = performance.now() + 500;
        while (performance.now() < until);
        r();
      }),
    );
    expect((await answered).error).toBeNull();
    expect(c.isClosed).toBe(false);
    c.destroy();
  });

  it('an idle client between frames is not closed', async () => {
    const c = await WireClient.connect(t.port);
    await elapse(500, 'idle for longer than the 300 ms stall timeout');
    expect(c.isClosed).toBe(false);
    expect((await fetchPartition(c, 'kept', 0, 0)).errorCode).toBe(0);
    c.destroy();
  });
});
