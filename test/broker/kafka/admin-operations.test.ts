// Kafka's IncrementalAlterConfigs (44), ElectLeaders (43) and Alter/ListPartitionReassignments (45/46) on a
// single broker's Kafka listener, with real clients where one has the method: @platformatic/kafka's
// incrementalAlterConfigs (v1, flexible), kafkajs's alterPartitionReassignments / listPartitionReassignments.
// No JavaScript client sends ElectLeaders and Debian's confluent-kafka-python (1.7.0) predates
// elect_leaders and incremental_alter_configs, so ElectLeaders goes through this project's own Kafka codec.
import { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlterConfigs,
  CreateTopics,
  ElectLeaders,
  IncrementalAlterConfigs,
} from '../../../src/protocol/kafka/index.js';
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

describe('AlterConfigs (33) from kafkajs replaces the overrides; IncrementalAlterConfigs (44) does not', () => {
  it('resets every key the legacy call does not name; the incremental call and the native door change only theirs', async () => {
    const kafka = new kafkajs.Kafka({ brokers: [b.bootstrap], logLevel: kafkajs.logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const incremental = new Admin({ clientId: 'incr', bootstrapBrokers: [b.bootstrap] });
    const native = sdkClient(b.port).admin();
    await native.connect();
    const keys = ['retention.ms', 'retention.bytes', 'segment.ms'];
    try {
      await admin.createTopics({
        topics: [
          {
            topic: 'acx',
            configEntries: [
              { name: 'retention.ms', value: '1000000' },
              { name: 'retention.bytes', value: '5000000' },
            ],
          },
        ],
      });
      const defaults = await configsOf('conf', ['retention.bytes', 'segment.ms']);
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: kafkajs.ConfigResourceTypes.TOPIC,
            name: 'acx',
            configEntries: [{ name: 'retention.ms', value: '2000000' }],
          },
        ],
      });
      expect(await configsOf('acx', keys)).toEqual({ 'retention.ms': '2000000', ...defaults });

      await incremental.incrementalAlterConfigs({
        resources: [
          {
            resourceType: 2,
            resourceName: 'acx',
            configs: [{ name: 'retention.bytes', configOperation: 0, value: '7000000' }],
          },
        ],
      });
      expect(await configsOf('acx', keys)).toEqual({
        'retention.ms': '2000000',
        'retention.bytes': '7000000',
        'segment.ms': defaults['segment.ms'],
      });

      // The native protocol's AlterConfigs is incremental, as documented (src/protocol/README.md).
      await native.alterConfigs({
        resources: [{ type: 2, name: 'acx', configEntries: [{ name: 'segment.ms', value: '60000' }] }],
      });
      expect(await configsOf('acx', keys)).toEqual({
        'retention.ms': '2000000',
        'retention.bytes': '7000000',
        'segment.ms': '60000',
      });
    } finally {
      await native.disconnect();
      await incremental.close();
      await admin.disconnect();
    }
  });
});

describe('the native pseudo-config "partitions" on the Kafka wire', () => {
  it('is refused INVALID_CONFIG by CreateTopics, AlterConfigs and IncrementalAlterConfigs, pointing to CreatePartitions; the native door still grows a topic with it', async () => {
    const client = await KafkaWireClient.connect(b.kafkaPort);
    const native = sdkClient(b.port).admin();
    await native.connect();
    try {
      const created = await client.request(CreateTopics, 5, {
        topics: [
          {
            name: 'sized-by-config',
            numPartitions: -1,
            replicationFactor: -1,
            assignments: [],
            configs: [{ name: 'partitions', value: '4' }],
          },
          { name: 'plain', numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] },
        ],
        timeoutMs: 5000,
        validateOnly: false,
      });
      expect(created.topics.map((t) => [t.name, t.errorCode, t.errorMessage])).toEqual([
        ['sized-by-config', 40, expect.stringMatching(/"partitions" is not a Kafka topic config.*CreatePartitions/)],
        ['plain', 0, null],
      ]);
      expect(await native.listTopics()).not.toContain('sized-by-config');

      const altered = await client.request(AlterConfigs, 1, {
        resources: [
          {
            resourceType: 2,
            resourceName: 'conf',
            configs: [
              { name: 'partitions', value: '5' },
              { name: 'retention.ms', value: '1000' },
            ],
          },
        ],
        validateOnly: false,
      });
      expect(altered.responses).toEqual([
        expect.objectContaining({
          errorCode: 40,
          errorMessage: expect.stringMatching(/"partitions" is not a Kafka topic config.*CreatePartitions/),
        }),
      ]);
      const incremental = await client.request(IncrementalAlterConfigs, 1, {
        resources: [
          { resourceType: 2, resourceName: 'conf', configs: [{ name: 'partitions', configOperation: 0, value: '5' }] },
        ],
        validateOnly: false,
      });
      expect(incremental.responses).toEqual([
        expect.objectContaining({ errorCode: 40, errorMessage: expect.stringMatching(/CreatePartitions/) }),
      ]);
      // Neither refused call changed the topic: still 2 partitions, retention.ms untouched.
      expect(await configsOf('conf', ['partitions', 'retention.ms'])).toEqual({
        partitions: '2',
        'retention.ms': '604800000',
      });

      // `sluice topics alter --config partitions=N` relies on the native door's pseudo-config.
      await native.createTopics({ topics: [{ topic: 'grown-natively', numPartitions: 1 }] });
      await native.alterConfigs({
        resources: [{ type: 2, name: 'grown-natively', configEntries: [{ name: 'partitions', value: '3' }] }],
      });
      expect(await configsOf('grown-natively', ['partitions'])).toEqual({ partitions: '3' });
    } finally {
      await native.disconnect();
      client.socket.destroy();
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
