// throttleTimeMs on every response of a request quotas count, on both wires: a client over its request_rate
// is told how long to wait by whatever API it calls (Kafka: every response carries throttle_time_ms), not
// only by Produce and Fetch. ApiVersions and the SASL exchange count against no quota and report none.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ALL_APIS, ApiKey, ErrorCode, MetadataApi } from '../../../../src/protocol/index.js';
import {
  AlterClientQuotas,
  ApiVersions,
  DescribeConfigs,
  DescribeGroups,
  FindCoordinator,
  Heartbeat,
  ListGroups,
  Metadata,
} from '../../../../src/protocol/kafka/index.js';
import { startBroker, type TestBroker } from '../../../helpers/broker.js';
import { removeTempDirs } from '../../../helpers/temp-dir.js';
import { EXAMPLES } from '../../../protocol/examples.js';
import { type KafkaTestBroker, startKafkaBroker } from '../../kafka/helpers.js';
import { KafkaWireClient } from '../../kafka/kafka-wire-client.js';

/**
 * Requests per second allowed: a burst of this many, then each request is throttled by about 1/RATE s
 * (the broker holds the connection's next request that long, so each starts with an empty bucket). A
 * request that itself takes longer than 1/RATE s (a loaded machine) refills the bucket: it is asked again.
 */
const RATE = 10;
const ATTEMPTS = 6;
/** Not counted by any quota (security/quotas/throttler.ts), so their responses have no throttleTimeMs. */
const EXEMPT: ReadonlySet<number> = new Set([ApiKey.SaslHandshake, ApiKey.ApiVersions, ApiKey.Authenticate]);
/** Broker-to-broker APIs (cluster mode only), not a client's. */
const BETWEEN_BROKERS: ReadonlySet<number> = new Set([
  ApiKey.ReplicaFetch,
  ApiKey.OffsetForLeaderEpoch,
  ApiKey.WriteTxnMarkers,
  ApiKey.WriteTxnOffsets,
  ApiKey.VerifyTxnWrite,
]);
/** Never answered (as a Produce with acks 0): counted by the quotas, the throttle reaches the client in the next answer. */
const UNANSWERED: ReadonlySet<number> = new Set([ApiKey.FetchPushCredit]);

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

describe('throttleTimeMs on every response', () => {
  it('native: every API a quota counts reports the throttle of a client over its request_rate', {
    timeout: 240_000,
  }, async () => {
    // No initial rebalance delay: the JoinGroup and SyncGroup examples then take far less than 1/RATE s.
    t = await startBroker({ groups: { initialRebalanceDelayMs: 0 } });
    const client = await t.client();
    // The wire client's client id is "test".
    const [altered] = await t.broker.core.quotas.store.alter(
      [{ entity: { clientId: 'test' }, ops: [{ key: 'request_rate', remove: false, value: RATE }] }],
      false,
    );
    expect(altered).toBeNull();
    const metadata = { topics: null, allowAutoTopicCreation: false, includeInternal: false };
    // Spend the burst: from here on every counted request leaves the bucket in debt.
    for (let i = 0; i <= RATE; i++) await client.request(MetadataApi, metadata);
    const counted = ALL_APIS.filter(
      (api) => !EXEMPT.has(api.key) && !BETWEEN_BROKERS.has(api.key) && !UNANSWERED.has(api.key),
    );
    const unthrottled: string[] = [];
    for (const api of counted) {
      expect(api.response.fields, api.name).toHaveProperty('throttleTimeMs');
      let throttleTimeMs = 0;
      for (let attempt = 0; attempt < ATTEMPTS && throttleTimeMs === 0; attempt++) {
        const response = await client.request(api, EXAMPLES[api.key]!.request as never);
        throttleTimeMs = (response as { throttleTimeMs: number }).throttleTimeMs;
      }
      if (!(throttleTimeMs > 0)) unthrottled.push(api.name);
    }
    expect(unthrottled).toEqual([]);
    for (const key of EXEMPT) {
      const api = ALL_APIS.find((a) => a.key === key)!;
      expect(api.response.fields, api.name).not.toHaveProperty('throttleTimeMs');
    }
  });

  it('Kafka: responses of every kind carry throttle_time_ms; ApiVersions is never throttled', {
    timeout: 120_000,
  }, async () => {
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
    const c = wire;
    for (let i = 0; i <= RATE; i++) await c.request(Metadata, 4, { topics: null, allowAutoTopicCreation: false });
    const requests: Record<string, () => Promise<{ throttleTimeMs: number }>> = {
      Metadata: () => c.request(Metadata, 9, { topics: null, allowAutoTopicCreation: false }),
      ListGroups: () => c.request(ListGroups, 2, {}),
      FindCoordinator: () => c.request(FindCoordinator, 2, { key: 'g', keyType: 0 }),
      DescribeGroups: () => c.request(DescribeGroups, 4, { groups: ['g'], includeAuthorizedOperations: false }),
      Heartbeat: () => c.request(Heartbeat, 4, { groupId: 'g', generationId: 1, memberId: 'm' }),
      DescribeConfigs: () =>
        c.request(DescribeConfigs, 2, {
          resources: [{ resourceType: 4, resourceName: '0', configurationKeys: null }],
        }),
    };
    const unthrottled: string[] = [];
    for (const [name, request] of Object.entries(requests)) {
      let throttleTimeMs = 0;
      for (let attempt = 0; attempt < ATTEMPTS && throttleTimeMs === 0; attempt++)
        throttleTimeMs = (await request()).throttleTimeMs;
      if (!(throttleTimeMs > 0)) unthrottled.push(name);
    }
    expect(unthrottled).toEqual([]);
    expect((await c.request(ApiVersions, 3, {})).throttleTimeMs).toBe(0);
  });
});
