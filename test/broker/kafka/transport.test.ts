// What the Kafka listener shares with the native one, being a wire of the same transport: connection
// limits counted across both ports, the stall watchdog, and request and connection metrics.
import { connect } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ApiVersionsApi, ErrorCode } from '../../../src/protocol/index.js';
import { ApiVersions, Metadata } from '../../../src/protocol/kafka/index.js';
import { LogCapture } from '../../helpers/broker.js';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { WireClient } from '../../helpers/wire-client.js';
import { call, startHttpBroker, type HttpBroker } from '../../http/helpers.js';
import { type KafkaTestBroker, startKafkaBroker } from './helpers.js';
import { KafkaWireClient } from './kafka-wire-client.js';

let b: KafkaTestBroker | undefined;
let h: HttpBroker | undefined;
afterEach(async () => {
  await b?.stop();
  await h?.stop();
  b = h = undefined;
});
afterAll(removeTempDirs);

/** Resolves once the broker has closed a raw socket to `port` (after `send`, if given), with what it wrote back. */
function closedByBroker(port: number, send?: Buffer): Promise<{ reply: string }> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port }, () => send && socket.write(send));
    socket.on('data', (chunk: Buffer) => got.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => resolve({ reply: Buffer.concat(got).toString('utf8') }));
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the broker did not close the connection'));
    }, 5000).unref();
  });
}

/** The value of one series in a Prometheus text exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('the Kafka listener on the shared transport', () => {
  it('counts maxConnectionsPerAddress across the native and Kafka ports', async () => {
    const logs = new LogCapture();
    b = await startKafkaBroker({ maxConnectionsPerAddress: 1, logger: logs.logger });
    const kafka = await KafkaWireClient.connect(b.kafkaPort);
    expect((await kafka.request(ApiVersions, 2, {})).errorCode).toBe(0);

    // The address already has its one connection (on the Kafka port): the native port refuses it too, and
    // says why in the answer to its first request; the Kafka port just closes (Kafka has no word for it).
    const native = await WireClient.connect(b.port);
    await expect(native.request(ApiVersionsApi, {})).rejects.toMatchObject({
      code: ErrorCode.CONNECTION_LIMIT_REACHED,
      message: '127.0.0.1 has 1 connections open (maxConnectionsPerAddress 1)',
    });
    await native.closed;
    expect(await closedByBroker(b.kafkaPort)).toEqual({ reply: '' });
    expect(
      logs.find(/^connection refused: 127.0.0.1 has 1 connections open \(maxConnectionsPerAddress 1\)/),
    ).toBeDefined();
    // The admitted connection is untouched.
    expect((await kafka.request(ApiVersions, 2, {})).errorCode).toBe(0);
    kafka.destroy();
  });

  it('closes a Kafka client that stops in the middle of a frame (the stall watchdog), logged as the Kafka listener', async () => {
    const logs = new LogCapture();
    b = await startKafkaBroker({ stallTimeoutMs: 300, logger: logs.logger });
    const stalled = await KafkaWireClient.connect(b.kafkaPort);
    const partial = Buffer.alloc(4 + 10);
    partial.writeInt32BE(100, 0);
    stalled.writeRaw(partial);
    await stalled.waitClosed();
    expect(stalled.frames).toHaveLength(0);
    expect(logs.find(/^client stalled in the middle of a frame/)).toMatchObject({
      listener: 'kafka',
      pendingBytes: 10,
    });

    const fine = await KafkaWireClient.connect(b.kafkaPort);
    expect((await fine.request(ApiVersions, 2, {})).errorCode).toBe(0);
    fine.destroy();
  });

  it('names an HTTP or TLS client on the Kafka port (an HTTP client gets a 400 saying what the port is)', async () => {
    const logs = new LogCapture();
    b = await startKafkaBroker({ logger: logs.logger });
    const { reply } = await closedByBroker(
      b.kafkaPort,
      Buffer.from('GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n'),
    );
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(reply).toContain("this port speaks only Kafka's binary protocol");
    const tls = await KafkaWireClient.connect(b.kafkaPort);
    tls.writeRaw(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]));
    await tls.waitClosed();

    expect(logs.find(/^an HTTP client connected to the Kafka port \(GET \/metrics\)/)).toMatchObject({
      listener: 'kafka',
      protocol: 'HTTP',
    });
    expect(String(logs.find(/^a TLS client connected to the Kafka port/)?.msg)).toContain(
      'without TLS; connect with security.protocol=PLAINTEXT',
    );
    const fine = await KafkaWireClient.connect(b.kafkaPort);
    expect((await fine.request(ApiVersions, 2, {})).errorCode).toBe(0);
    fine.destroy();
  });

  it('shows Kafka requests and connections in /metrics under listener="kafka"', async () => {
    h = await startHttpBroker({ kafkaPort: 0 });
    const c = await KafkaWireClient.connect(h.broker.kafkaPort!);
    await c.request(ApiVersions, 3, { clientSoftwareName: 'metrics', clientSoftwareVersion: '1' });
    await c.request(Metadata, 4, { topics: null, allowAutoTopicCreation: false });
    await c.request(Metadata, 4, { topics: null, allowAutoTopicCreation: false });

    const text = (await call(h, 'GET', '/metrics')).body as string;
    expect(sample(text, 'sluice_requests_total{listener="kafka",api="ApiVersions"}')).toBe(1);
    expect(sample(text, 'sluice_requests_total{listener="kafka",api="Metadata"}')).toBe(2);
    expect(sample(text, 'sluice_request_duration_seconds_count{listener="kafka",api="Metadata"}')).toBe(2);
    expect(sample(text, 'sluice_connections{listener="kafka"}')).toBe(1);
    c.destroy();
  });
});
