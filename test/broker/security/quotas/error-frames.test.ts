// Requests answered with an error frame instead of their response (an unsupported version, a body that
// does not decode) count against the sender's request_rate like any other, on both wires: a client
// looping on a failing request is slowed to its quota, not served as fast as it can send.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ApiKey, MetadataApi } from '../../../../src/protocol/index.js';
import { AlterClientQuotas } from '../../../../src/protocol/kafka/index.js';
import { ErrorCode } from '../../../../src/protocol/index.js';
import { startBroker, type TestBroker } from '../../../helpers/broker.js';
import { removeTempDirs } from '../../../helpers/temp-dir.js';
import { type KafkaTestBroker, startKafkaBroker } from '../../kafka/helpers.js';
import { KafkaWireClient } from '../../kafka/kafka-wire-client.js';

/** Requests per second allowed; a burst of one second's worth is free. */
const RATE = 5;
/** Failing requests sent one after the other. */
const REQUESTS = 15;
/**
 * The least time they can take within the quota: the burst, then RATE per second; the last one's throttle
 * holds only the request after it. Slower machines only make it longer.
 */
const LEAST_MS = ((REQUESTS - RATE - 1) / RATE) * 1000 * 0.9;

let t: TestBroker | undefined;
let k: KafkaTestBroker | undefined;
let wire: KafkaWireClient | undefined;

afterEach(async () => {
  wire?.destroy();
  wire = undefined;
  await t?.stop();
  await k?.stop();
  t = undefined;
  k = undefined;
});
afterAll(removeTempDirs);

describe('error frames count against quotas', () => {
  it('native: unsupported versions and undecodable bodies are held to the request_rate', async () => {
    t = await startBroker();
    const client = await t.client();
    // The wire client's client id is "test".
    const [altered] = await t.broker.core.quotas.store.alter(
      [{ entity: { clientId: 'test' }, ops: [{ key: 'request_rate', remove: false, value: RATE }] }],
      false,
    );
    expect(altered).toBeNull();
    const started = performance.now();
    for (let i = 0; i < REQUESTS; i++) {
      const response =
        i % 2 === 0
          ? await client.send(ApiKey.Metadata, 9999, {})
          : await client.send(ApiKey.Metadata, MetadataApi.maxVersion, 'not a metadata request');
      expect(response.error?.code).toBe(i % 2 === 0 ? ErrorCode.UNSUPPORTED_VERSION : ErrorCode.INVALID_REQUEST);
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(LEAST_MS);
  });

  it('Kafka: requests of an unsupported version are held to the request_rate', async () => {
    k = await startKafkaBroker();
    wire = await KafkaWireClient.connect(k.kafkaPort);
    const altered = await wire.request(AlterClientQuotas, 1, {
      entries: [
        {
          entity: [{ entityType: 'client-id', entityName: 'wire-test' }],
          ops: [{ key: 'request_rate', value: RATE, remove: false }],
        },
      ],
      validateOnly: false,
    });
    expect(altered.entries[0]!.errorCode).toBe(ErrorCode.NONE);
    const clientId = Buffer.from('wire-test');
    const started = performance.now();
    let frames = 1;
    for (let i = 0; i < REQUESTS; i++) {
      // Request header v2 (Metadata is flexible from v9): api key, version, correlation id, client id, no
      // tagged fields; Metadata v99 exists nowhere.
      const header = Buffer.alloc(11 + clientId.length);
      header.writeInt16BE(3, 0);
      header.writeInt16BE(99, 2);
      header.writeInt32BE(1000 + i, 4);
      header.writeInt16BE(clientId.length, 8);
      clientId.copy(header, 10);
      const size = Buffer.alloc(4);
      size.writeInt32BE(header.length);
      wire.writeRaw(Buffer.concat([size, header]));
      const frame = await wire.frame(frames++, 30_000);
      expect(frame.readInt32BE(0)).toBe(1000 + i);
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(LEAST_MS);
  });
});
