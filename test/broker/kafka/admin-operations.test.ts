// Kafka's IncrementalAlterConfigs (44), ElectLeaders (43) and Alter/ListPartitionReassignments (45/46) on a
// single broker's Kafka listener, with real clients where one has the method: @platformatic/kafka's
// incrementalAlterConfigs (v1, flexible), kafkajs's alterPartitionReassignments / listPartitionReassignments.
// No JavaScript client sends ElectLeaders and Debian's confluent-kafka-python (1.7.0) predates
// elect_leaders and incremental_alter_configs, so ElectLeaders goes through this project's own Kafka codec.
import { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElectLeaders } from '../../../src/protocol/kafka/index.js';
import { sdkClient } from '../../client/helpers.js';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { type KafkaTestBroker, startKafkaBroker } from './helpers.js';
import { KafkaWireClient } from './kafka-wire-client.js';

const kafkajs = (await import('kafkajs')).default;
let b: KafkaTestBroker;

beforeAll(async () => {
  b = await startKafkaBroker();
  const admin = sdkClient(b.port).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'conf', numPartitions: 2 }] });
  await admin.disconnect();
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

async function configsOf(topic: string, names: string[]): Promise<Record<string, string | null>> {
  const admin = sdkClient(b.port).admin();
  await admin.connect();
  try {
    const described = await admin.describeConfigs({
      resources: [{ type: 2, name: topic, configNames: names }],
      includeSynonyms: false,
    });
    return Object.fromEntries(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
  } finally {
    await admin.disconnect();
  }
}

describe('IncrementalAlterConfigs from @platformatic/kafka', () => {
  it('sets, appends to, subtracts from and deletes topic configs; keys not named keep their value', async () => {
    const admin = new Admin({ clientId: 'incr', bootstrapBrokers: [b.bootstrap] });
    try {
      await admin.incrementalAlterConfigs({
        resources: [
          {
            resourceType: 2,
            resourceName: 'conf',
            configs: [
              { name: 'retention.ms', configOperation: 0, value: '3600000' },
              { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
            ],
          },
        ],
      });
      expect(await configsOf('conf', ['retention.ms', 'cleanup.policy'])).toEqual({
        'retention.ms': '3600000',
        'cleanup.policy': 'compact,delete',
      });
      await admin.incrementalAlterConfigs({
        resources: [
          {
            resourceType: 2,
            resourceName: 'conf',
            configs: [{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }],
          },
        ],
      });
      expect(await configsOf('conf', ['retention.ms', 'cleanup.policy'])).toEqual({
        'retention.ms': '3600000',
        'cleanup.policy': 'compact',
      });
      await admin.incrementalAlterConfigs({
        resources: [{ resourceType: 2, resourceName: 'conf', configs: [{ name: 'retention.ms', configOperation: 1 }] }],
      });
      expect(await configsOf('conf', ['retention.ms'])).toEqual({ 'retention.ms': '604800000' });

      // Validation is AlterConfigs': a bad value, an APPEND to a key that is no list, an unknown key.
      for (const config of [
        { name: 'retention.ms', configOperation: 0 as const, value: 'soon' },
        { name: 'retention.ms', configOperation: 2 as const, value: '5' },
        { name: 'no.such.key', configOperation: 0 as const, value: '1' },
      ]) {
        const refused = await admin
          .incrementalAlterConfigs({ resources: [{ resourceType: 2, resourceName: 'conf', configs: [config] }] })
          .catch((e: unknown) => e);
        expect(JSON.stringify(refused, Object.getOwnPropertyNames(refused))).toMatch(/Configuration is invalid/);
      }
      expect(await configsOf('conf', ['retention.ms', 'cleanup.policy'])).toEqual({
        'retention.ms': '604800000',
        'cleanup.policy': 'compact',
      });
    } finally {
      await admin.close();
    }
  });
});

describe('partition reassignments from kafkajs', () => {
  it('lists none and refuses to move a partition off the only broker', async () => {
    const kafka = new kafkajs.Kafka({
      brokers: [b.bootstrap],
      logLevel: kafkajs.logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.listPartitionReassignments({})).toEqual({ topics: [] });
      const refused = await admin
        .alterPartitionReassignments({
          topics: [{ topic: 'conf', partitionAssignment: [{ partition: 0, replicas: [9] }] }],
        })
        .catch((e: unknown) => e);
      expect(JSON.stringify(refused, Object.getOwnPropertyNames(refused))).toMatch(/Replica assignment is invalid/);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('ElectLeaders on the Kafka wire', () => {
  it('answers ELECTION_NOT_NEEDED for partitions a single broker has, UNKNOWN_TOPIC_OR_PARTITION otherwise', async () => {
    const client = await KafkaWireClient.connect(b.kafkaPort);
    try {
      for (const version of [0, 1, 2]) {
        const answer = await client.request(ElectLeaders, version, {
          electionType: 0,
          topicPartitions: [{ topic: 'conf', partitions: [0, 1, 4] }],
          timeoutMs: 5000,
        });
        expect(answer.replicaElectionResults).toEqual([
          {
            topic: 'conf',
            partitionResult: [
              { partitionId: 0, errorCode: 84, errorMessage: expect.any(String) },
              { partitionId: 1, errorCode: 84, errorMessage: expect.any(String) },
              { partitionId: 4, errorCode: 3, errorMessage: expect.any(String) },
            ],
          },
        ]);
      }
    } finally {
      client.socket.destroy();
    }
  });
});
