// The group coordinator lives on the leader of `__consumer_offsets`, replicated like any partition: three
// `sluice serve --cluster` processes and a real etcd; a group of two SDK consumers on a replicated topic
// commits after every record (acks=-1 into `__consumer_offsets`); the broker coordinating the group is
// SIGKILLed. The new coordinator loads the group Stable (its members, generation and assignments are in the
// replicated `__consumer_offsets`), so the members go on with it without rejoining; the offsets they were
// told were committed are still there, and no record whose commit was acknowledged is delivered again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Consumer, logLevel, type Producer, Sluice } from '../../src/client/index.js';
import {
  CreateTopicsApi,
  ErrorCode,
  FindCoordinatorApi,
  ListOffsetsApi,
  OffsetFetchApi,
} from '../../src/protocol/index.js';
import { SluiceCluster } from '../helpers/sluice-cluster.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const TOPIC = 'orders';
const PARTITIONS = 3;
const GROUP = 'billing';
let cluster: SluiceCluster;

function client(): Sluice {
  return new Sluice({
    clientId: 'coordinator-failover',
    brokers: [...cluster.members.values()].map((m) => `127.0.0.1:${m.port}`),
    connectionTimeout: 1000,
    requestTimeout: 10_000,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: logLevel.NOTHING,
  });
}

/** Which broker coordinates GROUP, as a live broker answers FindCoordinator. */
async function coordinator(): Promise<number> {
  return waitFor(
    async () => {
      for (const id of cluster.members.keys()) {
        const answer = await cluster
          .ask(id, (c) => c.request(FindCoordinatorApi, { key: GROUP, keyType: 0 }))
          .catch(() => undefined);
        if (answer?.errorCode === ErrorCode.NONE && cluster.members.has(answer.nodeId)) return answer.nodeId;
      }
      return undefined;
    },
    { timeoutMs: 90_000, intervalMs: 200, message: `a live coordinator for ${GROUP}` },
  );
}

/** Where partition `p` stands, for a failure message: its leader, ISR, ends, and what the group got of it. */
async function partitionReport(p: number, deliveries: Delivery[]): Promise<string> {
  const lastDelivered = Math.max(-1, ...deliveries.filter((d) => d.partition === p).map((d) => d.offset));
  const state = await cluster.partition(TOPIC, p);
  /** The leader's latest offset: its high watermark (isolation 0) or its last stable offset (isolation 1). */
  const latest = async (isolationLevel: number): Promise<string> => {
    if (!state || !cluster.live(state.leader)) return 'unknown';
    const listed = await cluster
      .ask(state.leader, (c) =>
        c.request(ListOffsetsApi, {
          isolationLevel,
          topics: [{ name: TOPIC, partitions: [{ partition: p, timestamp: -1 }] }],
        }),
      )
      .catch((err: Error) => err.message);
    return typeof listed === 'string' ? listed : String(listed.topics[0]?.partitions[0]?.offset);
  };
  return `partition ${p}: leader ${state?.leader}, ISR ${state?.isr.join(',')}, high watermark ${await latest(0)}, last stable offset ${await latest(1)}, last delivered ${lastDelivered}`;
}

beforeAll(async () => {
  cluster = await SluiceCluster.start([1, 2, 3]);
  const created = await cluster.ask(1, (c) =>
    c.request(CreateTopicsApi, {
      topics: [
        { name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } },
      ],
      timeoutMs: 30_000,
      validateOnly: false,
    }),
  );
  expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
  for (let p = 0; p < PARTITIONS; p++) await cluster.settled(TOPIC, p, 3);
  await cluster.settled('__consumer_offsets', 0, 3);
}, 300_000);

afterAll(async () => {
  await cluster?.close();
  await removeTempDirs();
});

interface Delivery {
  partition: number;
  offset: number;
  value: string;
  at: number;
}

describe('group coordinator failover (3 brokers, real etcd)', () => {
  it('SIGKILL of the coordinator: members carry on with the new one without rejoining, committed offsets kept, nothing committed re-read', async () => {
    const sluice = client();
    const producer: Producer = sluice.producer({ idempotent: true });
    await producer.connect();
    const acked: string[] = [];
    let producing = true;
    const produceLoop = (async () => {
      for (let i = 0; producing; ) {
        const value = `o${i}`;
        try {
          await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: value, value }] });
          acked.push(value);
          i++;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const deliveries: Delivery[] = [];
    /** Per partition: the next offset of the last commit the coordinator acknowledged, and when. */
    const committed = new Map<number, { offset: number; at: number }>();
    const joins: number[] = [];
    /** What each member was last given, and its crashes: named when the last wait fails. */
    const assigned = new Map<number, number[]>();
    const crashes: string[] = [];
    const consumers: Consumer[] = [];
    for (let m = 0; m < 2; m++) {
      const consumer = sluice.consumer({
        groupId: GROUP,
        sessionTimeout: 10_000,
        rebalanceTimeout: 10_000,
        heartbeatInterval: 300,
        maxWaitTimeInMs: 200,
      });
      consumers.push(consumer);
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        joins.push(Date.now());
        assigned.set(m, e.payload.memberAssignment[TOPIC] ?? []);
      });
      consumer.on(consumer.events.CRASH, (e) =>
        crashes.push(`member ${m}: ${e.payload.error.message} (restart: ${e.payload.restart})`),
      );
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const offset = Number(message.offset);
          deliveries.push({ partition, offset, value: message.value!.toString(), at: Date.now() });
          await consumer.commitOffsets([{ topic: TOPIC, partition, offset: String(offset + 1) }]);
          const before = committed.get(partition);
          if (!before || before.offset < offset + 1) committed.set(partition, { offset: offset + 1, at: Date.now() });
        },
      });
    }

    try {
      await waitFor(() => committed.size === PARTITIONS && deliveries.length >= 60, {
        timeoutMs: 120_000,
        message: 'the group consuming and committing every partition',
      });
      const victim = await coordinator();
      const killedAt = Date.now();
      const committedBeforeKill = new Map([...committed].map(([p, c]) => [p, c.offset]));
      await cluster.stop(victim, 'SIGKILL');

      const successor = await coordinator();
      expect(successor).not.toBe(victim);
      // The new coordinator loaded the group Stable from the replicated `__consumer_offsets`: the members go
      // on consuming and committing through it at their generation, with no rejoin.
      const deliveredBefore = deliveries.filter((d) => d.at > killedAt).length;
      await waitFor(() => deliveries.filter((d) => d.at > killedAt).length >= deliveredBefore + 30, {
        timeoutMs: 120_000,
        message: 'consumption to go on after the failover',
      });
      const resumedAt = deliveries.filter((d) => d.at > killedAt)[deliveredBefore]!.at;
      console.log(`coordinator failover: consumption went on ${resumedAt - killedAt} ms after the kill`);
      await waitFor(() => [...committed.values()].some((c) => c.at > resumedAt), {
        timeoutMs: 60_000,
        message: 'a commit acknowledged by the new coordinator',
      });
      expect(joins.filter((at) => at > killedAt)).toEqual([]);

      // Every commit acknowledged before the kill is kept by the new coordinator (read straight from it).
      const fetched = await cluster.ask(successor, (c) =>
        c.request(OffsetFetchApi, {
          groupId: GROUP,
          topics: [{ name: TOPIC, partitions: [...Array(PARTITIONS).keys()] }],
          requireStable: false,
        }),
      );
      expect(fetched.errorCode).toBe(ErrorCode.NONE);
      for (const p of fetched.topics[0]!.partitions)
        expect(p.offset).toBeGreaterThanOrEqual(committedBeforeKill.get(p.partition)!);

      // No record below an acknowledged commit is delivered after the kill: only the uncommitted tail is.
      const reread = deliveries.filter((d) => d.at > killedAt && d.offset < committedBeforeKill.get(d.partition)!);
      expect(reread).toEqual([]);
    } finally {
      producing = false;
      await produceLoop;
      await producer.disconnect().catch(() => undefined);
    }

    // Every acknowledged record reaches the group (at least once: the uncommitted tail may come twice).
    const missing = () => {
      const seen = new Set(deliveries.map((d) => d.value));
      return acked.filter((value) => !seen.has(value));
    };
    await waitFor(() => missing().length === 0, {
      timeoutMs: 120_000,
      message: 'every acknowledged record consumed',
    }).catch(async (error: Error) => {
      const partitions = await Promise.all([...Array(PARTITIONS).keys()].map((p) => partitionReport(p, deliveries)));
      throw new Error(
        `${error.message}: ${missing().length} of ${acked.length} never delivered (first: ${missing().slice(0, 5).join(', ')}); ${partitions.join('; ')}; last assignments ${JSON.stringify(Object.fromEntries(assigned))}; crashes: ${crashes.join(' | ') || 'none'}`,
      );
    });
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
  }, 600_000);
});
