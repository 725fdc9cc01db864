// Preferred leader election with a real etcd and three in-process brokers: after a broker stops cleanly and
// comes back, the partitions it was preferred for are led by others; `sluice cluster elect-leaders` (the
// built binary) gives them back to it, reports each partition's outcome, and refuses an unknown topic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/index.js';
import { MetadataApi } from '../../src/protocol/index.js';
import { sdkClient } from '../client/helpers.js';
import { type EtcdProcess, startEtcd } from '../helpers/etcd.js';
import { runSluice } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';

const TOPIC = 'spread';
const CLUSTER = 'elect';
let etcd: EtcdProcess;
const brokers = new Map<number, Broker>();
const dataDirs = new Map<number, string>();

async function startMember(id: number): Promise<void> {
  const dataDir = dataDirs.get(id) ?? (await tempDir(`sluice-elect-${id}-`));
  dataDirs.set(id, dataDir);
  const broker = new Broker({
    dataDir,
    port: 0,
    nodeId: id,
    shutdownTimeoutMs: 2000,
    cluster: { etcd: etcd.url, name: CLUSTER, sessionTimeoutMs: 2000, autoLeaderRebalance: false },
  });
  await broker.start();
  brokers.set(id, broker);
}

async function liveBrokersSeenBy(id: number): Promise<number> {
  const client = await WireClient.connect(brokers.get(id)!.port);
  try {
    return (await client.request(MetadataApi, { topics: [], allowAutoTopicCreation: false })).brokers.length;
  } finally {
    client.destroy();
  }
}

async function partitions() {
  const [id, broker] = [...brokers][0]!;
  const client = await WireClient.connect(broker.port);
  try {
    const m = await client.request(MetadataApi, { topics: [TOPIC], allowAutoTopicCreation: false });
    return m.topics[0]!.partitions;
  } catch (error) {
    throw new Error(`metadata from broker ${id}: ${(error as Error).message}`);
  } finally {
    client.destroy();
  }
}

beforeAll(async () => {
  etcd = await startEtcd();
  await Promise.all([1, 2, 3].map((id) => startMember(id)));
  // Each broker learns of the others' registrations through its etcd watch: broker 1 places the replicas.
  await waitFor(async () => (await liveBrokersSeenBy(1)) === 3, {
    timeoutMs: 30_000,
    message: 'broker 1 seeing the three brokers live',
  });
  const admin = sdkClient(brokers.get(1)!.port).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 3 }] });
  await admin.disconnect();
  await waitFor(async () => (await partitions()).every((p) => p.leader > 0 && p.isr.length === 3), {
    timeoutMs: 60_000,
    message: 'every partition led, with all three replicas in sync',
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([...brokers.values()].map((b) => b.stop()));
  await etcd?.stop();
  await removeTempDirs();
});

describe('preferred leader election', () => {
  it('sluice cluster elect-leaders gives a returning broker back the partitions it is preferred for', async () => {
    const before = await partitions();
    const returning = before.find((p) => p.partition === 0)!.replicas[0]!;
    const its = before.filter((p) => p.replicas[0] === returning).map((p) => p.partition);
    await brokers.get(returning)!.stop();
    brokers.delete(returning);
    await startMember(returning);
    const moved = await waitFor(
      async () => {
        const now = await partitions();
        return now.every((p) => p.isr.length === 3) ? now : undefined;
      },
      { timeoutMs: 60_000, message: 'the returning broker back in every ISR' },
    );
    for (const p of moved.filter((x) => its.includes(x.partition))) expect(p.leader).not.toBe(returning);

    const run = await runSluice(
      [
        'cluster',
        'elect-leaders',
        '--cluster',
        etcd.url,
        '--cluster-name',
        CLUSTER,
        '--topic',
        TOPIC,
        '--format',
        'json',
      ],
      60_000,
    );
    expect(run.code, run.stderr).toBe(0);
    const outcomes = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { partition: number; leader: number; preferred: number; outcome: string });
    expect(outcomes).toHaveLength(3);
    for (const o of outcomes) {
      expect(o.leader).toBe(o.preferred);
      expect(o.outcome).toBe(its.includes(o.partition) ? 'elected' : 'already');
    }
    const after = await waitFor(
      async () => {
        const now = await partitions();
        return now.every((p) => p.leader === p.replicas[0]) ? now : undefined;
      },
      { timeoutMs: 30_000, message: 'the brokers to see the preferred leaders' },
    );
    expect(after.filter((p) => p.leader === returning).map((p) => p.partition)).toEqual(its);
  }, 180_000);

  it('an unknown topic is a clear error', async () => {
    const run = await runSluice(
      ['cluster', 'elect-leaders', '--cluster', etcd.url, '--cluster-name', CLUSTER, '--topic', 'nope'],
      60_000,
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('the cluster has no topic "nope"');
  }, 60_000);
});
