// The Kafka listener at the byte level: version negotiation, unsupported APIs and versions, malformed and
// oversized frames (only that connection closes, nothing is stored), responses in request order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/index.js';
import {
  ApiVersions,
  encodeRequestFrame,
  Fetch,
  kafkaApi,
  Metadata,
  Produce,
  parseVersions,
} from '../../../src/protocol/kafka/index.js';
import { buildRecordBatchSync } from '../../../src/records/index.js';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { type KafkaTestBroker, startKafkaBroker } from './helpers.js';
import { KafkaWireClient } from './kafka-wire-client.js';

let b: KafkaTestBroker;
beforeAll(async () => {
  b = await startKafkaBroker({ maxFrameBytes: 1024 * 1024 });
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

const batch = (value: string) =>
  buildRecordBatchSync([{ key: null, value: Buffer.from(value), timestamp: Date.now() }]);

function produceBody(topic: string, records: Buffer, acks = -1) {
  return {
    transactionalId: null,
    acks,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  };
}

const fetchBody = (topic: string, fetchOffset: number, maxWaitMs: number) => ({
  maxWaitMs,
  minBytes: 1,
  maxBytes: 1024 * 1024,
  isolationLevel: 0,
  topics: [{ topic, partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1024 * 1024 }] }],
});

describe('Kafka listener: negotiation', () => {
  it('answers ApiVersions v0-v3 (v3 flexible, as librdkafka sends it) with the served ranges', async () => {
    const c = await KafkaWireClient.connect(b.kafkaPort);
    for (const version of [0, 1, 2, 3]) {
      const res = await c.request(ApiVersions, version, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
      expect(res.errorCode).toBe(0);
      const produce = res.apiKeys.find((k) => k.apiKey === 0);
      expect(produce).toEqual({ apiKey: 0, minVersion: 0, maxVersion: 7 });
      expect(res.apiKeys.find((k) => k.apiKey === 10)).toEqual({ apiKey: 10, minVersion: 0, maxVersion: 4 });
      // SASL (src/broker/security/auth/): SaslHandshake v0-1 and SaslAuthenticate v0-2.
      expect(res.apiKeys.find((k) => k.apiKey === 17)).toEqual({ apiKey: 17, minVersion: 0, maxVersion: 1 });
      expect(res.apiKeys.find((k) => k.apiKey === 36)).toEqual({ apiKey: 36, minVersion: 0, maxVersion: 2 });
    }
    c.destroy();
  });

  it('answers a newer ApiVersions than it serves in v0 with UNSUPPORTED_VERSION and the ranges (KIP-511)', async () => {
    const c = await KafkaWireClient.connect(b.kafkaPort);
    const correlationId = c.send(ApiVersions, 4, { clientSoftwareName: 'future', clientSoftwareVersion: '9' });
    const frame = await c.frame(0);
    expect(frame.readInt32BE(0)).toBe(correlationId);
    expect(frame.readInt16BE(4)).toBe(ErrorCode.UNSUPPORTED_VERSION);
    const count = frame.readInt32BE(6);
    const ranges = Array.from({ length: count }, (_, i) => ({
      apiKey: frame.readInt16BE(10 + i * 6),
      min: frame.readInt16BE(12 + i * 6),
      max: frame.readInt16BE(14 + i * 6),
    }));
    expect(ranges).toContainEqual({ apiKey: 18, min: 0, max: 3 });
    expect(frame.length).toBe(10 + count * 6);
    // The connection stays usable: the client retries at a version both sides have.
    expect((await c.request(ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' })).errorCode).toBe(
      0,
    );
    c.destroy();
  });

  it('answers an unknown API key and an unserved version UNSUPPORTED_VERSION and keeps the connection', async () => {
    const c = await KafkaWireClient.connect(b.kafkaPort);
    // API key 999, version 0: a header and nothing else.
    const unknown = Buffer.alloc(4 + 8 + 2);
    unknown.writeInt32BE(10, 0);
    unknown.writeInt16BE(999, 4);
    unknown.writeInt16BE(0, 6);
    unknown.writeInt32BE(77, 8);
    unknown.writeInt16BE(-1, 12); // null client id
    c.writeRaw(unknown);
    const frame = await c.frame(0);
    expect(frame.readInt32BE(0)).toBe(77);
    expect(frame.readInt16BE(4)).toBe(ErrorCode.UNSUPPORTED_VERSION);
    // Fetch v13 is defined (flexible, topics by id) but not served.
    const served = parseVersions(kafkaApi(1)!.served);
    expect(served.max).toBe(12);
    c.send(Fetch, 13, fetchBody('t', 0, 0));
    const fetchFrame = await c.frame(1);
    expect(fetchFrame.readInt16BE(4 + 1 + 4)).toBe(ErrorCode.UNSUPPORTED_VERSION); // corr, tags, throttle, error
    const meta = await c.request(Metadata, 4, { topics: null, allowAutoTopicCreation: false });
    expect(meta.brokers).toEqual([{ nodeId: 0, host: '127.0.0.1', port: b.kafkaPort, rack: null }]);
    c.destroy();
  });
});

describe('Kafka listener: internal topics in Metadata', () => {
  it('an all-topics request lists __consumer_offsets, marked internal; a request by name for others does not', async () => {
    const c = await KafkaWireClient.connect(b.kafkaPort);
    await c.request(Metadata, 4, { topics: [{ name: 'plain-topic' }], allowAutoTopicCreation: true });
    for (const version of [1, 4, 9]) {
      const all = await c.request(Metadata, version, { topics: null });
      const offsets = all.topics.find((t) => t.name === '__consumer_offsets');
      expect(offsets, `Metadata v${version}`).toMatchObject({ errorCode: 0, isInternal: true });
      expect(offsets!.partitions.length).toBeGreaterThan(0);
      expect(all.topics.find((t) => t.name === 'plain-topic')).toMatchObject({ isInternal: false });
    }
    const named = await c.request(Metadata, 4, { topics: [{ name: 'plain-topic' }], allowAutoTopicCreation: false });
    expect(named.topics.map((t) => t.name)).toEqual(['plain-topic']);
    c.destroy();
  });
});

describe('Kafka listener: bad input closes only that connection', () => {
  it('a truncated Produce body closes the connection and stores nothing; other connections go on', async () => {
    const good = await KafkaWireClient.connect(b.kafkaPort);
    const ok = await good.request(Produce, 7, produceBody('hostile', batch('kept')));
    expect(ok.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);

    const bad = await KafkaWireClient.connect(b.kafkaPort);
    const whole = Buffer.concat(
      encodeRequestFrame(Produce, 7, { correlationId: 5, clientId: 'x' }, produceBody('hostile', batch('lost'))),
    );
    const truncated = whole.subarray(0, whole.length - 10);
    truncated.writeInt32BE(truncated.length - 4, 0);
    bad.writeRaw(truncated);
    await bad.waitClosed();
    expect(bad.frames).toHaveLength(0);

    const fetched = await good.request(Fetch, 11, fetchBody('hostile', 0, 0));
    const partition = fetched.responses[0]!.partitions[0]!;
    expect(partition.highWatermark).toBe(1);
    good.destroy();
  });

  it('a frame size over maxFrameBytes, or negative, closes the connection before anything is allocated', async () => {
    for (const size of [64 * 1024 * 1024, -5]) {
      const c = await KafkaWireClient.connect(b.kafkaPort);
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(size, 0);
      c.writeRaw(prefix);
      await c.waitClosed();
    }
    const c = await KafkaWireClient.connect(b.kafkaPort);
    expect((await c.request(ApiVersions, 2, {})).errorCode).toBe(0);
    c.destroy();
  });

  it('a header too short to read closes the connection', async () => {
    const c = await KafkaWireClient.connect(b.kafkaPort);
    c.writeRaw(Buffer.from([0, 0, 0, 3, 0, 18, 0]));
    await c.waitClosed();
  });
});

describe('Kafka listener: ordering', () => {
  it('answers pipelined requests in request order (a long poll first), acks=0 produce with no answer', async () => {
    const c = await KafkaWireClient.connect(b.kafkaPort);
    await c.request(Produce, 7, produceBody('ordered', batch('0')));
    const poll = c.send(Fetch, 11, fetchBody('ordered', 1, 2000));
    const quiet = c.send(Produce, 7, produceBody('ordered', batch('1'), 0));
    const meta = c.send(Metadata, 1, { topics: [{ name: 'ordered' }] });
    const first = await c.frame(1);
    const second = await c.frame(2);
    // The fetch was woken by the acks=0 produce, then Metadata; the produce itself has no frame.
    expect(first.readInt32BE(0)).toBe(poll);
    expect(second.readInt32BE(0)).toBe(meta);
    expect(quiet).toBeLessThan(meta);
    expect(c.frames).toHaveLength(3);
    c.destroy();
  });
});
