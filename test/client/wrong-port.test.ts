// `brokers` pointing at a port that does not speak Sluice's native protocol fails connect() at once with a
// non-retriable SluiceForeignProtocolError saying what answered, read from the connection's first exchange:
// an HTTP server's reply, a TLS alert, unreadable bytes. A Kafka-protocol port closes without a word, as a
// stopping broker does: retried, then the error says what such a close may mean.
// With `ssl`, a port without TLS shows itself in the TLS handshake: answered with bytes that are not TLS (the
// broker's plaintext port answers a plaintext line), it fails at once too; closed in the middle, it is retried.
// The clients keep the default retry (about 9 s for a retriable error), so "at once" shows it is not retried.
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, KafkaJSNonRetriableError, logLevel, SluiceForeignProtocolError } from '../../src/client/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { type SdkBroker, startSdkBroker } from './helpers.js';

let broker: SdkBroker;
const servers: Server[] = [];
beforeAll(async () => {
  broker = await startSdkBroker({ kafkaPort: 0 });
});
afterAll(async () => {
  for (const server of servers) server.close();
  await broker.stop();
  await removeTempDirs();
});

const kafka = (...ports: number[]) =>
  new Kafka({ clientId: 'wrong-port', brokers: ports.map((p) => `127.0.0.1:${p}`), logLevel: logLevel.NOTHING });
const kafkaWithTls = (port: number, retry?: { retries: number; initialRetryTime: number }) =>
  new Kafka({
    clientId: 'wrong-port',
    brokers: [`127.0.0.1:${port}`],
    ssl: true,
    logLevel: logLevel.NOTHING,
    ...(retry ? { retry } : {}),
  });

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** A TCP server that answers a connection's first bytes with `reply`, then closes it. */
const answering = (reply: Buffer) =>
  createServer((socket: Socket) => {
    socket.once('data', () => socket.end(reply));
    socket.on('error', () => {});
  });

/** What producer.connect() rejected with, and how long it took. */
async function connectError(port: number, client = kafka(port)): Promise<{ error: any; ms: number }> {
  const producer = client.producer();
  const started = performance.now();
  const error = await producer.connect().then(
    () => null,
    (e: unknown) => e,
  );
  const ms = performance.now() - started;
  await producer.disconnect();
  return { error, ms };
}

function expectForeign(error: any, port: number): void {
  expect(error).toBeInstanceOf(SluiceForeignProtocolError);
  expect(error).toBeInstanceOf(KafkaJSNonRetriableError);
  expect(error).toMatchObject({
    name: 'SluiceForeignProtocolError',
    type: 'FOREIGN_PROTOCOL',
    retriable: false,
    broker: `127.0.0.1:${port}`,
  });
  expect(error.message).toMatch(new RegExp(`^127\\.0\\.0\\.1:${port} `));
  expect(error.message).toContain("a Sluice broker's native port (9650 by default)");
}

describe('connecting to a port that is not a native one', () => {
  it('an HTTP server: says it answered with HTTP', async () => {
    const port = await listen(createHttpServer((_request, response) => response.end('ok')));
    const { error, ms } = await connectError(port);
    expectForeign(error, port);
    expect(error.message).toContain(`127.0.0.1:${port} answered with HTTP ("HTTP/1.1 400 Bad Request")`);
    expect(ms).toBeLessThan(1000);
  });

  it("the broker's Kafka-protocol port: retried (a stopping broker closes the same way), then says why it may be", async () => {
    const port = broker.broker.kafkaPort!;
    const producer = new Kafka({
      clientId: 'wrong-port',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 1, initialRetryTime: 50 },
    }).producer();
    const error: any = await producer.connect().then(
      () => null,
      (e: unknown) => e,
    );
    await producer.disconnect();
    expect(error).not.toBeInstanceOf(SluiceForeignProtocolError);
    expect(String(error.message) + String(error.cause?.message ?? '')).toContain(
      `127.0.0.1:${port} closed the connection without answering the handshake (ApiVersions)`,
    );
  });

  it('a TLS port, without ssl: says it answered with TLS', async () => {
    // A TLS alert record: content type 21, version 3.3, 2 bytes: fatal, protocol_version.
    const port = await listen(answering(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46])));
    const { error, ms } = await connectError(port);
    expectForeign(error, port);
    expect(error.message).toContain(`127.0.0.1:${port} answered with TLS: that port expects TLS; set the client's ssl`);
    expect(ms).toBeLessThan(1000);
  });

  it('a peer answering bytes that are no native frame: says so, with why they do not decode', async () => {
    const port = await listen(answering(Buffer.from([0, 0, 0, 6, 0xff, 0xff, 0xff, 0xff, 1, 2])));
    const { error, ms } = await connectError(port);
    expectForeign(error, port);
    expect(error.message).toContain(`127.0.0.1:${port} answered with bytes that are not Sluice's native protocol (`);
    expect(ms).toBeLessThan(1000);
  });

  it('a wrong port among the seeds does not stop the client reaching the right one', async () => {
    const client = kafka(broker.broker.kafkaPort!, broker.port);
    const admin = client.admin();
    await admin.connect();
    try {
      expect((await admin.describeCluster()).brokers).toHaveLength(1);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('connecting with ssl to a port without TLS', () => {
  it("the broker's plaintext native port: fails at once, saying the port does not speak TLS", async () => {
    const { error, ms } = await connectError(broker.port, kafkaWithTls(broker.port));
    expect(error).toBeInstanceOf(SluiceForeignProtocolError);
    expect(error).toMatchObject({ retriable: false, broker: `127.0.0.1:${broker.port}` });
    expect(error.message).toBe(
      `127.0.0.1:${broker.port} answered the TLS handshake with bytes that are not TLS: that port does not speak TLS (a Sluice broker's plaintext port, for one); remove the client's ssl option, or point brokers at the broker's TLS port (--tls-port)`,
    );
    expect(ms).toBeLessThan(1000);
  });

  it('an HTTP server: fails at once the same way', async () => {
    const port = await listen(createHttpServer((_request, response) => response.end('ok')));
    const { error, ms } = await connectError(port, kafkaWithTls(port));
    expect(error).toBeInstanceOf(SluiceForeignProtocolError);
    expect(error.message).toContain(`127.0.0.1:${port} answered the TLS handshake with bytes that are not TLS`);
    expect(ms).toBeLessThan(1000);
  });

  it('a port that closes in the middle of the handshake: retried (a stopping broker does it too), then says why it may be', async () => {
    const port = await listen(
      createServer((socket: Socket) => {
        socket.once('data', () => socket.destroy());
        socket.on('error', () => {});
      }),
    );
    const { error } = await connectError(port, kafkaWithTls(port, { retries: 1, initialRetryTime: 50 }));
    expect(error).not.toBeInstanceOf(SluiceForeignProtocolError);
    expect(error.retryCount).toBe(1);
    expect(error.message).toContain(
      `127.0.0.1:${port} closed the connection during the TLS handshake: a port that does not speak TLS does this`,
    );
  });
});
