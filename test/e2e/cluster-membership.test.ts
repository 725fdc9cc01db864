// Cluster mode with a real etcd on loopback and three in-process brokers: registration, one controller and
// its failover, topics placed by the controller with a replication factor, Metadata listing every broker
// and each partition's leader on both wires, produce and fetch served by the leader only (others say
// NOT_LEADER_FOR_PARTITION) and the SDK routing to leaders, a dead leader's partition going offline rather
// than to a replica outside the ISR (unclean election off), and back when it returns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBatchHeader } from '../../storage/format/record-batch.js';
import { Broker, type BrokerOptions } from '../../src/broker/index.js';
import { ErrorCode, MetadataApi, type MetadataResponse } from '../../src/protocol/index.js';
import { Metadata as KafkaMetadata } from '../../src/protocol/kafka/index.js';
import { batchOf, fetchPartition, produce, recordsOf, values } from '../helpers/broker.js';
import { type EtcdProcess, startEtcd } from '../helpers/etcd.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';
import { sdkClient } from '../client/helpers.js';
import { KafkaWireClient } from '../broker/kafka/kafka-wire-client.js';

let etcd: EtcdProcess;
const brokers = new Map<number, { broker: Broker; dataDir: string }>();
const clients: WireClient[] = [];

async function startMember(id: number, dataDir?: string): Promise<Broker> {
  const dir = dataDir ?? (await tempDir(`sluice-cluster-${id}-`));
  const options: BrokerOptions = {
    dataDir: dir,
    port: 0,
    kafkaPort: 0,
    nodeId: id,
    shutdownTimeoutMs: 2000,
    cluster: { etcd: etcd.url, name: 'membership', sessionTimeoutMs: 2000 },
  };
  const broker = new Broker(options);
  await broker.start();
  brokers.set(id, { broker, dataDir: dir });
  return broker;
}

async function stopMember(id: number): Promise<string> {
  const member = brokers.get(id)!;
  brokers.delete(id);
  await member.broker.stop();
  return member.dataDir;
}

async function wire(broker: Broker): Promise<WireClient> {
  const client = await WireClient.connect(broker.port);
  clients.push(client);
  return client;
}

async function metadataFrom(broker: Broker, topics: string[] | null = null): Promise<MetadataResponse> {
  return (await wire(broker)).request(MetadataApi, { topics, allowAutoTopicCreation: false });
}

const member = (id: number) => brokers.get(id)!.broker;

beforeAll(async () => {
  etcd = await startEtcd();
  await Promise.all([1, 2, 3].map((id) => startMember(id)));
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.destroy();
  await Promise.all([...brokers.keys()].map((id) => stopMember(id)));
  await etcd?.stop();
  await removeTempDirs();
});

describe('cluster mode on etcd', () => {
  it('every broker lists the three brokers and the same controller', async () => {
    for (const id of [1, 2, 3]) {
      const answer = await waitFor(
        async () => {
          const m = await metadataFrom(member(id));
          return m.brokers.length === 3 && m.controllerId > 0 ? m : undefined;
        },
        { timeoutMs: 20_000, message: `broker ${id} to see 3 brokers and a controller` },
      );
      expect(answer.brokers.map((b) => [b.nodeId, b.port])).toEqual([1, 2, 3].map((b) => [b, member(b).port]));
    }
    const controllers = await Promise.all([1, 2, 3].map(async (id) => (await metadataFrom(member(id))).controllerId));
    expect(new Set(controllers).size).toBe(1);
  }, 120_000);

  it('a topic with replication factor 3 is placed by the controller: 3 replicas, leaders spread, one answer everywhere', async () => {
    const sluice = sdkClient(member(2).port);
    const admin = sluice.admin();
    await admin.connect();
    expect(
      await admin.createTopics({ topics: [{ topic: 'replicated', numPartitions: 3, replicationFactor: 3 }] }),
    ).toBe(true);
    await admin.disconnect();
    const seen = await Promise.all(
      [1, 2, 3].map((id) =>
        waitFor(
          async () => {
            const t = (await metadataFrom(member(id), ['replicated'])).topics[0]!;
            return t.partitions.every((p) => p.leader > 0) ? t.partitions : undefined;
          },
          { timeoutMs: 20_000, message: `broker ${id} to know every leader of "replicated"` },
        ),
      ),
    );
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
    for (const p of seen[0]!) expect([...p.replicas].sort()).toEqual([1, 2, 3]);
    expect(new Set(seen[0]!.map((p) => p.leader)).size).toBe(3);
  }, 120_000);

  it('more replicas than live brokers is INVALID_REPLICATION_FACTOR, and nothing is created', async () => {
    const sluice = sdkClient(member(1).port, { retries: 0 });
    const admin = sluice.admin();
    await admin.connect();
    await expect(admin.createTopics({ topics: [{ topic: 'too-wide', replicationFactor: 4 }] })).rejects.toThrow(
      /replication factor 4 is larger than the 3 live brokers/,
    );
    expect(await admin.listTopics()).not.toContain('too-wide');
    await admin.disconnect();
  }, 120_000);

  it('only the leader takes produce and fetch; the others name it; the SDK routes to leaders', async () => {
    const partitions = (await metadataFrom(member(1), ['replicated'])).topics[0]!.partitions;
    const p0 = partitions.find((p) => p.partition === 0)!;
    const follower = [1, 2, 3].find((id) => id !== p0.leader)!;
    const refused = await produce(await wire(member(follower)), 'replicated', 0, batchOf(['nope']));
    expect(refused.errorCode).toBe(ErrorCode.NOT_LEADER_FOR_PARTITION);
    expect(refused.errorMessage).toContain(`broker ${p0.leader} does`);
    const fetched = await fetchPartition(await wire(member(follower)), 'replicated', 0, 0);
    expect(fetched.errorCode).toBe(ErrorCode.NOT_LEADER_FOR_PARTITION);

    const sluice = sdkClient(member(follower).port);
    const producer = sluice.producer();
    await producer.connect();
    for (let p = 0; p < 3; p++)
      await producer.send({ topic: 'replicated', messages: [{ partition: p, value: `to ${p}` }] });
    await producer.disconnect();
    for (const p of partitions) {
      const read = await fetchPartition(await wire(member(p.leader)), 'replicated', p.partition, 0);
      expect(read.errorCode).toBe(ErrorCode.NONE);
      expect(values(await recordsOf(read))).toEqual([`to ${p.partition}`]);
    }
  }, 120_000);

  it("Kafka's Metadata lists every broker's Kafka listener and each partition's leader and epoch", async () => {
    const b = member(3);
    const answer = await kafkaMetadata(b);
    expect(answer.brokers.map((x) => [x.nodeId, x.port])).toEqual([1, 2, 3].map((id) => [id, member(id).kafkaPort]));
    const native = (await metadataFrom(b, ['replicated'])).topics[0]!.partitions;
    expect(answer.topics[0]!.partitions.map((p) => [p.partitionIndex, p.leaderId, p.leaderEpoch])).toEqual(
      native.map((p) => [p.partition, p.leader, 0]),
    );
  }, 120_000);

  it('the controller leaving hands control to another broker', async () => {
    const controller = (await metadataFrom(member(1))).controllerId;
    const dataDir = await stopMember(controller);
    const survivor = [1, 2, 3].find((id) => id !== controller)!;
    const next = await waitFor(
      async () => {
        const m = await metadataFrom(member(survivor));
        return m.controllerId > 0 && m.controllerId !== controller && m.brokers.length === 2 ? m.controllerId : 0;
      },
      { timeoutMs: 20_000, message: 'a new controller' },
    );
    expect(next).not.toBe(controller);
    await startMember(controller, dataDir);
    await waitFor(async () => (await metadataFrom(member(survivor))).brokers.length === 3, { timeoutMs: 20_000 });
  }, 120_000);

  it('a dead leader whose followers left the ISR leaves its partition offline (no unclean election), and leads again on return', async () => {
    const p1 = (await metadataFrom(member(1), ['replicated'])).topics[0]!.partitions.find((p) => p.partition === 1)!;
    const leader = p1.leader;
    const followers = [1, 2, 3].filter((id) => id !== leader);
    const epoch = await leaderEpoch(leader, 1);
    // The followers leave first: the controller takes them out of the ISR, which is then the leader alone.
    const followerDirs = new Map<number, string>();
    for (const id of followers) followerDirs.set(id, await stopMember(id));
    await waitFor(
      async () => {
        const p = (await metadataFrom(member(leader), ['replicated'])).topics[0]!.partitions[1]!;
        return p.isr.length === 1 && p.isr[0] === leader;
      },
      { timeoutMs: 20_000, message: 'the ISR to shrink to the leader' },
    );
    const dataDir = await stopMember(leader);
    const [first, second] = followers as [number, number];
    await startMember(first, followerDirs.get(first));
    const offline = await waitFor(
      async () => {
        const p = (await metadataFrom(member(first), ['replicated'])).topics[0]!.partitions[1]!;
        return p.leader === -1 ? p : undefined;
      },
      { timeoutMs: 20_000, message: 'the partition to go offline' },
    );
    expect(offline.errorCode).toBe(ErrorCode.LEADER_NOT_AVAILABLE);
    expect(offline.isr).toEqual([leader]);
    const refused = await produce(await wire(member(first)), 'replicated', 1, batchOf(['x']));
    expect(refused.errorCode).toBe(ErrorCode.LEADER_NOT_AVAILABLE);

    await startMember(leader, dataDir);
    await startMember(second, followerDirs.get(second));
    await waitFor(
      async () => (await metadataFrom(member(first), ['replicated'])).topics[0]!.partitions[1]!.leader === leader,
      { timeoutMs: 20_000, message: 'the old leader to lead again' },
    );
    expect(await leaderEpoch(leader, 1)).toBe(epoch + 2);
    const read = await waitFor(
      async () => {
        const r = await fetchPartition(await wire(member(leader)), 'replicated', 1, 0);
        return r.errorCode === ErrorCode.NONE && r.records.length > 0 ? r : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(values(await recordsOf(read))).toEqual(['to 1']);
    // Each batch carries the leader epoch it was accepted under: "to 1" was written at birth (epoch 0).
    expect((await produce(await wire(member(leader)), 'replicated', 1, batchOf(['now']), 1)).errorCode).toBe(0);
    const batches = await waitFor(
      async () => {
        const r = await fetchPartition(await wire(member(leader)), 'replicated', 1, 0);
        const bytes = Buffer.concat(r.records);
        return leaderEpochsOf(bytes).length === 2 ? bytes : undefined;
      },
      { timeoutMs: 20_000, message: 'the new batch to be committed' },
    );
    expect(leaderEpochsOf(batches)).toEqual([0, epoch + 2]);
  }, 120_000);

  it('an etcd restart changes nothing: leaders keep serving, the watch resumes, new topics are placed', async () => {
    await etcd.restart();
    const p0 = (await metadataFrom(member(1), ['replicated'])).topics[0]!.partitions[0]!;
    await waitFor(
      async () => (await produce(await wire(member(p0.leader)), 'replicated', 0, batchOf(['after']))).errorCode === 0,
      { timeoutMs: 30_000, intervalMs: 100, message: 'the leader to take a produce after the etcd restart' },
    );
    const admin = sdkClient(member(1).port).admin();
    await admin.connect();
    expect(
      await admin.createTopics({ topics: [{ topic: 'after-restart', numPartitions: 2, replicationFactor: 2 }] }),
    ).toBe(true);
    await admin.disconnect();
    for (const id of [1, 2, 3]) {
      await waitFor(
        async () => {
          const m = await metadataFrom(member(id), ['after-restart']);
          return m.brokers.length === 3 && m.topics[0]!.partitions.every((p) => p.leader > 0);
        },
        { timeoutMs: 30_000, intervalMs: 100, message: `broker ${id} to see the topic created after the restart` },
      );
    }
  }, 120_000);
});

function leaderEpochsOf(batches: Buffer): number[] {
  const epochs: number[] = [];
  for (let pos = 0; pos < batches.length; ) {
    const header = readBatchHeader(batches, pos);
    epochs.push(header.partitionLeaderEpoch);
    pos += header.sizeInBytes;
  }
  return epochs;
}

/** The partition's leader epoch, as broker `id` reports it on Kafka's Metadata. */
async function leaderEpoch(id: number, partition: number): Promise<number> {
  const answer = await kafkaMetadata(member(id));
  return answer.topics[0]!.partitions.find((p) => p.partitionIndex === partition)!.leaderEpoch;
}

async function kafkaMetadata(broker: Broker) {
  const client = await KafkaWireClient.connect(broker.kafkaPort!);
  try {
    return await client.request(KafkaMetadata, 9, { topics: [{ name: 'replicated' }], allowAutoTopicCreation: false });
  } finally {
    client.destroy();
  }
}
