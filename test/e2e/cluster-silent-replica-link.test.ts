// A follower's link to its leader goes silent without closing (a middlebox that lost the connection's
// state: nothing arrives, nothing fails), then new connections work again. The follower's fetch gets no
// answer within replicaSocketTimeoutMs (default 5 s) beyond its wait, so it closes the connection, says so,
// connects again and catches up: the two replicas end byte for byte the same. Before, the fetch waited on
// the dead connection for ever and the follower never caught up.
//
// Two `sluice serve --cluster` processes on a real etcd, each advertising a loopback proxy in front of it
// (test/helpers/stalling-proxy.ts), so the follower's replica fetches go through the leader's proxy; the
// test's own requests go to each broker's port directly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTopicsApi, ErrorCode } from '../../src/protocol/index.js';
import { produce } from '../helpers/broker.js';
import { rawBatch } from '../helpers/raw-batch.js';
import { SluiceCluster } from '../helpers/sluice-cluster.js';
import { type StallingProxy, stallingProxy } from '../helpers/stalling-proxy.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const TOPIC = 'followed';
const proxies = new Map<number, StallingProxy>();
/** Each broker's own port, known once it started (its proxy closes connections that come before). */
const ports = new Map<number, number>();
let cluster: SluiceCluster;

beforeAll(async () => {
  for (const id of [1, 2]) {
    proxies.set(
      id,
      await stallingProxy(() => {
        const port = ports.get(id);
        return port === undefined ? undefined : { host: '127.0.0.1', port };
      }),
    );
  }
  cluster = await SluiceCluster.start([1, 2], (id) => ({
    args: ['--advertised-host', '127.0.0.1', '--advertised-port', String(proxies.get(id)!.port)],
  }));
  for (const id of [1, 2]) ports.set(id, cluster.port(id));
  const created = await cluster.ask(1, (c) =>
    c.request(CreateTopicsApi, {
      topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 2, configs: {} }],
      timeoutMs: 30_000,
      validateOnly: false,
    }),
  );
  expect(created.topics.map((t) => t.errorCode)).toEqual([ErrorCode.NONE]);
  await cluster.isr(TOPIC, 0, [1, 2]);
}, 120_000);

afterAll(async () => {
  await cluster?.close();
  for (const proxy of proxies.values()) await proxy.close();
  await removeTempDirs();
});

/** `n` batches of 10 records to the leader, acks=1 (answered without the follower). */
async function produceToLeader(leader: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const records = Array.from({ length: 10 }, (_, j) => ({ value: Buffer.from(`record ${i}.${j}`) }));
    const result = await cluster.ask(leader, (c) => produce(c, TOPIC, 0, rawBatch({ records }), 1));
    expect(result.errorCode).toBe(ErrorCode.NONE);
  }
}

async function replicasAlike(leader: number, follower: number): Promise<boolean> {
  const [led, followed] = await Promise.all([cluster.logBytes(leader, TOPIC, 0), cluster.logBytes(follower, TOPIC, 0)]);
  return led.length > 0 && led.equals(followed);
}

describe("a follower's link to its leader that goes silent", () => {
  it('the follower closes it after replicaSocketTimeoutMs, connects again and catches up', async () => {
    const leader = await cluster.leader(TOPIC, 0);
    const follower = leader === 1 ? 2 : 1;
    await produceToLeader(leader, 5);
    await waitFor(() => replicasAlike(leader, follower), { timeoutMs: 30_000, message: 'the follower caught up' });

    // The link goes silent, then new connections work again: only a follower that gives up on its open
    // connection gets the records written meanwhile.
    const stalledAt = Date.now();
    proxies.get(leader)!.stall();
    await produceToLeader(leader, 5);
    proxies.get(leader)!.heal();
    await produceToLeader(leader, 5);
    await waitFor(() => replicasAlike(leader, follower), {
      timeoutMs: 30_000,
      message: 'the follower to catch up through a new connection',
    });
    const said = cluster.members
      .get(follower)!
      .lines.filter(
        (l) => l.msg === 'replica fetch from the leader failed; retrying' && (l.time as number) >= stalledAt,
      );
    expect(said.map((l) => l.err)).toEqual([
      expect.stringMatching(/^the peer did not answer ReplicaFetch within \d+ ms: the connection is closed$/),
    ]);
  }, 120_000);
});
