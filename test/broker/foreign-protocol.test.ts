// A client speaking another protocol on the native port (a Kafka client, curl, a TLS client) is named in
// the broker's log with where it should go, an HTTP client gets a readable 400, and the broker keeps
// serving native clients.
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identifyForeignProtocol } from '../../src/broker/transport/foreign-protocol.js';
import { ApiVersionsApi } from '../../src/protocol/index.js';
import { LogCapture, startBroker, type TestBroker } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';

const kafkajs = createRequire(import.meta.url)('kafkajs') as any;

let t: TestBroker;
let logs: LogCapture;
beforeAll(async () => {
  logs = new LogCapture();
  t = await startBroker({ logger: logs.logger });
});
afterAll(async () => {
  await t.stop();
  await removeTempDirs();
});

/** Sends `bytes` on a raw socket; resolves with what the broker wrote back before closing. */
function exchange(bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(t.port, '127.0.0.1', () => socket.write(bytes));
    const got: Buffer[] = [];
    socket.on('data', (d: Buffer) => got.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(got).toString('utf8')));
  });
}

function logLine(protocol: string): Promise<Record<string, unknown>> {
  return waitFor(() => logs.lines.find((l) => l.protocol === protocol), { message: `a log line for ${protocol}` });
}

/** A Kafka request header as Kafka clients send it: size, apiKey, apiVersion, correlationId, clientId. */
function kafkaRequest(apiKey: number, apiVersion: number): Buffer {
  const clientId = Buffer.from('rdkafka');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 1);
  body.writeInt16BE(apiKey, 0);
  body.writeInt16BE(apiVersion, 2);
  body.writeInt32BE(1, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

describe('identifyForeignProtocol', () => {
  it('names HTTP, TLS and Kafka from their first bytes, and never a native frame', () => {
    expect(identifyForeignProtocol(Buffer.from('GET /metrics HTTP/1.1\r\n'))).toEqual({
      protocol: 'HTTP',
      seen: 'GET /metrics',
    });
    expect(identifyForeignProtocol(Buffer.from('PRI * HTTP/2.0\r\n'))?.protocol).toBe('HTTP');
    expect(identifyForeignProtocol(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc]))?.protocol).toBe(
      'TLS',
    );
    expect(identifyForeignProtocol(kafkaRequest(18, 3))).toEqual({ protocol: 'Kafka', seen: 'ApiVersions v3' });
    expect(identifyForeignProtocol(kafkaRequest(3, 12))).toEqual({ protocol: 'Kafka', seen: 'Metadata v12' });
    // The protocol README's ApiVersions example frame, and garbage.
    const frame = Buffer.from([0, 0, 0, 0x3b, 0, 0, 0, 0x37, 0x85, 0xa6]);
    expect(identifyForeignProtocol(frame)).toBeNull();
    expect(identifyForeignProtocol(Buffer.from([0, 0, 0, 20, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBeNull();
  });
});

describe('the native port meets other protocols', () => {
  it('an HTTP client gets a 400 saying what this port is, and the log names it', async () => {
    const reply = await exchange(Buffer.from('GET /topics HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(reply).toContain(`port ${t.port} speaks only Sluice's native protocol`);
    const line = await logLine('HTTP');
    expect(line.seen).toBe('GET /topics');
    expect(String(line.msg)).toMatch(/an HTTP client connected to the native port/);
  });

  it('a real Kafka client (kafkajs) is named with the request it sent, and told there is no Kafka listener yet', async () => {
    const kafka = new kafkajs.Kafka({
      clientId: 'kafka-client',
      brokers: [`127.0.0.1:${t.port}`],
      retry: { retries: 0 },
      connectionTimeout: 1000,
      logLevel: kafkajs.logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await expect(admin.connect()).rejects.toThrow();
    const line = await logLine('Kafka');
    expect(String(line.seen)).toMatch(/^ApiVersions v\d+$/);
    expect(String(line.msg)).toMatch(
      /a Kafka-protocol client connected to the native port \(it sent ApiVersions v\d+\): port \d+ speaks only Sluice's native protocol .*; this broker has no Kafka listener yet/,
    );
  });

  it('a Kafka client on the native port of a broker with a Kafka listener is told that port', async () => {
    const kafkaLogs = new LogCapture();
    const b = await startBroker({ kafkaPort: 0, logger: kafkaLogs.logger });
    try {
      const socket = connect(b.port, '127.0.0.1', () => socket.write(kafkaRequest(18, 3)));
      socket.on('error', () => {});
      const line = await waitFor(() => kafkaLogs.lines.find((l) => l.protocol === 'Kafka'), {
        message: 'a log line for Kafka',
      });
      expect(String(line.msg)).toContain(
        `port ${b.port} speaks only Sluice's native protocol (the Sluice SDK and CLI); point Kafka clients at port ${b.broker.kafkaPort}, the Kafka listener`,
      );
      socket.destroy();
    } finally {
      await b.stop();
    }
  });

  it('a TLS client is named too, answered a plaintext line (its handshake fails on it), and native clients are still served', async () => {
    const reply = await exchange(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]));
    expect(reply).toBe(
      `a TLS client connected to the native port (a TLS handshake): port ${t.port} speaks only Sluice's native protocol (the Sluice SDK and CLI), without TLS; this broker has no TLS listener (--tls-port)\n`,
    );
    expect((await logLine('TLS')).seen).toBe('a TLS handshake');
    const c = await WireClient.connect(t.port);
    expect((await c.request(ApiVersionsApi, {})).errorCode).toBe(0);
    c.destroy();
  });
});
