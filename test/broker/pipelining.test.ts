// Pipelining: many requests sent without waiting are answered in request order, even when an earlier
// one (a long poll) finishes after later ones; the in-flight cap applies backpressure, not errors.
import { connect } from 'node:net';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ApiKey,
  ApiVersionsApi,
  decodeResponsePayload,
  encodeRequestFrame,
  FetchApi,
  FrameDecoder,
  ProduceApi,
} from '../../src/protocol/index.js';
import { batchOf, createTopic, readAll, startBroker, values, type TestBroker } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { elapse } from '../helpers/wait-for.js';
import type { WireClient } from '../helpers/wire-client.js';

let t: TestBroker;
let client: WireClient;

beforeEach(async () => {
  t = await startBroker({ maxInFlightRequests: 4 });
  client = await t.client();
  await createTopic(client, 'pipe', 2);
});
afterEach(async () => t.stop());
afterAll(removeTempDirs);

describe('pipelining', () => {
  it('answers 200 pipelined produce and metadata requests in request order', async () => {
    const sent: number[] = [];
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      const correlationId = client.newCorrelationId();
      sent.push(correlationId);
      if (i % 3 === 0) {
        pending.push(client.send(ApiKey.ApiVersions, 0, {}, [], correlationId));
      } else {
        const { body, tail } = ProduceApi.encodeRequest({
          acks: 1,
          timeoutMs: 1000,
          topics: [{ name: 'pipe', partitions: [{ partition: i % 2, records: batchOf([`m${i}`]) }] }],
        });
        pending.push(client.send(ApiKey.Produce, 0, body, tail, correlationId));
      }
    }
    await Promise.all(pending);
    expect(client.arrivals.slice(-200)).toEqual(sent);
    const expected0 = [...Array(200).keys()].filter((i) => i % 3 !== 0 && i % 2 === 0).map((i) => `m${i}`);
    expect(values(await readAll(client, 'pipe', 0))).toEqual(expected0);
  });

  it('holds later responses behind a long poll that finishes last', async () => {
    const fetchId = client.newCorrelationId();
    const fetchBody = FetchApi.encodeRequest({
      maxWaitMs: 400,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      topics: [{ name: 'pipe', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    });
    const fetched = client.send(ApiKey.Fetch, 0, fetchBody.body, [], fetchId);
    const versions = client.request(ApiVersionsApi, {});
    let fetchDone = false;
    void fetched.then(() => (fetchDone = true));
    await versions;
    // The ApiVersions answer was ready at once but is written only after the fetch's.
    expect(fetchDone).toBe(true);
    expect(client.arrivals.indexOf(fetchId)).toBeLessThan(client.arrivals.length - 1);
  });
});

describe('backpressure', () => {
  it('stops reading a client that does not read its responses, and resumes when it does', async () => {
    await createTopic(client, 'bp', 1, { 'max.message.bytes': String(2 * 1024 * 1024) });
    const { body: produceBody, tail } = ProduceApi.encodeRequest({
      acks: 1,
      timeoutMs: 1000,
      topics: [{ name: 'bp', partitions: [{ partition: 0, records: batchOf(['v'.repeat(256 * 1024)]) }] }],
    });
    await client.send(ApiKey.Produce, 0, produceBody, tail);

    const socket = connect({ port: t.port, host: '127.0.0.1' });
    await new Promise((r) => socket.once('connect', r));
    socket.pause();
    const n = 200;
    // Big requests, cheaply: partition 0 (a 256 KiB batch) and thousands of partitions the topic does not have
    // (each answered UNKNOWN_TOPIC_OR_PARTITION): over 100 KB of request each, every field one the API defines
    const missing = Array.from({ length: 4000 }, (_, i) => ({
      partition: 1000 + i,
      fetchOffset: 0,
      partitionMaxBytes: 1 << 20,
    }));
    for (let i = 1; i <= n; i++) {
      const body = FetchApi.encodeRequest({
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        topics: [
          { name: 'bp', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }, ...missing] },
        ],
      }).body as object;
      for (const chunk of encodeRequestFrame(
        { apiKey: ApiKey.Fetch, apiVersion: 0, correlationId: i, clientId: 'slow' },
        body,
      ))
        socket.write(chunk);
    }
    await elapse(500, 'the broker reads what it will take before it stops reading');
    // The broker stopped reading: most of our 20 MB of requests is still queued on our side.
    expect(socket.writableLength).toBeGreaterThan(5 * 1024 * 1024);
    // Other clients are served meanwhile.
    expect((await client.request(ApiVersionsApi, {})).errorCode).toBe(0);

    const decoder = new FrameDecoder(1 << 30);
    const ids: number[] = [];
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        for (const payload of decoder.push(chunk)) ids.push(decodeResponsePayload(payload).correlationId);
        if (ids.length === n) resolve();
      });
      socket.resume();
    });
    socket.destroy();
    expect(ids).toEqual([...Array(n).keys()].map((i) => i + 1));
  });
});
