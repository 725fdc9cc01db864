// A leader cut off from etcd and from its followers, for real: broker 3 runs in its own network namespace
// (test/helpers/netns.ts, root and `ip netns` needed), joined to etcd and brokers 1 and 2 by a veth link the
// test takes down, and to the test's own clients by a second link that stays up, so a producer keeps
// sending to the isolated leader. A topic with replication factor 3 and min.insync.replicas 2 under acks=-1
// load on the partition broker 3 leads:
//
// - the isolated leader stops acknowledging within its lease (its followers cannot fetch, and it cannot
//   shrink the ISR without etcd), though it still appends what it is sent; once its lease lapses it answers
//   the produce left waiting NOT_LEADER instead of holding it to its timeout, and a fetch parked there
//   NOT_LEADER instead of holding it to its maxWait;
// - brokers 1 and 2 elect a new leader once broker 3's lease expires in etcd;
// - once the link is back, broker 3 follows the new leader and truncates the records only it had to the
//   new leader epoch's boundary; every acknowledged record is read back exactly once, in order, and the
//   three replicas hold the same bytes.
//
// Time: about 40-60 s on a quiet machine (three broker starts, a 3 s lease, catch-up after the heal).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTopicsApi, ErrorCode } from '../../src/protocol/index.js';
import { fetchPartition, produce, readAll, values } from '../helpers/broker.js';
import { createNetworkNamespace, type NetworkNamespace } from '../helpers/netns.js';
import { AckedLoad, SluiceCluster } from '../helpers/sluice-cluster.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const TOPIC = 'ledger';
/** A topic nobody writes to: a fetch parked on it is woken by nothing but the leadership's loss. */
const IDLE_TOPIC = 'idle';
/** The brokers' lease (cluster.sessionTimeoutMs, its default). */
const LEASE_MS = 3000;
/** Off loopback a broker wants authentication; the links here reach nothing but the test's namespaces. */
const ANONYMOUS = ['--insecure-allow-anonymous'];
let ns: NetworkNamespace;
let cluster: SluiceCluster;

beforeAll(async () => {
  ns = createNetworkNamespace();
  cluster = await SluiceCluster.start(
    [1, 2, 3],
    (id) =>
      id === 3
        ? {
            netns: ns.name,
            args: ['--host', '0.0.0.0', '--advertised-host', ns.inside, ...ANONYMOUS],
            clientHost: ns.clientAddress,
          }
        : { args: ['--host', ns.outside, ...ANONYMOUS], clientHost: ns.outside },
    undefined,
    ns.outside,
  );
  const created = await cluster.ask(1, (c) =>
    c.request(CreateTopicsApi, {
      topics: [
        { name: TOPIC, numPartitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } },
        { name: IDLE_TOPIC, numPartitions: 3, replicationFactor: 3, configs: {} },
      ],
      timeoutMs: 30_000,
      validateOnly: false,
    }),
  );
  expect(created.topics.map((t) => t.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
  for (const topic of [TOPIC, IDLE_TOPIC]) for (const p of [0, 1, 2]) await cluster.isr(topic, p, [1, 2, 3]);
}, 300_000);

afterAll(async () => {
  await cluster?.close();
  ns?.remove();
  await removeTempDirs();
});

describe('a partitioned leader', () => {
  it('stops acknowledging within its lease; the others elect a new leader; healed, it truncates and nothing acknowledged is lost', async () => {
    // Three partitions spread their first leaders over the three brokers: take the one broker 3 leads.
    let partition = -1;
    for (const p of [0, 1, 2]) if ((await cluster.partitionState(TOPIC, p))?.leader === 3) partition = p;
    expect(partition).toBeGreaterThanOrEqual(0);
    const before = (await cluster.partitionState(TOPIC, partition))!;

    const load = new AckedLoad(cluster, TOPIC, partition, {
      producerId: 9001,
      produce: (client, batch) => produce(client, TOPIC, partition, batch, -1),
    });
    await load.more(20);
    expect(load.acks.some((a) => a.by === 3)).toBe(true);

    let idlePartition = -1;
    for (const p of [0, 1, 2]) if ((await cluster.partitionState(IDLE_TOPIC, p))?.leader === 3) idlePartition = p;
    expect(idlePartition).toBeGreaterThanOrEqual(0);

    const cutAt = performance.now();
    ns.cut();
    // A consumer's long poll parked at broker 3 on a partition nobody writes to: once broker 3's lease lapses
    // it is answered NOT_LEADER at once, so the consumer looks for the new leader, not held to its maxWait.
    const parked = cluster
      .ask(3, (c) => fetchPartition(c, IDLE_TOPIC, idlePartition, 0, { maxWaitMs: 60_000 }))
      .then((result) => ({ result, at: performance.now() }));
    // Awaited below; should an assertion fail first, the cluster's close must not make it an unhandled rejection.
    parked.catch(() => {});
    let healed = false;
    try {
      // The producer keeps sending to broker 3 (the metadata names it until the controller moves the
      // partition) over the client link, which stays up: broker 3 appends but can no longer acknowledge.
      const firstByOther = await waitFor(() => load.acks.find((a) => a.at > cutAt && a.by !== 3), {
        timeoutMs: 90_000,
        message: 'an acknowledgement by the new leader',
      });
      const lastByIsolated = load.acks.filter((a) => a.by === 3).at(-1)!;
      const after = (await cluster.partitionState(TOPIC, partition))!;
      expect(after.leader).not.toBe(3);
      expect(after.leaderEpoch).toBeGreaterThan(before.leaderEpoch);
      // Nothing acknowledged by the isolated leader once its lease may have run out (and, as it happens,
      // nothing at all once its followers stopped fetching).
      expect(lastByIsolated.at - cutAt).toBeLessThan(LEASE_MS);
      // The produce left waiting at broker 3 for its followers is answered NOT_LEADER once broker 3's lease
      // lapses, so the producer looks for the new leader, rather than held to its 5 s timeout (REQUEST_TIMED_OUT).
      const firstRefusal = load.refusals.find((r) => r.at > cutAt && r.by === 3);
      expect(firstRefusal?.errorCode).toBe(ErrorCode.NOT_LEADER_FOR_PARTITION);
      const fetched = await parked;
      expect(fetched.result.errorCode).toBe(ErrorCode.NOT_LEADER_FOR_PARTITION);
      expect(fetched.at - cutAt).toBeLessThan(30_000);
      console.log(
        `partitioned leader: last acknowledgement by broker 3 ${Math.round(lastByIsolated.at - cutAt)} ms after the cut; first by broker ${firstByOther.by} (the new leader) ${Math.round(firstByOther.at - cutAt)} ms after`,
      );
      await load.more(20);
      ns.heal();
      healed = true;
    } finally {
      if (!healed) ns.heal();
    }

    // Broker 3 appended what it was sent after the cut (never acknowledged): it must drop it.
    await waitFor(
      () =>
        cluster.members
          .get(3)!
          .lines.some(
            (l) =>
              l.msg === 'truncated a follower log to the leader epoch boundary' &&
              l.topic === TOPIC &&
              l.partition === partition,
          ),
      { timeoutMs: 90_000, message: 'broker 3 to truncate its log to the new leader epoch boundary' },
    );
    await cluster.isr(TOPIC, partition, [1, 2, 3]);
    await load.more(10);
    await load.stop();

    const leader = await cluster.leader(TOPIC, partition);
    expect(values(await cluster.ask(leader, (c) => readAll(c, TOPIC, partition)))).toEqual(load.acked);
    await waitFor(
      async () => {
        const [a, b, c] = await Promise.all([1, 2, 3].map((id) => cluster.logBytes(id, TOPIC, partition)));
        return a!.length > 0 && a!.equals(b!) && a!.equals(c!);
      },
      { timeoutMs: 90_000, intervalMs: 200, message: 'the three replicas to hold the same bytes' },
    );
  }, 300_000);
});
