// A replica that `sluice cluster reassign` moves off a broker does not stay behind on its disk (Kafka's
// StopReplica with delete): three `sluice serve --cluster` processes, a topic with replication factor 2.
// - A running broker taken out of the replica set deletes its copy at once (its log files end empty).
// - A broker that was stopped while the reassignment took it out deletes its copy when it comes back.
// Every acknowledged record is read back from the new replicas.
//
// Time: about 40-60 s on a quiet machine (three broker starts, two reassignments, one restart).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTopicsApi, ErrorCode } from '../../src/protocol/index.js';
import { batchOf, produce, readAll, values } from '../helpers/broker.js';
import { SluiceCluster } from '../helpers/sluice-cluster.js';
import { runSluice } from '../helpers/sluice-process.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const TOPIC = 'moving';
const DELETED = 'deleted the local replica of a partition the cluster moved to other brokers';
let cluster: SluiceCluster;
const acked: string[] = [];

async function send(count: number): Promise<void> {
  const leader = await cluster.leader(TOPIC, 0);
  for (let i = 0; i < count; i++) {
    const value = `record ${acked.length}`;
    const answer = await cluster.ask(leader, (c) => produce(c, TOPIC, 0, batchOf([value]), -1));
    expect(answer.errorCode).toBe(ErrorCode.NONE);
    acked.push(value);
  }
}

async function reassign(replicas: number[]): Promise<void> {
  const run = await runSluice(
    [
      'cluster',
      'reassign',
      '--cluster',
      cluster.etcd.url,
      '--topic',
      TOPIC,
      '--partition',
      '0',
      '--replicas',
      replicas.join(','),
    ],
    120_000,
  );
  expect(run.code, run.stderr).toBe(0);
  await waitFor(async () => (await cluster.partitionState(TOPIC, 0))?.replicas.join(',') === replicas.join(','), {
    timeoutMs: 30_000,
    message: `the replica set to be ${replicas.join(',')}`,
  });
}

const holds = async (id: number) => (await cluster.logBytes(id, TOPIC, 0)).length;

beforeAll(async () => {
  cluster = await SluiceCluster.start([1, 2, 3]);
  const created = await cluster.ask(1, (c) =>
    c.request(CreateTopicsApi, {
      topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 2, configs: { 'min.insync.replicas': '2' } }],
      timeoutMs: 30_000,
      validateOnly: false,
    }),
  );
  expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
  await cluster.settled(TOPIC, 0, 2);
}, 300_000);

afterAll(async () => {
  await cluster?.close();
  await removeTempDirs();
});

describe('a replica moved off a broker', () => {
  it('is deleted by the running broker it left', async () => {
    await send(30);
    const { replicas } = (await cluster.partitionState(TOPIC, 0))!;
    const [leaving, staying] = replicas as [number, number];
    const outsider = [1, 2, 3].find((id) => !replicas.includes(id))!;
    expect(await holds(leaving)).toBeGreaterThan(0);
    expect(await holds(outsider)).toBe(0);

    await reassign([outsider, staying]);
    await waitFor(async () => (await holds(leaving)) === 0, {
      timeoutMs: 30_000,
      message: `broker ${leaving} to delete its copy`,
    });
    await waitFor(() => cluster.members.get(leaving)!.lines.some((l) => l.msg === DELETED && l.topic === TOPIC), {
      timeoutMs: 10_000,
      message: `broker ${leaving} to say it deleted its copy`,
    });
    await send(10);
    await cluster.isr(TOPIC, 0, [outsider, staying]);
    await waitFor(async () => (await holds(outsider)) === (await holds(staying)), {
      timeoutMs: 30_000,
      message: 'the new replica to hold what the staying one holds',
    });
    const leader = await cluster.leader(TOPIC, 0);
    expect(values(await cluster.ask(leader, (c) => readAll(c, TOPIC, 0)))).toEqual(acked);
  }, 300_000);

  it('is deleted by a broker that was away when it moved, once it is back', async () => {
    const { replicas } = (await cluster.partitionState(TOPIC, 0))!;
    const leader = await cluster.leader(TOPIC, 0);
    const away = replicas.find((id) => id !== leader)!;
    const outsider = [1, 2, 3].find((id) => !replicas.includes(id))!;
    await cluster.stop(away, 'SIGTERM');
    expect(await holds(away)).toBeGreaterThan(0);

    await reassign([leader, outsider]);
    await send(10);
    expect(await holds(away)).toBeGreaterThan(0); // nobody touched its files while it was down

    await cluster.serve(away);
    await waitFor(async () => (await holds(away)) === 0, {
      timeoutMs: 30_000,
      message: `broker ${away} to delete its copy on its return`,
    });
    await waitFor(() => cluster.members.get(away)!.lines.some((l) => l.msg === DELETED && l.topic === TOPIC), {
      timeoutMs: 10_000,
      message: `broker ${away} to say it deleted its copy`,
    });
    await cluster.isr(TOPIC, 0, [leader, outsider]);
    expect(values(await cluster.ask(leader, (c) => readAll(c, TOPIC, 0)))).toEqual(acked);
  }, 300_000);
});
