// Partition reassignment with a real etcd and three in-process brokers: `sluice cluster reassign` (the built
// binary) moves a replicated partition under acks=-1 load to another replica set; the new replica catches
// up no faster than the throttle allows, the old replica leaves, leadership follows the new preferred
// replica, and every acknowledged record is read back once, in order, from the new leader.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/index.js';
import { CreateTopicsApi, ErrorCode, MetadataApi } from '../../src/protocol/index.js';
import { batchOf, produce, readAll, values } from '../helpers/broker.js';
import { type EtcdProcess, startEtcd } from '../helpers/etcd.js';
import { runSluice } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';

const TOPIC = 'moving';
const CLUSTER = 'reassign';
let etcd: EtcdProcess;
const brokers = new Map<number, Broker>();

async function onWire<T>(id: number, call: (client: WireClient) => Promise<T>): Promise<T> {
  const client = await WireClient.connect(brokers.get(id)!.port);
  try {
    return await call(client);
  } finally {
    client.destroy();
  }
}

async function state() {
  const m = await onWire(1, (c) => c.request(MetadataApi, { topics: [TOPIC], allowAutoTopicCreation: false }));
  return m.topics[0]!.partitions[0]!;
}

beforeAll(async () => {
  etcd = await startEtcd();
  for (const id of [1, 2, 3]) {
    const broker = new Broker({
      dataDir: await tempDir(`sluice-reassign-${id}-`),
      port: 0,
      nodeId: id,
      shutdownTimeoutMs: 2000,
      cluster: { etcd: etcd.url, name: CLUSTER, sessionTimeoutMs: 2000 },
    });
    await broker.start();
    brokers.set(id, broker);
  }
  await waitFor(
    async () =>
      (await onWire(1, (c) => c.request(MetadataApi, { topics: null, allowAutoTopicCreation: false }))).brokers
        .length === 3,
    {
      timeoutMs: 60_000,
    },
  );
  const created = await onWire(1, (c) =>
    c.request(CreateTopicsApi, {
      topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 2, configs: {} }],
      timeoutMs: 30_000,
      validateOnly: false,
    }),
  );
  expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
  await waitFor(async () => (await state()).isr.length === 2, { timeoutMs: 60_000, message: 'both replicas in sync' });
}, 120_000);

afterAll(async () => {
  await Promise.all([...brokers.values()].map((b) => b.stop()));
  await etcd?.stop();
  await removeTempDirs();
});

describe('partition reassignment', () => {
  it('moves a partition under acks=-1 load, throttled, and loses nothing', async () => {
    const before = await state();
    const outsider = [1, 2, 3].find((id) => !before.replicas.includes(id))!;
    const target = [outsider, before.replicas[1]!];
    const acked: string[] = [];
    // About 60 KB already there: at 20,000 bytes/s the new replica needs about 3 s to catch up.
    const big = 'x'.repeat(1000);
    for (let i = 0; i < 60; i++) {
      const answer = await onWire(before.leader, (c) => produce(c, TOPIC, 0, batchOf([`${i}:${big}`]), -1));
      expect(answer.errorCode).toBe(ErrorCode.NONE);
      acked.push(`${i}:${big}`);
    }
    let stop = false;
    const load = (async () => {
      for (let i = 0; !stop; ) {
        const value = `load ${i}`;
        try {
          const leader = (await state()).leader;
          const answer = await onWire(leader, (c) => produce(c, TOPIC, 0, batchOf([value]), -1));
          if (answer.errorCode === ErrorCode.NONE) {
            acked.push(value);
            i++;
          }
        } catch {
          // a leader change under the request: ask again
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const startedAt = performance.now();
    const run = await runSluice(
      [
        'cluster',
        'reassign',
        '--cluster',
        etcd.url,
        '--cluster-name',
        CLUSTER,
        '--topic',
        TOPIC,
        '--partition',
        '0',
        '--replicas',
        target.join(','),
        '--throttle',
        '20000',
        '--format',
        'json',
      ],
      120_000,
    );
    const tookMs = performance.now() - startedAt;
    stop = true;
    await load;
    expect(run.code, run.stderr).toBe(0);
    const done = JSON.parse(run.stdout) as { replicas: number[]; leader: number; isr: number[] };
    expect(done.replicas).toEqual(target);
    expect(done.leader).toBe(outsider);
    expect([...done.isr].sort()).toEqual([...target].sort());
    // 60 KB at 20,000 bytes/s: the throttle held the catch-up to well over a second.
    expect(tookMs).toBeGreaterThan(1500);
    console.log(`reassignment of ~60 KB at 20,000 bytes/s took ${Math.round(tookMs)} ms`);
    const leader = await waitFor(
      async () => {
        const s = await state();
        return s.leader === outsider && s.replicas.join(',') === target.join(',') ? s.leader : undefined;
      },
      { timeoutMs: 30_000, message: 'every broker to see the new replica set' },
    );
    expect(values(await onWire(leader, (c) => readAll(c, TOPIC, 0)))).toEqual(acked);
  }, 180_000);

  it('refuses a replica set naming a broker that is not alive', async () => {
    const run = await runSluice(
      [
        'cluster',
        'reassign',
        '--cluster',
        etcd.url,
        '--cluster-name',
        CLUSTER,
        '--topic',
        TOPIC,
        '--partition',
        '0',
        '--replicas',
        '1,9',
      ],
      60_000,
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('broker 9 not alive in the cluster');
  }, 60_000);
});
