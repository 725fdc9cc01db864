// Fetch read buffers are reused (storage/read-buffer-pool.ts) only after the socket write carrying them
// completed. Many concurrent fetches from files with distinct content, some of their clients not reading
// for a while (their responses wait in the broker's socket buffers while other fetches reuse buffers):
// every byte of every response must be the right one. The same over TLS, where responses go out in pieces
// (src/broker/transport/response-writer.ts) and buffers are reused once the last piece is written.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, decodeResponsePayload, encodeRequestFrame, FetchApi, FrameDecoder } from '../../src/protocol/index.js';
import { decodeRecordBatches } from '../../src/records/index.js';
import { batchOf, createTopic, produce, startBroker, type TestBroker } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { makeTestPki, type TestPki } from '../helpers/tls-certificates.js';
import { elapse } from '../helpers/wait-for.js';

const PARTITIONS = 4;
const BATCHES = 30;
const PER_BATCH = 20;

/** The value stored at (partition, offset): distinct bytes everywhere. */
function valueAt(partition: number, offset: number): string {
  const filler = String.fromCharCode(97 + ((partition * 7 + offset) % 26)).repeat(1500 + ((offset * 13) % 700));
  return `p${partition}o${offset}|${filler}`;
}

interface Asked {
  partition: number;
  offset: number;
}

let t: TestBroker | undefined;
let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterEach(async () => t?.stop());
afterAll(removeTempDirs);

/** A connection to the broker's plaintext port, or to its TLS port when it has one. */
async function connectTo(broker: TestBroker): Promise<Socket> {
  const tlsPort = broker.broker.tlsPort;
  if (tlsPort) {
    const socket = connectTls({ host: '127.0.0.1', port: tlsPort, ca: pki.caPem });
    await once(socket, 'secureConnect');
    return socket;
  }
  const socket = connect(broker.port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

async function fetchPipelined(
  broker: TestBroker,
  asks: Asked[],
  firstId: number,
  stallMs: number,
): Promise<Array<{ ask: Asked; records: Array<{ offset: number; value: string }> }>> {
  const socket = await connectTo(broker);
  socket.pause();
  for (const [i, ask] of asks.entries()) {
    const partitionMaxBytes = 64 * 1024 * (1 + ((i * 5) % 8));
    const { body, tail } = FetchApi.encodeRequest({
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 24,
      isolationLevel: 0,
      topics: [
        { name: 'reuse', partitions: [{ partition: ask.partition, fetchOffset: ask.offset, partitionMaxBytes }] },
      ],
    });
    for (const chunk of encodeRequestFrame(
      { apiKey: ApiKey.Fetch, apiVersion: FetchApi.maxVersion, correlationId: firstId + i, clientId: 'reuse' },
      body,
      tail,
    ))
      socket.write(chunk);
  }
  if (stallMs > 0) await elapse(stallMs, 'a client that does not read for a while: answers queue up');
  const decoder = new FrameDecoder(1 << 30);
  const frames: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      for (const payload of decoder.push(chunk)) frames.push(payload);
      if (frames.length === asks.length) resolve();
    });
    socket.resume();
  });
  socket.destroy();
  const out = [];
  for (const payload of frames) {
    const frame = decodeResponsePayload(payload);
    const i = frame.correlationId - firstId;
    const response = FetchApi.decodeResponse(frame.body, frame.tail, FetchApi.maxVersion);
    const result = response.topics[0]!.partitions[0]!;
    expect(result.errorCode).toBe(0);
    const batches = await decodeRecordBatches(Buffer.concat(result.records));
    out.push({
      ask: asks[i]!,
      records: batches.flatMap((b) => b.records).map((r) => ({ offset: r.offset, value: r.value!.toString('latin1') })),
    });
  }
  return out;
}

describe.each(['plaintext', 'TLS'])('fetch read buffer reuse (%s)', (listener) => {
  it('serves every byte right under many concurrent fetches, some clients slow to read', async () => {
    const first = await startBroker();
    t = first;
    const admin = await first.client();
    await createTopic(admin, 'reuse', PARTITIONS);
    for (let p = 0; p < PARTITIONS; p++) {
      for (let b = 0; b < BATCHES; b++) {
        const base = b * PER_BATCH;
        await produce(admin, 'reuse', p, batchOf(Array.from({ length: PER_BATCH }, (_, k) => valueAt(p, base + k))));
      }
    }
    await first.stop();
    // Restarted: the tail cache is empty, so every fetch reads its segment file through the pool.
    const server = listener === 'TLS' ? pki.server() : null;
    t = await startBroker({
      dataDir: first.dataDir,
      maxInFlightRequests: 16,
      ...(server ? { tls: { port: 0, cert: server.cert, key: server.key } } : {}),
    });

    const total = BATCHES * PER_BATCH;
    const clients = Array.from({ length: 8 }, (_, c) =>
      Array.from(
        { length: 24 },
        (_, i): Asked => ({ partition: (c + i) % PARTITIONS, offset: (c * 97 + i * 131) % total }),
      ),
    );
    const results = await Promise.all(
      clients.map((asks, c) => fetchPipelined(t!, asks, 1000 * (c + 1), c % 2 === 0 ? 400 : 0)),
    );

    let checked = 0;
    for (const { ask, records } of results.flat()) {
      expect(records.length).toBeGreaterThan(0);
      // The batch holding the asked offset comes first; every record is the one stored at its offset.
      expect(records[0]!.offset).toBeLessThanOrEqual(ask.offset);
      expect(records[records.length - 1]!.offset).toBeGreaterThanOrEqual(ask.offset);
      for (const r of records) {
        if (r.value !== valueAt(ask.partition, r.offset)) {
          expect.fail(`partition ${ask.partition} offset ${r.offset}: wrong bytes (starts "${r.value.slice(0, 12)}")`);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(8 * 24 * PER_BATCH);
  });
});
