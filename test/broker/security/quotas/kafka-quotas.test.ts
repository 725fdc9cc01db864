// Client quotas on the Kafka wire: DescribeClientQuotas / AlterClientQuotas as Kafka's Admin sends them
// (v0 and flexible v1), their ACLs (Alter and DescribeConfigs on the cluster), and kafkajs 2.2.4 seeing the
// throttle time of a produce over quota (it then holds its own requests: "Client side throttling").
import { createRequire } from 'node:module';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../src/protocol/index.js';
import { AlterClientQuotas, DescribeClientQuotas, Metadata } from '../../../../src/protocol/kafka/index.js';
import { removeTempDirs } from '../../../helpers/temp-dir.js';
import { type KafkaTestBroker, startKafkaBroker } from '../../kafka/helpers.js';
import { KafkaWireClient } from '../../kafka/kafka-wire-client.js';

const kafkajs = createRequire(import.meta.url)('kafkajs') as any;

let b: KafkaTestBroker;
let wire: KafkaWireClient | undefined;

afterEach(async () => {
  wire?.destroy();
  await b?.stop();
});
afterAll(removeTempDirs);

const alterOne = (entityName: string | null, key: string, value: number, remove = false) => ({
  entries: [{ entity: [{ entityType: 'user', entityName }], ops: [{ key, value, remove }] }],
  validateOnly: false,
});

describe('client quotas on the Kafka wire', () => {
  for (const version of [0, 1]) {
    it(`AlterClientQuotas then DescribeClientQuotas v${version}: set, list by match type, remove`, async () => {
      b = await startKafkaBroker();
      wire = await KafkaWireClient.connect(b.kafkaPort);
      const altered = await wire.request(AlterClientQuotas, version, {
        entries: [
          {
            entity: [{ entityType: 'user', entityName: 'alice' }],
            ops: [{ key: 'producer_byte_rate', value: 1048576, remove: false }],
          },
          {
            entity: [{ entityType: 'user', entityName: null }],
            ops: [{ key: 'request_rate', value: 100, remove: false }],
          },
          {
            entity: [{ entityType: 'ip', entityName: '10.0.0.1' }],
            ops: [{ key: 'request_rate', value: 1, remove: false }],
          },
          {
            entity: [{ entityType: 'user', entityName: 'bob' }],
            ops: [{ key: 'producer_byte_rate', value: 0.5, remove: false }],
          },
        ],
        validateOnly: false,
      });
      expect(altered.entries.map((e) => e.errorCode)).toEqual([
        ErrorCode.NONE,
        ErrorCode.NONE,
        ErrorCode.INVALID_REQUEST,
        ErrorCode.INVALID_REQUEST,
      ]);
      expect(altered.entries[2]!.errorMessage).toMatch(/unknown quota entity type "ip"/);
      expect(altered.entries[3]!.errorMessage).toMatch(/whole number/);

      const exact = await wire.request(DescribeClientQuotas, version, {
        components: [{ entityType: 'user', matchType: 0, match: 'alice' }],
        strict: false,
      });
      expect(exact.errorCode).toBe(ErrorCode.NONE);
      expect(exact.entries).toEqual([
        {
          entity: [{ entityType: 'user', entityName: 'alice' }],
          values: [{ key: 'producer_byte_rate', value: 1048576 }],
        },
      ]);
      const defaults = await wire.request(DescribeClientQuotas, version, {
        components: [{ entityType: 'user', matchType: 1, match: null }],
        strict: true,
      });
      expect(defaults.entries).toEqual([
        { entity: [{ entityType: 'user', entityName: null }], values: [{ key: 'request_rate', value: 100 }] },
      ]);
      expect(
        (await wire.request(AlterClientQuotas, version, alterOne('alice', 'producer_byte_rate', 0, true))).entries[0]!
          .errorCode,
      ).toBe(ErrorCode.NONE);
      const all = await wire.request(DescribeClientQuotas, version, { components: [], strict: false });
      expect(all.entries?.map((e) => e.entity)).toEqual([[{ entityType: 'user', entityName: null }]]);
    });
  }

  it('needs Alter on the cluster to alter and DescribeConfigs to describe, with authorization on', async () => {
    b = await startKafkaBroker({ security: { authorization: true } });
    wire = await KafkaWireClient.connect(b.kafkaPort);
    const refusedAlter = await wire.request(AlterClientQuotas, 1, alterOne('alice', 'request_rate', 5));
    expect(refusedAlter.entries[0]!.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const refusedDescribe = await wire.request(DescribeClientQuotas, 1, { components: [], strict: false });
    expect(refusedDescribe.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const grant = (operation: 'Alter' | 'DescribeConfigs') => ({
      principal: 'User:ANONYMOUS',
      host: '*',
      resourceType: 'cluster' as const,
      resourceName: 'kafka-cluster',
      patternType: 'literal' as const,
      operation,
      permission: 'allow' as const,
    });
    await b.broker.core.authorizer.create([grant('Alter'), grant('DescribeConfigs')]);
    expect((await wire.request(AlterClientQuotas, 1, alterOne('alice', 'request_rate', 5))).entries[0]!.errorCode).toBe(
      ErrorCode.NONE,
    );
    const described = await wire.request(DescribeClientQuotas, 1, { components: [], strict: false });
    expect(described.errorCode).toBe(ErrorCode.NONE);
    expect(described.entries).toHaveLength(1);
  });

  it('kafkajs sees the throttle time of a produce over quota and throttles itself', async () => {
    process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
    b = await startKafkaBroker();
    await b.broker.core.quotas.store.alter(
      [
        {
          entity: { clientId: 'throttled-app' },
          ops: [{ key: 'producer_byte_rate', remove: false, value: 32 * 1024 }],
        },
      ],
      false,
    );
    const logs: string[] = [];
    const kafka = new kafkajs.Kafka({
      clientId: 'throttled-app',
      brokers: [b.bootstrap],
      logLevel: kafkajs.logLevel.DEBUG,
      logCreator: () => (entry: any) => logs.push(String(entry.log.message)),
    });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    const value = 'z'.repeat(16 * 1024);
    for (let i = 0; i < 4; i++) await producer.send({ topic: 'kq', messages: [{ value }, { value }] });
    await producer.disconnect();
    expect(logs.some((m) => /Client side throttling in effect for \d+ms/.test(m))).toBe(true);
  });

  it('request_percentage: a client whose requests take more than its share of a thread is throttled, not disconnected', async () => {
    b = await startKafkaBroker();
    wire = await KafkaWireClient.connect(b.kafkaPort);
    // 1 % of one thread: 10 ms of every second, less than a few hundred Metadata requests take.
    const altered = await wire.request(AlterClientQuotas, 1, {
      entries: [
        {
          entity: [{ entityType: 'client-id', entityName: 'wire-test' }],
          ops: [{ key: 'request_percentage', value: 1, remove: false }],
        },
      ],
      validateOnly: false,
    });
    expect(altered.entries[0]!.errorCode).toBe(ErrorCode.NONE);
    const described = await wire.request(DescribeClientQuotas, 1, { components: [], strict: false });
    expect(described.entries![0]!.values).toEqual([{ key: 'request_percentage', value: 1 }]);
    let throttleTimeMs = 0;
    // Twenty connections of the same client id ask five requests each at once: the time their requests take
    // together outruns the bucket's refill during one round trip, however fast a warmed-up broker answers one
    // of them and however slowly a busy machine makes the round trip (the refill: 0.2 ms per 20 ms).
    const others = await Promise.all(Array.from({ length: 19 }, () => KafkaWireClient.connect(b.kafkaPort)));
    try {
      for (let round = 0; round < 500 && throttleTimeMs === 0; round++) {
        const answers = await Promise.all(
          [wire, ...others].map((c) => c.pipeline(Metadata, 4, { topics: null, allowAutoTopicCreation: false }, 5)),
        );
        throttleTimeMs = Math.max(...answers.flat().map((a) => a.throttleTimeMs));
      }
    } finally {
      for (const c of others) c.destroy();
    }
    expect(throttleTimeMs).toBeGreaterThan(0);
    // Still connected: the next request is answered (after the throttle).
    const after = await wire.request(Metadata, 4, { topics: null, allowAutoTopicCreation: false });
    expect(after.brokers).toHaveLength(1);
  });
});
