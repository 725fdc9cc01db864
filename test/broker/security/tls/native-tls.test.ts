// TLS on the native port with the SDK: a broker with a certificate the test's own CA signed, SDK clients
// with `ssl`, and the mixes that must fail cleanly (a plaintext client on the TLS port, a TLS client on the
// plaintext port): each gets an error, the broker logs one sentence and keeps serving.
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sluice, SluiceForeignProtocolError } from '../../../../src/client/index.js';
import { LogCapture, startBroker, type TestBroker } from '../../../helpers/broker.js';
import { removeTempDirs } from '../../../helpers/temp-dir.js';
import { makeTestPki, type TestPki } from '../../../helpers/tls-certificates.js';
import { waitFor } from '../../../helpers/wait-for.js';

let pki: TestPki;
let b: TestBroker;
const logs = new LogCapture();

beforeAll(async () => {
  pki = await makeTestPki();
  const server = pki.server();
  b = await startBroker({ logger: logs.logger, tls: { port: 0, cert: server.cert, key: server.key } });
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

/** Writes `bytes` on a raw TCP socket; resolves with what the broker wrote back before it closed. */
function exchange(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1', () => socket.write(bytes));
    const got: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => got.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(got)));
  });
}

function sdk(port: number, ssl?: object | boolean) {
  return new Sluice({
    clientId: 'tls-test',
    brokers: [`127.0.0.1:${port}`],
    ...(ssl !== undefined ? { ssl: ssl as never } : {}),
    retry: { retries: 0 },
    connectionTimeout: 10_000,
  });
}

describe('native TLS listener', () => {
  it('an SDK client with ssl { ca } produces and consumes over TLS, and Metadata sends it back to the TLS port', async () => {
    const port = b.broker.tlsPort!;
    expect(port).toBeGreaterThan(0);
    const client = sdk(port, { ca: pki.caPem });
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'tls-native', numPartitions: 2 }] });
    const producer = client.producer();
    await producer.connect();
    await producer.send({
      topic: 'tls-native',
      messages: [
        { key: 'a', value: 'one' },
        { key: 'b', value: 'two' },
      ],
    });
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets('tls-native');
    expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(2);
    await admin.disconnect();
  });

  it('a client that does not trust the certificate (no ca) fails to connect with a certificate error', async () => {
    const admin = sdk(b.broker.tlsPort!, true).admin();
    await expect(admin.connect()).rejects.toThrow(/certificate|self[- ]signed|issuer/i);
  });

  it('a plaintext client on the TLS port fails at once, told the port expects TLS; the broker logs why and keeps serving', async () => {
    const admin = sdk(b.broker.tlsPort!).admin();
    // Not retried (retries 0 would wrap a retriable error in KafkaJSNumberOfRetriesExceeded).
    const error = await admin.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceForeignProtocolError);
    expect((error as Error).message).toBe(
      `127.0.0.1:${b.broker.tlsPort} answered with TLS: that port expects TLS; set the client's ssl option, or point brokers at a Sluice broker's native port (9650 by default), the only one the SDK speaks`,
    );
    await waitFor(() => logs.find(/spoke plaintext to the native TLS port/) !== undefined, {
      timeoutMs: 10_000,
      message: 'the log line',
    });
    const ok = sdk(b.broker.tlsPort!, { ca: pki.caPem }).admin();
    await ok.connect();
    await ok.disconnect();
  });

  it('a TLS client on the plaintext port fails its handshake; the broker names a TLS client in the log', async () => {
    const admin = sdk(b.port, { ca: pki.caPem }).admin();
    await expect(admin.connect()).rejects.toThrow();
    const port = b.broker.tlsPort!;
    await waitFor(
      () => logs.find(new RegExp(`a TLS client connected to the native port.*its TLS listener is port ${port}`)),
      {
        timeoutMs: 10_000,
        message: 'the log line',
      },
    );
  });

  it('a raw plaintext socket on the TLS port is answered a TLS alert and closed, not left hanging', async () => {
    const reply = await exchange(b.broker.tlsPort!, Buffer.from('00000010000000080000000000000000', 'hex'));
    // A fatal unexpected_message alert record.
    expect(reply.toString('hex')).toBe('1503030002020a');
  });

  it('an HTTP client on the TLS port gets a 400 saying the port speaks TLS', async () => {
    const reply = await exchange(b.broker.tlsPort!, Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    expect(reply.toString('latin1')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(reply.toString('latin1')).toContain(
      `an HTTP client spoke plaintext to the native TLS port ${b.broker.tlsPort}: this port speaks the native protocol over TLS`,
    );
  });

  it('a raw TLS socket on the plaintext port fails its handshake on the plaintext line the port answers', async () => {
    const socket = connectTls({ host: '127.0.0.1', port: b.port, ca: pki.caPem });
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => socket.once('error', resolve));
    expect(error.code).toBe('ERR_SSL_WRONG_VERSION_NUMBER');
  });
});
