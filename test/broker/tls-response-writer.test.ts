// The TLS response writer (src/broker/transport/response-writer.ts) on a real TLS connection: bytes in
// order whatever the mix of chunk sizes, each frame's callback once and in order, backpressure and drain,
// end() after what was queued, and frames queued when the socket dies told so.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TlsResponseWriter } from '../../src/broker/transport/response-writer.js';
import { makeTestPki, type TestPki } from '../helpers/tls-certificates.js';

let pki: TestPki;
let serverOptions: tls.TlsOptions;

beforeAll(async () => {
  pki = await makeTestPki();
  serverOptions = pki.read(pki.server());
});

interface Pair {
  server: tls.TLSSocket;
  client: tls.TLSSocket;
  close(): Promise<void>;
}

const open: Pair[] = [];

/** A TLS connection on loopback: the broker's side (server) and a client that reads only when asked. */
async function connect(): Promise<Pair> {
  const listener = tls.createServer(serverOptions);
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'secureConnection');
  const client = tls.connect({ host: '127.0.0.1', port: (listener.address() as AddressInfo).port, ca: pki.caPem });
  await once(client, 'secureConnect');
  const [server] = (await accepted) as [tls.TLSSocket];
  const pair: Pair = {
    server,
    client,
    async close() {
      client.destroy();
      server.destroy();
      if (listener.listening) await new Promise((resolve) => listener.close(resolve));
    },
  };
  open.push(pair);
  return pair;
}

/** Everything the client receives until the server ends the connection. */
async function readAll(client: tls.TLSSocket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  client.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(client, 'end');
  return Buffer.concat(chunks);
}

/** `n` bytes counting up from `seed` (so a byte out of place changes the content). */
function pattern(n: number, seed: number): Buffer {
  const bytes = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) bytes[i] = (seed + i * 7) & 0xff;
  return bytes;
}

describe('TLS response writer', () => {
  let pair: Pair;
  // Every pair, also one a failed test left open: its listener must not outlive the file.
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });

  it('delivers frames of small and multi-MiB chunks byte for byte, in order, with one callback each in order', async () => {
    pair = await connect();
    const writer = new TlsResponseWriter(pair.server, () => {});
    const received = readAll(pair.client);
    const frames: Buffer[][] = [];
    for (let i = 0; i < 40; i++) {
      // A head, then record chunks: none, many small ones, one of several pieces, a mix.
      const head = pattern(20 + i, i);
      if (i % 4 === 0) frames.push([head]);
      else if (i % 4 === 1) frames.push([head, ...Array.from({ length: 30 }, (_, j) => pattern(1000 + j, i + j))]);
      else if (i % 4 === 2) frames.push([head, pattern(3 * 1024 * 1024 + 5, i)]);
      else frames.push([head, pattern(70_000, i), pattern(10, i), Buffer.alloc(0), pattern(300_000, i + 1)]);
    }
    const order: number[] = [];
    // Half the frames in one batch (as a flush of responses finished together), half one by one.
    writer.beginBatch();
    for (let i = 0; i < 20; i++) writer.write(frames[i]!, (error) => order.push(error ? -1 : i));
    writer.endBatch();
    for (let i = 20; i < 40; i++) writer.write(frames[i]!, (error) => order.push(error ? -1 : i));
    await new Promise<void>((resolve) => writer.end(resolve));
    expect((await received).equals(Buffer.concat(frames.flat()))).toBe(true);
    expect(order).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('says to stop while a large frame waits, and calls onDrain once it is written', async () => {
    pair = await connect();
    let drains = 0;
    const writer = new TlsResponseWriter(pair.server, () => drains++);
    const frame = [pattern(16, 1), pattern(8 * 1024 * 1024, 2)];
    let written = false;
    expect(writer.write(frame, () => (written = true))).toBe(false);
    // The client has not read yet: the frame waits (in the writer or the socket), nothing drained.
    expect(written).toBe(false);
    expect(drains).toBe(0);
    const received = readAll(pair.client);
    await expect.poll(() => drains, { timeout: 20_000 }).toBe(1);
    expect(written).toBe(true);
    writer.end(() => {});
    expect((await received).equals(Buffer.concat(frame))).toBe(true);
  });

  it('tells every frame still queued when the connection dies that it was not written', async () => {
    pair = await connect();
    const writer = new TlsResponseWriter(pair.server, () => {});
    const outcomes: Array<string> = [];
    for (let i = 0; i < 5; i++)
      writer.write([pattern(16, i), pattern(4 * 1024 * 1024, i)], (error) => outcomes.push(error ? 'failed' : 'ok'));
    // The client never reads: at most what fits in the kernel's buffers is written before the end.
    pair.client.destroy();
    pair.server.destroy();
    await expect.poll(() => outcomes.length, { timeout: 20_000 }).toBe(5);
    expect(outcomes.at(-1)).toBe('failed');
    // Later frames fail at once, without a write.
    const late = await new Promise<Error | null | undefined>((resolve) => writer.write([pattern(10, 0)], resolve));
    expect(late).toBeInstanceOf(Error);
  });
});
