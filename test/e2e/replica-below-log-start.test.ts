// A follower whose log ends below its leader's log start (DeleteRecords, or retention, removed what it
// needs while it was away) empties its log and restarts it at the leader's log start instead of stalling:
// it rejoins the ISR, and when it leads it serves from that start. Real etcd, two in-process brokers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/index.js';
import { CreateTopicsApi, DeleteRecordsApi, ErrorCode, MetadataApi } from '../../src/protocol/index.js';
import { batchOf, fetchPartition, produce, readAll, values } from '../helpers/broker.js';
import { type EtcdProcess, startEtcd } from '../helpers/etcd.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';

const TOPIC = 'trimmed';
let etcd: EtcdProcess;
const brokers = new Map<number, Broker>();
const dataDirs = new Map<number, string>();

async function startMember(id: number): Promise<void> {
  const dataDir = dataDirs.get(id) ?? (await tempDir(`sluice-trim-${id}-`));
  dataDirs.set(id, dataDir);
  const broker = new Broker({
    dataDir,
    port: 0,
    nodeId: id,
    shutdownTimeoutMs: 2000,
    cluster: { etcd: etcd.url, name: 'below-start', sessionTimeoutMs: 2000 },
  });
  await broker.start();
  brokers.set(id, broker);
}

async function stopMember(id: number): Promise<void> {
  await brokers.get(id)!.stop();
  brokers.delete(id);
}

async function onWire<T>(id: number, call: (client: WireClient) => Promise<T>): Promise<T> {
  const client = await WireClient.connect(brokers.get(id)!.port);
  try {
    return await call(client);
  } finally {
    client.destroy();
  }
}

async function state(asked: number) {
  const m = await onWire(asked, (c) => c.request(MetadataApi, { topics: [TOPIC], allowAutoTopicCreation: false }));
  return m.topics[0]!.partitions[0]!;
}

async function sendAll(leader: number, prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const answer = await onWire(leader, (c) => produce(c, TOPIC, 0, batchOf([`${prefix}${i}`]), -1));
    expect(answer.errorCode).toBe(ErrorCode.NONE);
  }
}

beforeAll(async () => {
  etcd = await startEtcd();
  await Promise.all([1, 2].map((id) => startMember(id)));
  // Broker 1 learns of broker 2 through its etcd watch: a replication factor of 2 needs both known.
  await waitFor(
    async () =>
      (await onWire(1, (c) => c.request(MetadataApi, { topics: [], allowAutoTopicCreation: false }))).brokers.length ===
      2,
    { timeoutMs: 30_000, message: 'broker 1 sees both brokers' },
  );
  const created = await onWire(1, (c) =>
    c.request(CreateTopicsApi, {
      topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 2, configs: {} }],
      timeoutMs: 30_000,
      validateOnly: false,
    }),
  );
  expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
  await waitFor(async () => (await state(1)).isr.length === 2, { timeoutMs: 60_000, message: 'both in sync' });
}, 120_000);

afterAll(async () => {
  await Promise.all([...brokers.keys()].map((id) => stopMember(id)));
  await etcd?.stop();
  await removeTempDirs();
});

describe('a follower below the leader log start', () => {
  it('restarts its log at the leader log start, rejoins the ISR and serves from there as leader', async () => {
    const leader = (await state(1)).leader;
    const follower = leader === 1 ? 2 : 1;
    await sendAll(leader, 'a', 5);
    await waitFor(async () => (await state(leader)).isr.length === 2, { timeoutMs: 30_000 });

    await stopMember(follower);
    await waitFor(async () => (await state(leader)).isr.length === 1, {
      timeoutMs: 30_000,
      message: 'the stopped follower out of the ISR',
    });
    await sendAll(leader, 'b', 10);
    const trimmed = await onWire(leader, (c) =>
      c.request(DeleteRecordsApi, {
        topics: [{ name: TOPIC, partitions: [{ partition: 0, offset: -1 }] }],
        timeoutMs: 30_000,
      }),
    );
    const start = trimmed.topics[0]!.partitions[0]!;
    expect(start.errorCode).toBe(ErrorCode.NONE);
    expect(start.lowWatermark).toBe(15);
    await sendAll(leader, 'c', 3);

    await startMember(follower);
    await waitFor(async () => (await state(leader)).isr.length === 2, {
      timeoutMs: 60_000,
      message: 'the returning follower to catch up from the leader log start and rejoin the ISR',
    });

    await stopMember(leader);
    await waitFor(async () => (await state(follower)).leader === follower, {
      timeoutMs: 60_000,
      message: 'the follower to lead',
    });
    const below = await onWire(follower, (c) => fetchPartition(c, TOPIC, 0, 0));
    expect(below.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    const read = await onWire(follower, (c) => readAll(c, TOPIC, 0, 15));
    expect(values(read)).toEqual(['c0', 'c1', 'c2']);
    expect(read[0]!.offset).toBe(15);
  }, 180_000);
});
