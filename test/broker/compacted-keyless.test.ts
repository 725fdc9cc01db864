// A compacted topic keeps records by key: a produce holding a record without a key is refused with
// INVALID_RECORD and stores nothing (Kafka's rule), on both doors, compressed or not; keyed records and other
// topics are unaffected.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { CompressionTypes } from '../../src/client/index.js';
import { sdkClient } from '../client/helpers.js';
import { createTopic, readAll, startBroker } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

afterAll(removeTempDirs);

describe('keyless records on a compacted topic', () => {
  it('are refused at produce with INVALID_RECORD, through the SDK and kafkajs; keyed ones are stored', async () => {
    const tb = await startBroker({ kafkaPort: 0 });
    try {
      const wire = await tb.client();
      expect((await createTopic(wire, 'table', 1, { 'cleanup.policy': 'compact' })).errorCode).toBe(0);
      expect((await createTopic(wire, 'plain', 1)).errorCode).toBe(0);
      const producer = sdkClient(tb.port).producer();
      await producer.connect();
      const refused = await producer
        .send({ topic: 'table', messages: [{ key: 'k', value: 'kept' }, { value: 'no key' }] })
        .then(
          () => null,
          (e: { type?: string; message: string }) => e,
        );
      expect(refused?.type).toBe('INVALID_RECORD');
      expect(refused?.message).toMatch(/record 1: its key is null/);
      const gzipped = await producer
        .send({ topic: 'table', compression: CompressionTypes.GZIP, messages: [{ value: 'no key, compressed' }] })
        .then(
          () => null,
          (e: { type?: string; message: string }) => e,
        );
      expect(gzipped?.type).toBe('INVALID_RECORD');
      expect(gzipped?.message).toMatch(/record 0: its key is null/);
      await producer.send({ topic: 'table', messages: [{ key: 'k', value: 'kept' }] });
      await producer.send({ topic: 'plain', messages: [{ value: 'no key is fine here' }] });
      await producer.disconnect();

      const kafka = new Kafka({
        brokers: [`127.0.0.1:${tb.broker.kafkaPort}`],
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
      });
      const kp = kafka.producer();
      await kp.connect();
      const kafkaRefused = await kp.send({ topic: 'table', messages: [{ value: 'no key' }] }).then(
        () => null,
        (e: { type?: string }) => e,
      );
      await kp.disconnect();
      expect(kafkaRefused?.type).toBe('INVALID_RECORD');
      expect((await readAll(wire, 'table', 0)).length).toBe(1);
    } finally {
      await tb.stop();
    }
  });
});
