import * as net from 'node:net';
import { encode } from '@msgpack/msgpack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Connection } from '../../src/client/connection.js';
import { SluiceConnectionError, SluiceProtocolError, SluiceRequestTimeoutError } from '../../src/client/errors.js';
import { nullLogger } from '../../src/client/logger.js';
import {
  ApiKey,
  encodeResponseFrame,
  FetchPushApi,
  FetchPushCreditApi,
  ListOffsetsApi,
} from '../../src/protocol/index.js';
import { waitFor } from './helpers.js';
import { type InterceptedBroker, startInterceptedBroker } from './intercepted-broker.js';

let fake: InterceptedBroker;
const open: Connection[] = [];

function connection(port: number, requestTimeout = 2000): Connection {
  const c = new Connection({
    host: '127.0.0.1',
    port,
    clientId: 'unit',
    connectionTimeout: 1000,
    requestTimeout,
    logger: nullLogger,
  });
  open.push(c);
  return c;
}

const listOffsets = (partition: number) => ({
  isolationLevel: 0,
  topics: [{ name: 't', partitions: [{ partition, timestamp: -1 }] }],
});
const answer = (partition: number, offset: number) => ({
  topics: [{ name: 't', partitions: [{ partition, errorCode: 0, errorMessage: null, timestamp: -1, offset }] }],
});
const partitionOf = (request: any): number => request.topics[0].partitions[0].partition;

beforeEach(async () => {
  fake = await startInterceptedBroker([{ name: 't', partitions: 5 }]);
});
afterEach(async () => {
  for (const c of open.splice(0)) c.close();
  await fake.stop();
});

describe('Connection', () => {
  it('sends ApiVersions first, then pipelines requests and matches responses', async () => {
    const gates: Array<() => void> = [];
    // Each answer is held until its gate opens, and says which partition it answers (offset 100 + p).
    fake.broker.intercept(
      ListOffsetsApi,
      (r) =>
        new Promise((resolve) =>
          gates.push(() => resolve({ respond: answer(partitionOf(r.request), 100 + partitionOf(r.request)) })),
        ),
      { keep: true },
    );
    const c = connection(fake.port);
    await c.connect();
    expect(fake.requests[0]!.apiKey).toBe(ApiKey.ApiVersions);
    const replies = [0, 1, 2, 3, 4].map((p) => c.send(ListOffsetsApi, listOffsets(p)));
    // All five are on the wire before any response: pipelined, not one at a time.
    await waitFor(() => gates.length === 5);
    expect(fake.of(ApiKey.ListOffsets)).toHaveLength(5);
    expect(c.inFlight).toBe(5);
    for (const open of gates) open();
    const results = await Promise.all(replies);
    expect(results.map((r) => r.topics[0]!.partitions[0]!.offset)).toEqual([100, 101, 102, 103, 104]);
    expect(new Set(fake.requests.map((r) => r.correlationId)).size).toBe(fake.requests.length);
    expect(fake.requests.every((r) => r.clientId === 'unit')).toBe(true);
  });

  it('holds the requests made during a throttle the broker asked for, then sends them in order', async () => {
    const arrivals: Array<{ partition: number; at: number }> = [];
    fake.broker.intercept(
      ListOffsetsApi,
      (r) => {
        const partition = partitionOf(r.request);
        arrivals.push({ partition, at: performance.now() });
        return { respond: { ...answer(partition, partition), throttleTimeMs: partition === 0 ? 400 : 0 } };
      },
      { keep: true },
    );
    const c = connection(fake.port);
    await c.connect();
    await c.send(ListOffsetsApi, listOffsets(0));
    const throttledAt = performance.now();
    const replies = [1, 2, 3].map((p) => c.send(ListOffsetsApi, listOffsets(p)));
    // Made during the throttle: waiting here, not written to a connection the broker will not read.
    expect(c.throttled).toBe(3);
    expect(c.inFlight).toBe(0);
    const results = await Promise.all(replies);
    expect(results.map((r) => r.topics[0]!.partitions[0]!.offset)).toEqual([1, 2, 3]);
    expect(arrivals.map((a) => a.partition)).toEqual([0, 1, 2, 3]);
    expect(arrivals[1]!.at - throttledAt).toBeGreaterThanOrEqual(395);
    // Not throttled any more: the next request goes out at once.
    const next = c.send(ListOffsetsApi, listOffsets(4));
    expect(c.throttled).toBe(0);
    expect((await next).topics[0]!.partitions[0]!.offset).toBe(4);
  });

  it('gives a stream request held by a throttle its id at once, so credit and end made meanwhile reach its stream', async () => {
    fake.broker.intercept(ListOffsetsApi, () => ({ respond: { ...answer(0, 0), throttleTimeMs: 300 } }));
    const c = connection(fake.port, 120_000);
    await c.connect();
    await c.send(ListOffsetsApi, listOffsets(0));
    const stream = { id: 0, frame: () => {} };
    const ended = c.send(
      FetchPushApi,
      {
        // Idle for longer than the test may run: only the end below can close the stream in time.
        maxIdleMs: 60_000,
        maxBytes: 1024 * 1024,
        creditBytes: 1024 * 1024,
        isolationLevel: 0,
        topics: [{ name: 't', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 * 1024 }] }],
      },
      { stream },
    );
    expect(c.throttled).toBe(1);
    expect(stream.id).not.toBe(0);
    const end = c.send(
      FetchPushCreditApi,
      { streamId: stream.id, creditBytes: 0, end: true },
      { expectResponse: false },
    );
    expect(c.throttled).toBe(2);
    await end;
    const final = await ended;
    expect(final.final).toBe(true);
    const [opened] = fake.of(ApiKey.FetchPush);
    const [credit] = fake.of(ApiKey.FetchPushCredit);
    expect((credit!.request as { streamId: number }).streamId).toBe(opened!.correlationId);
  });

  it('fails the requests held by a throttle with a connection error when the connection closes', async () => {
    fake.broker.intercept(ListOffsetsApi, () => ({ respond: { ...answer(0, 0), throttleTimeMs: 10_000 } }));
    const c = connection(fake.port);
    await c.connect();
    await c.send(ListOffsetsApi, listOffsets(0));
    const held = c.send(ListOffsetsApi, listOffsets(1)).catch((e: unknown) => e);
    expect(c.throttled).toBe(1);
    c.close();
    expect(await held).toBeInstanceOf(SluiceConnectionError);
    expect(c.throttled).toBe(0);
  });

  it('times out a request that gets no answer, and keeps serving others', async () => {
    fake.broker.intercept(
      ListOffsetsApi,
      (r) => (partitionOf(r.request) === 0 ? { drop: 'request' } : { respond: answer(1, 7) }),
      { keep: true },
    );
    const c = connection(fake.port, 150);
    await c.connect();
    const started = Date.now();
    const error = await c.send(ListOffsetsApi, listOffsets(0)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceRequestTimeoutError);
    expect((error as SluiceRequestTimeoutError).retriable).toBe(true);
    expect((error as Error).message).toMatch(/ListOffsets request to 127\.0\.0\.1:\d+ timed out after 150 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    // the broker answers in order, so the dropped request blocks later answers on this socket; use a new one
    const c2 = connection(fake.port, 1000);
    await c2.connect();
    expect((await c2.send(ListOffsetsApi, listOffsets(1))).topics[0]!.partitions[0]!.offset).toBe(7);
  });

  it('reports a refused connection in plain words', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const error = await connection(port)
      .connect()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceConnectionError);
    expect((error as Error).message).toBe(`cannot reach broker 127.0.0.1:${port}: connection refused`);
    expect((error as SluiceConnectionError).code).toBe('ECONNREFUSED');
    expect((error as SluiceConnectionError).retriable).toBe(true);
  });

  it('fails in-flight requests with a retriable connection error when the broker goes away', async () => {
    const c = connection(fake.port);
    await c.connect();
    fake.broker.intercept(ListOffsetsApi, () => ({ disconnect: true }));
    const pending = c.send(ListOffsetsApi, listOffsets(0));
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceConnectionError);
    expect((error as SluiceConnectionError).retriable).toBe(true);
    expect(c.isClosed).toBe(true);
  });

  it('turns a whole-request error frame into a typed protocol error', async () => {
    const c = connection(fake.port);
    await c.connect();
    fake.broker.intercept(ListOffsetsApi, () => ({ error: 'INVALID_REQUEST', message: 'nope' }));
    const error = await c.send(ListOffsetsApi, listOffsets(0)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceProtocolError);
    expect(error).toMatchObject({ code: 42, type: 'INVALID_REQUEST', retriable: false, message: 'nope' });
  });

  it('hands a pushed frame to its stream, and answers a frame with a field of the wrong type with an error naming it', async () => {
    const c = connection(fake.port);
    await c.connect();
    const partition = { partition: 0, errorCode: 0, errorMessage: null, highWatermark: 3 };
    // A hostile broker: a well-formed pushed frame with one record byte, then a final frame whose
    // highWatermark is a string, both in one write.
    fake.broker.intercept(FetchPushApi, (r) => {
      const pushed = encodeResponseFrame(
        r.correlationId,
        { final: false, topics: [{ name: 't', partitions: [{ ...partition, recordsBytes: 1 }] }] },
        [Buffer.from('x')],
      );
      const bad = encodeResponseFrame(r.correlationId, {
        final: true,
        topics: [{ name: 't', partitions: [{ ...partition, highWatermark: 'three', recordsBytes: 0 }] }],
      });
      return { frame: Buffer.concat([...pushed, ...bad]) };
    });
    const frames: unknown[] = [];
    const error = await c
      .send(
        FetchPushApi,
        {
          maxIdleMs: 1000,
          maxBytes: 1024,
          creditBytes: 1024,
          isolationLevel: 0,
          topics: [{ name: 't', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 }] }],
        },
        { stream: { id: 0, frame: (f) => frames.push(f) } },
      )
      .catch((e: unknown) => e);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({
      final: false,
      topics: [{ name: 't', partitions: [{ ...partition, records: [Buffer.from('x')] }] }],
    });
    expect(error).toBeInstanceOf(SluiceProtocolError);
    expect((error as Error).message).toBe(
      `invalid FetchPush response from 127.0.0.1:${fake.port}: topics[0].partitions[0].highWatermark: expected an integer`,
    );
    expect(c.isClosed).toBe(false);
  });

  it('closes the connection on a response header nested millions deep, without decoding it', async () => {
    const c = connection(fake.port);
    await c.connect();
    // A hostile broker: {correlationId, body: [[[[…]]]]} with 4 million levels (4 MiB of 0x91).
    fake.broker.intercept(ListOffsetsApi, (r) => {
      const head = Buffer.from(encode({ correlationId: r.correlationId }));
      head[0] = 0x82; // the map gets a second entry: body
      const deep = Buffer.alloc(4 * 1024 * 1024, 0x91);
      deep[deep.length - 1] = 0xc0;
      const doc = Buffer.concat([head, Buffer.from(encode('body')), deep]);
      const prefix = Buffer.alloc(8);
      prefix.writeUInt32BE(4 + doc.length, 0);
      prefix.writeUInt32BE(doc.length, 4);
      return { frame: Buffer.concat([prefix, doc]) };
    });
    const error = await c.send(ListOffsetsApi, listOffsets(0)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceConnectionError);
    expect((error as Error).message).toBe(
      `malformed response from broker 127.0.0.1:${fake.port}: response header nests deeper than maxHeaderDepth (32) levels`,
    );
    expect(c.isClosed).toBe(true);
  });
});
