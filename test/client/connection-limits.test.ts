// A broker at its connection limits (maxConnections, maxConnectionsPerAddress) answers a new connection's
// first request with CONNECTION_LIMIT_REACHED before closing it: the SDK retries (a place frees up when
// another connection closes), and when its retries run out, the error says which limit, in the broker's words.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { BrokerOptions } from '../../src/broker/index.js';
import { KafkaJSNumberOfRetriesExceeded, logLevel, Sluice } from '../../src/client/index.js';
import { ApiVersionsApi, ErrorCode } from '../../src/protocol/index.js';
import { LogCapture, startBroker, type TestBroker } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { makeTestPki } from '../helpers/tls-certificates.js';
import { waitFor } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';

let b: TestBroker | undefined;
afterEach(async () => {
  await b?.stop();
  b = undefined;
});
afterAll(removeTempDirs);

async function brokerWith(options: Partial<BrokerOptions>): Promise<{ broker: TestBroker; logs: LogCapture }> {
  const logs = new LogCapture();
  b = await startBroker({ logger: logs.logger, ...options });
  return { broker: b, logs };
}

/** A connection the broker has admitted (it answered a request on it), holding one place. */
async function admitted(broker: TestBroker): Promise<WireClient> {
  const client = await broker.client();
  await client.request(ApiVersionsApi, {});
  return client;
}

function client(port: number, retry: { retries: number; maxRetryTime?: number }, ssl?: object): Sluice {
  return new Sluice({
    clientId: 'limits',
    brokers: [`127.0.0.1:${port}`],
    retry: { initialRetryTime: 20, ...retry },
    logLevel: logLevel.NOTHING,
    ...(ssl ? { ssl: ssl as never } : {}),
  });
}

async function connectError(sluice: Sluice): Promise<any> {
  const admin = sluice.admin();
  const error = await admin.connect().then(
    () => null,
    (e: unknown) => e,
  );
  await admin.disconnect();
  return error;
}

describe('a broker at its connection limit', () => {
  it("connect() retries, then fails with the broker's reason: maxConnections", async () => {
    const { broker } = await brokerWith({ maxConnections: 1 });
    await admitted(broker);
    const error = await connectError(client(broker.port, { retries: 2 }));
    expect(error).toBeInstanceOf(KafkaJSNumberOfRetriesExceeded);
    expect(error.retryCount).toBe(2);
    expect(error.message).toBe(
      `127.0.0.1:${broker.port} refused the connection: the broker has 1 connections open (maxConnections 1); it takes new ones as others close (or raise the limit on the broker)`,
    );
    expect(error.cause).toMatchObject({
      type: 'CONNECTION_LIMIT_REACHED',
      code: ErrorCode.CONNECTION_LIMIT_REACHED,
      retriable: true,
    });
  });

  it("connect() fails with the broker's reason: maxConnectionsPerAddress", async () => {
    const { broker } = await brokerWith({ maxConnectionsPerAddress: 2 });
    await admitted(broker);
    await admitted(broker);
    const error = await connectError(client(broker.port, { retries: 0 }));
    expect(error.message).toContain(
      `refused the connection: 127.0.0.1 has 2 connections open (maxConnectionsPerAddress 2)`,
    );
  });

  it('connect() succeeds once another connection closes and frees a place', async () => {
    const { broker, logs } = await brokerWith({ maxConnections: 1 });
    const holder = await admitted(broker);
    const admin = client(broker.port, { retries: 30, maxRetryTime: 100 }).admin();
    const connected = admin.connect();
    await waitFor(() => logs.find(/^connection refused: the broker has 1 connections open/), {
      message: 'the broker to refuse the admin',
    });
    holder.destroy();
    await connected;
    expect((await admin.describeCluster()).brokers).toHaveLength(1);
    await admin.disconnect();
  });

  it('over TLS too: the refusal is answered once the handshake is done', async () => {
    const pki = await makeTestPki();
    const server = pki.server();
    const { broker } = await brokerWith({ maxConnections: 1, tls: { port: 0, cert: server.cert, key: server.key } });
    const tlsPort = broker.broker.tlsPort!;
    const holder = await WireClient.connectTls(tlsPort, { ca: pki.caPem });
    await holder.request(ApiVersionsApi, {});
    const error = await connectError(client(tlsPort, { retries: 0 }, { ca: pki.caPem }));
    holder.destroy();
    expect(error.message).toContain(
      `127.0.0.1:${tlsPort} refused the connection: the broker has 1 connections open (maxConnections 1)`,
    );
  });

  it('a refused client that sends nothing is closed, and refusals take no place', async () => {
    const { broker } = await brokerWith({ maxConnections: 1 });
    const holder = await admitted(broker);
    const silent = await WireClient.connect(broker.port);
    await silent.closed;
    holder.destroy();
    // The broker sees the holder's close a moment later: a new connection is served from then on.
    const served = () =>
      broker.client().then((next) =>
        next.request(ApiVersionsApi, {}).then(
          (answer) => answer.errorCode === 0,
          () => false,
        ),
      );
    expect(await waitFor(served, { intervalMs: 20, message: 'a new connection to be served' })).toBe(true);
  });
});
