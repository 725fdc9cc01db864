// Kafka's cluster admin APIs in cluster mode, with a real etcd and three in-process brokers (each with a
// Kafka listener): kafkajs moves a partition with alterPartitionReassignments; the SDK lists a throttled
// reassignment under way and cancels it (back to the original replicas); ElectLeaders gives a returning
// broker its preferred partitions back; IncrementalAlterConfigs sent to one broker is seen by another.
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/index.js';
import { MetadataApi } from '../../src/protocol/index.js';
import { batchOf, produce } from '../helpers/broker.js';
import { sdkClient } from '../client/helpers.js';
import { type EtcdProcess, startEtcd } from '../helpers/etcd.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';

const CLUSTER = 'admin-apis';
let etcd: EtcdProcess;
const brokers = new Map<number, Broker>();
const dataDirs = new Map<number, string>();

async function startMember(id: number): Promise<void> {
  const dataDir = dataDirs.get(id) ?? (await tempDir(`sluice-admin-apis-${id}-`));
  dataDirs.set(id, dataDir);
  const broker = new Broker({
    dataDir,
    port: 0,
    kafkaPort: 0,
    nodeId: id,
    shutdownTimeoutMs: 2000,
    cluster: { etcd: etcd.url, name: CLUSTER, sessionTimeoutMs: 2000, autoLeaderRebalance: false },
  });
  await broker.start();
  brokers.set(id, broker);
}

async function partitions(topic: string) {
  const broker = [...brokers.values()][0]!;
  const client = await WireClient.connect(broker.port);
  try {
    const m = await client.request(MetadataApi, { topics: [topic], allowAutoTopicCreation: false });
    return m.topics[0]!.partitions;
  } finally {
    client.destroy();
  }
}

async function settled(topic: string, count: number, replicas: number) {
  return waitFor(
    async () => {
      const now = await partitions(topic);
      return now.length === count && now.every((p) => p.leader > 0 && p.isr.length === replicas) ? now : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 200, message: `${topic}: every partition led with ${replicas} in sync` },
  );
}

function admin(id = 1) {
  return sdkClient(brokers.get(id)!.port).admin();
}

beforeAll(async () => {
  etcd = await startEtcd();
  await Promise.all([1, 2, 3].map((id) => startMember(id)));
  await waitFor(
    async () =>
      (
        await admin()
          .describeCluster()
          .catch(() => undefined)
      )?.brokers.length === 3,
    {
      timeoutMs: 60_000,
      message: 'three brokers',
    },
  );
}, 120_000);

afterAll(async () => {
  await Promise.all([...brokers.values()].map((b) => b.stop()));
  await etcd?.stop();
  await removeTempDirs();
});

describe('partition reassignments', () => {
  it('kafkajs alterPartitionReassignments moves a partition; nothing is listed once it is done', async () => {
    const a = admin();
    await a.connect();
    await a.createTopics({ topics: [{ topic: 'moved', numPartitions: 1, replicationFactor: 2 }] });
    await a.disconnect();
    const [before] = await settled('moved', 1, 2);
    const outsider = [1, 2, 3].find((id) => !before!.replicas.includes(id))!;
    const target = [outsider, before!.replicas[0]!];

    const kafka = new kafkajs.Kafka({
      brokers: [`127.0.0.1:${brokers.get(1)!.kafkaPort}`],
      logLevel: kafkajs.logLevel.NOTHING,
    });
    const k = kafka.admin();
    await k.connect();
    try {
      await k.alterPartitionReassignments({
        topics: [{ topic: 'moved', partitionAssignment: [{ partition: 0, replicas: target }] }],
      });
      await waitFor(
        async () => {
          const [p] = await partitions('moved');
          return p!.replicas.join(',') === target.join(',') && p!.isr.length === 2;
        },
        { timeoutMs: 90_000, intervalMs: 200, message: `moved-0 on ${target.join(',')}` },
      );
      await waitFor(async () => (await k.listPartitionReassignments({})).topics.length === 0, {
        timeoutMs: 30_000,
        message: 'no reassignment listed',
      });
      const refused = await k
        .alterPartitionReassignments({
          topics: [{ topic: 'moved', partitionAssignment: [{ partition: 0, replicas: [9] }] }],
        })
        .catch((e: unknown) => e);
      expect(JSON.stringify(refused, Object.getOwnPropertyNames(refused))).toMatch(/Replica assignment is invalid/);
    } finally {
      await k.disconnect();
    }
  }, 240_000);

  it('lists a throttled reassignment under way with its adding and removing replicas, and cancels it', async () => {
    const a = admin(2);
    await a.connect();
    try {
      await a.createTopics({ topics: [{ topic: 'slow', numPartitions: 1, replicationFactor: 2 }] });
      const [before] = await settled('slow', 1, 2);
      const leader = before!.leader;
      const client = await WireClient.connect(brokers.get(leader)!.port);
      try {
        // About 200 KB: at 1,000 bytes/s the new replica needs minutes to catch up.
        for (let i = 0; i < 20; i++) await produce(client, 'slow', 0, batchOf(['x'.repeat(10_000)]), -1);
      } finally {
        client.destroy();
      }
      const original = before!.replicas;
      const outsider = [1, 2, 3].find((id) => !original.includes(id))!;
      await a.alterPartitionReassignments({
        topics: [{ topic: 'slow', partitionAssignment: [{ partition: 0, replicas: [outsider, original[0]!] }] }],
        throttleBytesPerSecond: 1000,
      });
      const listed = await a.listPartitionReassignments({ topics: [{ topic: 'slow', partitions: [0] }] });
      expect(listed.topics).toEqual([
        {
          topic: 'slow',
          partitions: [
            {
              partitionIndex: 0,
              replicas: expect.any(Array),
              addingReplicas: [outsider],
              removingReplicas: [original[1]!],
            },
          ],
        },
      ]);
      await a.alterPartitionReassignments({
        topics: [{ topic: 'slow', partitionAssignment: [{ partition: 0, replicas: null as unknown as number[] }] }],
      });
      await waitFor(
        async () => {
          const [p] = await partitions('slow');
          return p!.replicas.join(',') === original.join(',');
        },
        { timeoutMs: 90_000, intervalMs: 200, message: `slow-0 back on ${original.join(',')}` },
      );
      await waitFor(async () => (await a.listPartitionReassignments({})).topics.length === 0, {
        timeoutMs: 30_000,
        message: 'the cancelled reassignment gone',
      });
      const none = await a
        .alterPartitionReassignments({
          topics: [{ topic: 'slow', partitionAssignment: [{ partition: 0, replicas: null as unknown as number[] }] }],
        })
        .catch((e: unknown) => e);
      expect((none as { type?: string }).type).toBe('NO_REASSIGNMENT_IN_PROGRESS');
    } finally {
      await a.disconnect();
    }
  }, 240_000);
});

describe('leader election', () => {
  it('ElectLeaders gives a returning broker back its preferred partitions; again, no election is needed', async () => {
    const a = admin();
    await a.connect();
    await a.createTopics({ topics: [{ topic: 'spread', numPartitions: 3, replicationFactor: 3 }] });
    await a.disconnect();
    const before = await settled('spread', 3, 3);
    const returning = before.find((p) => p.partition === 0)!.replicas[0]!;
    await brokers.get(returning)!.stop();
    brokers.delete(returning);
    await startMember(returning);
    const moved = await settled('spread', 3, 3);
    const its = moved.filter((p) => p.replicas[0] === returning).map((p) => p.partition);
    expect(moved.filter((p) => its.includes(p.partition)).every((p) => p.leader !== returning)).toBe(true);

    const other = [...brokers.keys()].find((id) => id !== returning)!;
    const b = admin(other);
    await b.connect();
    try {
      const elected = await b.electLeaders({ topicPartitions: [{ topic: 'spread', partitions: [0, 1, 2] }] });
      expect(elected.map((r) => [r.partition, r.error]).sort()).toEqual(
        [0, 1, 2].map((p) => [p, its.includes(p) ? 'NONE' : 'ELECTION_NOT_NEEDED']),
      );
      const after = await partitions('spread');
      for (const p of after) expect(p.leader).toBe(p.replicas[0]);
      const again = await b.electLeaders({ topicPartitions: [{ topic: 'spread', partitions: [0] }] });
      expect(again.map((r) => r.error)).toEqual(['ELECTION_NOT_NEEDED']);
      // Unclean election of a partition with a live leader: not needed either.
      const unclean = await b.electLeaders({
        electionType: 'unclean',
        topicPartitions: [{ topic: 'spread', partitions: [1] }],
      });
      expect(unclean.map((r) => r.error)).toEqual(['ELECTION_NOT_NEEDED']);
    } finally {
      await b.disconnect();
    }
  }, 240_000);
});

describe('IncrementalAlterConfigs', () => {
  it('an APPEND sent to one broker reaches every broker', async () => {
    const a = admin(2);
    await a.connect();
    try {
      await a.createTopics({ topics: [{ topic: 'configured', numPartitions: 1, replicationFactor: 3 }] });
      await settled('configured', 1, 1);
      await a.incrementalAlterConfigs({
        resources: [
          {
            type: 2,
            name: 'configured',
            configEntries: [
              { name: 'cleanup.policy', operation: 'APPEND', value: 'compact' },
              { name: 'retention.ms', value: '7200000' },
            ],
          },
        ],
      });
    } finally {
      await a.disconnect();
    }
    for (const id of [1, 3]) {
      const c = admin(id);
      await c.connect();
      try {
        await waitFor(
          async () => {
            const d = await c.describeConfigs({
              resources: [{ type: 2, name: 'configured', configNames: ['cleanup.policy', 'retention.ms'] }],
              includeSynonyms: false,
            });
            const values = Object.fromEntries(d.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
            return values['cleanup.policy'] === 'compact,delete' && values['retention.ms'] === '7200000';
          },
          { timeoutMs: 30_000, message: `broker ${id} to see the change` },
        );
      } finally {
        await c.disconnect();
      }
    }
  }, 120_000);
});

describe('Metadata of internal topics in cluster mode', () => {
  it('every broker answers __consumer_offsets with the leader, replicas and ISR the controller wrote', async () => {
    const answers = await waitFor(
      async () => {
        const all = await Promise.all(
          [...brokers.values()].map(async (broker) => {
            const client = await WireClient.connect(broker.port);
            try {
              const m = await client.request(MetadataApi, {
                topics: ['__consumer_offsets'],
                allowAutoTopicCreation: false,
              });
              return m.topics[0]!;
            } finally {
              client.destroy();
            }
          }),
        );
        return all.every((t) => t.partitions[0]!.leader > 0 && t.partitions[0]!.isr.length === 3) ? all : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200, message: '__consumer_offsets led with 3 in sync on every broker' },
    );
    const leaders = new Set(answers.map((t) => t.partitions[0]!.leader));
    expect(leaders.size).toBe(1);
    for (const t of answers) {
      expect(t.isInternal).toBe(true);
      expect([...t.partitions[0]!.replicas].sort()).toEqual([1, 2, 3]);
    }
  }, 120_000);
});

describe('group lag in cluster mode', () => {
  it('is the high watermark minus the commit where the coordinator leads the partition, unknown elsewhere', async () => {
    const a = admin();
    await a.connect();
    try {
      await a.createTopics({ topics: [{ topic: 'lagging', numPartitions: 3, replicationFactor: 1 }] });
      const placed = await settled('lagging', 3, 1);
      for (const p of placed) {
        const client = await WireClient.connect(brokers.get(p.leader)!.port);
        try {
          expect(
            (await produce(client, 'lagging', p.partition, batchOf(['a', 'b', 'c', 'd', 'e']), -1)).errorCode,
          ).toBe(0);
        } finally {
          client.destroy();
        }
      }
      await a.setOffsets({
        groupId: 'laggards',
        topic: 'lagging',
        partitions: [0, 1, 2].map((partition) => ({ partition, offset: '2' })),
      });
      const [offsets] = await partitions('__consumer_offsets');
      const coordinator = offsets!.leader;
      const lag = await a.fetchGroupLag({ groupId: 'laggards', topics: ['lagging'] });
      const byPartition = new Map(lag.topics[0]!.partitions.map((p) => [p.partition, p.lag]));
      for (const p of placed) expect(byPartition.get(p.partition)).toBe(p.leader === coordinator ? 3 : null);
      expect(placed.some((p) => p.leader !== coordinator)).toBe(true);
    } finally {
      await a.disconnect();
    }
  }, 120_000);
});
