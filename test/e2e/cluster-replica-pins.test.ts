// A follower's ReplicaFetch answered from the leader's tail cache pins the slabs it views until the response
// is written (storage/tail-cache.ts, "Pins"), as a consumer's fetch does. With a real etcd and two in-process
// brokers, a partition replicated while its leader's small tail cache budget drops slab after slab: every
// acknowledged record is in the follower's log, and once the follower has everything no pin is left behind (a
// leaked pin would keep a dropped slab counted for good).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/index.js';
import { ErrorCode, MetadataApi } from '../../src/protocol/index.js';
import { decodeRecordBatches } from '../../src/records/index.js';
import { sdkClient } from '../client/helpers.js';
import { batchOf, produce } from '../helpers/broker.js';
import { type EtcdProcess, startEtcd } from '../helpers/etcd.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';

const TOPIC = 'copied';
const BUDGET = 1024 * 1024;
let etcd: EtcdProcess;
const brokers = new Map<number, Broker>();

async function metadata(broker: Broker) {
  const client = await WireClient.connect(broker.port);
  try {
    return await client.request(MetadataApi, { topics: [TOPIC], allowAutoTopicCreation: false });
  } finally {
    client.destroy();
  }
}

beforeAll(async () => {
  etcd = await startEtcd();
  for (const id of [1, 2]) {
    const broker = new Broker({
      dataDir: await tempDir(`sluice-replica-pins-${id}-`),
      port: 0,
      nodeId: id,
      shutdownTimeoutMs: 2000,
      tailCacheTotalBytes: BUDGET,
      cluster: { etcd: etcd.url, name: 'pins', sessionTimeoutMs: 2000, autoLeaderRebalance: false },
    });
    await broker.start();
    brokers.set(id, broker);
  }
  await waitFor(async () => (await metadata(brokers.get(1)!)).brokers.length === 2, {
    timeoutMs: 30_000,
    message: 'broker 1 seeing both brokers live',
  });
  const admin = sdkClient(brokers.get(1)!.port).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 2 }] });
  await admin.disconnect();
  await waitFor(async () => (await metadata(brokers.get(1)!)).topics[0]?.partitions[0]?.isr.length === 2, {
    timeoutMs: 30_000,
    message: 'the partition led, both replicas in sync',
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([...brokers.values()].map((b) => b.stop()));
  await etcd?.stop();
  await removeTempDirs();
});

describe("a follower's fetches from the leader's tail cache", () => {
  it('leave no slab pinned once replicated, through a budget that drops slab after slab', async () => {
    const leaderId = (await metadata(brokers.get(1)!)).topics[0]!.partitions[0]!.leader;
    const leader = brokers.get(leaderId)!;
    const follower = brokers.get(leaderId === 1 ? 2 : 1)!;
    const client = await WireClient.connect(leader.port);
    // acks=-1: each append is answered once the follower has fetched it, from the leader's cache.
    const value = (i: number) => `${i}:${'r'.repeat(60 * 1024)}`;
    try {
      for (let i = 0; i < 40; i++)
        expect((await produce(client, TOPIC, 0, batchOf([value(i)]), -1)).errorCode).toBe(ErrorCode.NONE);
    } finally {
      client.destroy();
    }
    // 40 appends of 60 KiB went through a 1 MiB budget: every early slab was dropped, none stays counted.
    expect(leader.tailCacheStats.bytes).toBeLessThanOrEqual(BUDGET);
    await waitFor(() => leader.tailCacheStats.pinnedBytes === 0, { message: "the leader's pins all let go" });
    // The follower's copy, read from its own log: every record, byte for byte.
    const copy = follower.core.topics.log(TOPIC, 0)!;
    const seen: string[] = [];
    for (let offset = 0; offset < copy.logEndOffset; ) {
      const read = await copy.read(offset, { maxBytes: 1024 * 1024 });
      for (const batch of await decodeRecordBatches(Buffer.concat(read.chunks)))
        for (const record of batch.records) seen.push(record.value!.toString());
      offset = read.nextOffset;
    }
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => value(i)));
  });
});
