// Cluster-wide topic changes with a real etcd and three in-process brokers: a topic created, altered, grown
// and deleted through any one broker (the SDK admin on the native wire, or Kafka's wire) takes effect on
// every broker; a broker that was down while its topic was deleted, or deleted and created again, drops its
// stale copy when it returns instead of serving it or replicating from it.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/index.js';
import { ConfigResourceTypes } from '../../src/client/index.js';
import { DescribeConfigsApi, ErrorCode, MetadataApi } from '../../src/protocol/index.js';
import {
  AlterConfigs as KafkaAlterConfigs,
  CreateTopics as KafkaCreateTopics,
  DeleteTopics as KafkaDeleteTopics,
} from '../../src/protocol/kafka/index.js';
import { KafkaWireClient } from '../broker/kafka/kafka-wire-client.js';
import { sdkClient } from '../client/helpers.js';
import { batchOf, produce, readAll, values } from '../helpers/broker.js';
import { type EtcdProcess, startEtcd } from '../helpers/etcd.js';
import { logFileBytes } from '../helpers/log-files.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';

let etcd: EtcdProcess;
const brokers = new Map<number, Broker>();
const dataDirs = new Map<number, string>();
const IDS = [1, 2, 3];

async function startMember(id: number): Promise<void> {
  const dataDir = dataDirs.get(id) ?? (await tempDir(`sluice-topics-${id}-`));
  dataDirs.set(id, dataDir);
  const broker = new Broker({
    dataDir,
    port: 0,
    kafkaPort: 0,
    nodeId: id,
    shutdownTimeoutMs: 2000,
    cluster: { etcd: etcd.url, name: 'topics', sessionTimeoutMs: 2000 },
  });
  await broker.start();
  brokers.set(id, broker);
}

async function stopMember(id: number): Promise<void> {
  const broker = brokers.get(id)!;
  brokers.delete(id);
  await broker.stop();
}

const member = (id: number) => brokers.get(id)!;

async function onWire<T>(id: number, call: (client: WireClient) => Promise<T>): Promise<T> {
  const client = await WireClient.connect(member(id).port);
  try {
    return await call(client);
  } finally {
    client.destroy();
  }
}

async function onKafkaWire<T>(id: number, call: (client: KafkaWireClient) => Promise<T>): Promise<T> {
  const client = await KafkaWireClient.connect(member(id).kafkaPort!);
  try {
    return await call(client);
  } finally {
    client.destroy();
  }
}

/** The topic as broker `id` lists it on Metadata (its local registry and the cluster's partition states). */
async function topicOn(id: number, topic: string) {
  const m = await onWire(id, (c) => c.request(MetadataApi, { topics: null, allowAutoTopicCreation: false }));
  return m.topics.find((t) => t.name === topic);
}

/** The topic's config overrides as broker `id` describes them (read from its local registry). */
async function overridesOn(id: number, topic: string): Promise<Record<string, string>> {
  const answer = await onWire(id, (c) =>
    c.request(DescribeConfigsApi, { resources: [{ type: 'topic', name: topic, configNames: null }] }),
  );
  const resource = answer.resources[0]!;
  if (resource.errorCode !== ErrorCode.NONE) return {};
  return Object.fromEntries(resource.configs.filter((c) => c.source === 'topic').map((c) => [c.name, c.value ?? '']));
}

async function onEveryBroker(what: string, check: (id: number) => Promise<boolean>): Promise<void> {
  for (const id of brokers.keys())
    await waitFor(() => check(id), { timeoutMs: 30_000, intervalMs: 100, message: `${what} on broker ${id}` });
}

async function partitionDirs(id: number, topic: string): Promise<string[]> {
  return (await readdir(dataDirs.get(id)!)).filter((d) => d.startsWith(`${topic}-`));
}

/** The bytes of broker `id`'s .log files of partition 0 of `topic` (0 when it has none). */
async function logBytesOn(id: number, topic: string): Promise<number> {
  return logFileBytes(join(dataDirs.get(id)!, `${topic}-0`));
}

async function leaderOf(topic: string, partition: number): Promise<number> {
  return waitFor(
    async () => {
      const leader = (await topicOn(1, topic))?.partitions[partition]?.leader ?? -1;
      return leader > 0 ? leader : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, message: `a leader for ${topic}-${partition}` },
  );
}

beforeAll(async () => {
  etcd = await startEtcd();
  await Promise.all(IDS.map((id) => startMember(id)));
  await waitFor(
    async () =>
      (await onWire(1, (c) => c.request(MetadataApi, { topics: null, allowAutoTopicCreation: false }))).brokers
        .length === 3,
    {
      timeoutMs: 60_000,
      message: 'three brokers',
    },
  );
}, 120_000);

afterAll(async () => {
  await Promise.all([...brokers.keys()].map((id) => stopMember(id)));
  await etcd?.stop();
  await removeTempDirs();
});

describe('cluster-wide topic changes', () => {
  it('created through one broker, altered through another, grown and read back on every broker', async () => {
    const admin = sdkClient(member(1).port).admin();
    await admin.connect();
    try {
      expect(
        await admin.createTopics({
          topics: [{ topic: 'orders', numPartitions: 2, replicationFactor: 3, configEntries: [] }],
        }),
      ).toBe(true);
      await onEveryBroker('orders with 3 replicas per partition', async (id) => {
        const t = await topicOn(id, 'orders');
        return t?.partitions.length === 2 && t.partitions.every((p) => p.replicas.length === 3 && p.leader > 0);
      });

      const other = sdkClient(member(2).port).admin();
      await other.connect();
      await other.alterConfigs({
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: 'orders',
            configEntries: [
              { name: 'retention.ms', value: '3600000' },
              { name: 'segment.ms', value: '600000' },
            ],
          },
        ],
      });
      await onEveryBroker('retention.ms and segment.ms altered', async (id) => {
        const overrides = await overridesOn(id, 'orders');
        return overrides['retention.ms'] === '3600000' && overrides['segment.ms'] === '600000';
      });

      await other.createPartitions({ topicPartitions: [{ topic: 'orders', count: 3 }] });
      await other.disconnect();
      await onEveryBroker('a third partition with a leader', async (id) => {
        const t = await topicOn(id, 'orders');
        return t?.partitions.length === 3 && t.partitions.every((p) => p.leader > 0);
      });
    } finally {
      await admin.disconnect();
    }

    // Kafka's AlterConfigs on a third broker: its configs replace the overrides, everywhere (segment.ms, not
    // named, goes back to its default as well as retention.ms, named without a value).
    const altered = await onKafkaWire(3, (c) =>
      c.request(KafkaAlterConfigs, 1, {
        resources: [
          {
            resourceType: 2,
            resourceName: 'orders',
            configs: [
              { name: 'retention.ms', value: null },
              { name: 'max.message.bytes', value: '65536' },
            ],
          },
        ],
        validateOnly: false,
      }),
    );
    expect(altered.responses[0]!.errorCode).toBe(ErrorCode.NONE);
    await onEveryBroker('the Kafka-wire change', async (id) => {
      const overrides = await overridesOn(id, 'orders');
      return (
        overrides['max.message.bytes'] === '65536' &&
        overrides['retention.ms'] === undefined &&
        overrides['segment.ms'] === undefined
      );
    });
  }, 180_000);

  it('a bad config is refused on the broker asked and changes nothing anywhere', async () => {
    const admin = sdkClient(member(3).port, { retries: 0 }).admin();
    await admin.connect();
    try {
      await expect(
        admin.alterConfigs({
          resources: [
            {
              type: ConfigResourceTypes.TOPIC,
              name: 'orders',
              configEntries: [{ name: 'retention.ms', value: 'soon' }],
            },
          ],
        }),
      ).rejects.toThrow(/retention\.ms/);
    } finally {
      await admin.disconnect();
    }
    for (const id of IDS) expect((await overridesOn(id, 'orders'))['retention.ms']).toBeUndefined();
  }, 60_000);

  it("deleted through Kafka's DeleteTopics on one broker: gone from every broker and its files; the name can be used again", async () => {
    const leader = await leaderOf('orders', 0);
    expect((await onWire(leader, (c) => produce(c, 'orders', 0, batchOf(['old'])))).errorCode).toBe(ErrorCode.NONE);
    const deleted = await onKafkaWire(3, (c) =>
      c.request(KafkaDeleteTopics, 1, { topicNames: ['orders'], timeoutMs: 30_000 }),
    );
    expect(deleted.responses[0]!.errorCode).toBe(ErrorCode.NONE);
    await onEveryBroker('orders gone', async (id) => (await topicOn(id, 'orders')) === undefined);
    for (const id of IDS)
      await waitFor(async () => (await partitionDirs(id, 'orders')).length === 0, {
        timeoutMs: 30_000,
        message: `broker ${id}'s partition directories of orders to go`,
      });

    const created = await onKafkaWire(2, (c) =>
      c.request(KafkaCreateTopics, 4, {
        topics: [{ name: 'orders', numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }],
        timeoutMs: 30_000,
        validateOnly: false,
      }),
    );
    expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    const again = await leaderOf('orders', 0);
    expect(
      values(await waitFor(async () => onWire(again, (c) => readAll(c, 'orders', 0)).catch(() => undefined))),
    ).toEqual([]);
  }, 120_000);

  it('deleting an unknown topic is UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const answer = await onKafkaWire(1, (c) =>
      c.request(KafkaDeleteTopics, 1, { topicNames: ['never-was'], timeoutMs: 5_000 }),
    );
    expect(answer.responses[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }, 60_000);

  it('a broker away while its topic was deleted, and one away while it was deleted and created again, drop their stale copies on return', async () => {
    const admin = sdkClient(member(1).port).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'gone', numPartitions: 1, replicationFactor: 3 }] });
      await admin.createTopics({ topics: [{ topic: 'reborn', numPartitions: 1, replicationFactor: 3 }] });
      for (const topic of ['gone', 'reborn']) {
        const leader = await leaderOf(topic, 0);
        const answer = await onWire(leader, (c) => produce(c, topic, 0, batchOf([`stale ${topic}`]), -1));
        expect(answer.errorCode).toBe(ErrorCode.NONE);
      }
      // Every broker holds a local side of every cluster topic: broker 3 goes away with both.
      await waitFor(async () => (await logBytesOn(3, 'reborn')) > 0, {
        timeoutMs: 30_000,
        message: 'broker 3 to replicate the stale record',
      });
      await stopMember(3);
      await admin.deleteTopics({ topics: ['gone', 'reborn'] });
      await admin.createTopics({ topics: [{ topic: 'reborn', numPartitions: 1, replicationFactor: 2 }] });
    } finally {
      await admin.disconnect();
    }
    expect(await partitionDirs(3, 'gone')).toHaveLength(1);
    await startMember(3);
    await waitFor(async () => (await partitionDirs(3, 'gone')).length === 0, {
      timeoutMs: 30_000,
      message: 'the returning broker to delete its copy of the deleted topic',
    });
    const reborn = await waitFor(
      async () => {
        const t = await topicOn(3, 'reborn');
        return t?.partitions[0]?.leader !== undefined && t.partitions[0].leader > 0 ? t : undefined;
      },
      { timeoutMs: 30_000, message: 'the new incarnation on the returning broker' },
    );
    const leader = reborn.partitions[0]!.leader;
    expect(values(await onWire(leader, (c) => readAll(c, 'reborn', 0)))).toEqual([]);
    // The returning broker's copy is the new, empty incarnation, not the stale record.
    await waitFor(
      async () => (await partitionDirs(3, 'reborn')).length === 1 && (await logBytesOn(3, 'reborn')) === 0,
      {
        timeoutMs: 30_000,
        message: "the returning broker's copy of the new incarnation to be empty",
      },
    );
  }, 180_000);
});
