// Replication as an operator would check it: three `sluice serve --cluster` processes on one etcd, a topic
// with replication factor 3 and min.insync.replicas 2, an idempotent producer sending with acks=-1 while the
// leader is SIGKILLed a few times. Every acknowledged record is read back exactly once and in order from
// whichever broker leads at the end; the three replicas' log files are byte for byte the same once caught up;
// a leader that comes back with records nobody else has (acks=1, followers paused) is truncated to the new
// leader's epoch boundary; and an ISR below min.insync.replicas refuses acks=-1.
//
// Failover time (kill → first produce acknowledged by another broker than the victim: an answer the victim
// wrote just before dying does not count) is measured each round and printed;
// the bound asserted is generous (the machine running the suite may be loaded): bench/failover.ts measures it.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTopicsApi, ErrorCode, MetadataApi, type MetadataResponse } from '../../src/protocol/index.js';
import { batchOf, produce, readAll, values } from '../helpers/broker.js';
import { type EtcdProcess, startEtcd } from '../helpers/etcd.js';
import { rawBatch } from '../helpers/raw-batch.js';
import { type SluiceProcess, startSluice } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';

const TOPIC = 'ledger';
let etcd: EtcdProcess;
const members = new Map<number, { process: SluiceProcess; dataDir: string }>();
const dataDirs = new Map<number, string>();
/** The brokers' cluster.replicaFetchWaitMaxMs (its default). */
const REPLICA_FETCH_WAIT_MS = 500;

async function serve(id: number): Promise<void> {
  const dataDir = dataDirs.get(id) ?? (await tempDir(`sluice-repl-${id}-`));
  dataDirs.set(id, dataDir);
  const process = await startSluice(
    ['--cluster', etcd.url, '--broker-id', String(id), '--port', '0', '--no-http', '--data-dir', dataDir],
    60_000,
  );
  members.set(id, { process, dataDir });
}

async function kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  const member = members.get(id)!;
  members.delete(id);
  await member.process.kill(signal);
}

/** One request on a fresh connection to broker `id` (connections to killed brokers must not linger). */
async function ask<T>(id: number, call: (client: WireClient) => Promise<T>): Promise<T> {
  const client = await WireClient.connect(members.get(id)!.process.port);
  try {
    return await call(client);
  } finally {
    client.destroy();
  }
}

async function partitionState(): Promise<MetadataResponse['topics'][number]['partitions'][number] | undefined> {
  for (const id of members.keys()) {
    try {
      const m = await ask(id, (c) => c.request(MetadataApi, { topics: [TOPIC], allowAutoTopicCreation: false }));
      const p = m.topics[0]?.partitions[0];
      if (p) return p;
    } catch {
      // that broker is going away: ask the next
    }
  }
  return undefined;
}

const live = (id: number) => members.has(id);

async function leaderNow(): Promise<number> {
  return waitFor(
    async () => {
      const p = await partitionState();
      return p && p.leader > 0 && live(p.leader) ? p.leader : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, message: 'a live leader' },
  );
}

async function fullIsr(): Promise<void> {
  await waitFor(async () => (await partitionState())?.isr.length === 3, {
    timeoutMs: 90_000,
    intervalMs: 200,
    message: 'all three replicas in the ISR',
  });
}

/** The concatenated .log files of broker `id`'s replica: what "byte for byte" compares. */
async function logBytes(id: number): Promise<Buffer> {
  const dir = join(dataDirs.get(id)!, `${TOPIC}-0`);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
  return Buffer.concat(await Promise.all(files.map((f) => readFile(join(dir, f)))));
}

async function sameLogs(): Promise<Buffer> {
  return waitFor(
    async () => {
      const [a, b, c] = await Promise.all([1, 2, 3].map(logBytes));
      return a!.length > 0 && a!.equals(b!) && a!.equals(c!) ? a : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 200, message: 'the three replicas to hold the same bytes' },
  );
}

/** An idempotent producer's batch (producer id 4242, epoch 0): a retry of a stored one is deduplicated. */
const PRODUCER_ID = 4242;
const idempotent = (value: string, sequence: number) =>
  rawBatch({
    records: [{ value: Buffer.from(value) }],
    producerId: PRODUCER_ID,
    producerEpoch: 0,
    baseSequence: sequence,
    baseTimestamp: Date.now(),
    maxTimestamp: Date.now(),
  });

beforeAll(async () => {
  etcd = await startEtcd();
  for (const id of [1, 2, 3]) await serve(id);
  await waitFor(
    async () => {
      const m = await ask(1, (c) => c.request(MetadataApi, { topics: null, allowAutoTopicCreation: false }));
      return m.brokers.length === 3 && m.controllerId > 0;
    },
    { timeoutMs: 60_000, intervalMs: 200, message: 'three brokers and a controller' },
  );
  const created = await ask(1, (c) =>
    c.request(CreateTopicsApi, {
      topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }],
      timeoutMs: 30_000,
      validateOnly: false,
    }),
  );
  expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
  await fullIsr();
}, 300_000);

afterAll(async () => {
  await Promise.all([...members.values()].map((m) => m.process.kill('SIGKILL')));
  await etcd?.stop();
  await removeTempDirs();
});

describe('replication with failover', () => {
  it('acks=-1 under SIGKILLs of the leader: every acknowledged record once, in order; replicas byte for byte', async () => {
    const acked: string[] = [];
    const ackTimes: Array<{ at: number; by: number }> = [];
    let stop = false;
    const producing = (async () => {
      for (let sequence = 0; !stop; ) {
        const value = `r${sequence}`;
        try {
          const leader = await leaderNow();
          const answer = await ask(leader, (c) => produce(c, TOPIC, 0, idempotent(value, sequence), -1));
          if (answer.errorCode === ErrorCode.NONE) {
            acked.push(value);
            ackTimes.push({ at: Date.now(), by: leader });
            sequence++;
            continue;
          }
        } catch {
          // the leader died under the request: find the new one and send the same batch again
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const failovers: number[] = [];
    for (let round = 0; round < 3; round++) {
      const target = acked.length + 20;
      await waitFor(() => acked.length >= target, { timeoutMs: 90_000, message: `20 more acks (round ${round})` });
      const victim = await leaderNow();
      const killedAt = Date.now();
      await kill(victim);
      const firstAck = await waitFor(() => ackTimes.find((t) => t.at > killedAt && t.by !== victim)?.at, {
        timeoutMs: 90_000,
        message: `an acknowledged produce after killing broker ${victim}`,
      });
      failovers.push(firstAck - killedAt);
      await serve(victim);
      await fullIsr();
    }
    stop = true;
    await producing;
    console.log(`failover (kill → first acks=-1 produce acknowledged by another broker), ms: ${failovers.join(', ')}`);
    // Target with the defaults is ≤ 5 s (3 s lease + election + client retry); a loaded machine gets slack.
    for (const ms of failovers) expect(ms).toBeLessThan(60_000);

    const leader = await leaderNow();
    const read = await ask(leader, (c) => readAll(c, TOPIC, 0));
    expect(values(read)).toEqual(acked);
    await sameLogs();
  }, 600_000);

  it('a returning leader with a longer, stale log is truncated to the new leader epoch boundary', async () => {
    const old = await leaderNow();
    const followers = [1, 2, 3].filter((id) => id !== old);
    // Followers paused: acks=1 records land on the leader alone.
    for (const id of followers) members.get(id)!.process.child.kill('SIGSTOP');
    let staleAcked: number;
    try {
      // A replica fetch sent before the stop may still be parked at the leader, and would carry the stale
      // records into the stopped follower's socket. The leader answers a parked fetch within the replica
      // fetch wait (500 ms by default); a stopped follower sends no other: after twice that, none is left.
      await new Promise((resolve) => setTimeout(resolve, 2 * REPLICA_FETCH_WAIT_MS));
      const stale = await ask(old, (c) => produce(c, TOPIC, 0, batchOf(['stale-1', 'stale-2']), 1));
      expect(stale.errorCode).toBe(ErrorCode.NONE);
      staleAcked = stale.baseOffset;
      await kill(old);
    } finally {
      for (const id of followers) members.get(id)!.process.child.kill('SIGCONT');
    }
    const next = await waitFor(
      async () => {
        const p = await partitionState();
        return p && p.leader > 0 && p.leader !== old ? p.leader : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: 'a new leader' },
    );
    const fresh = await waitFor(
      async () => {
        const r = await ask(next, (c) => produce(c, TOPIC, 0, batchOf(['fresh']), -1)).catch(() => undefined);
        return r?.errorCode === ErrorCode.NONE ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, message: 'an acks=-1 produce on the new leader' },
    );
    // The new leader's epoch starts where the stale records were: the old leader must drop them.
    expect(fresh.baseOffset).toBe(staleAcked);
    await serve(old);
    await fullIsr();
    await sameLogs();
    const read = values(await ask(next, (c) => readAll(c, TOPIC, 0)));
    expect(read).toContain('fresh');
    expect(read).not.toContain('stale-1');
    expect(read).not.toContain('stale-2');
  }, 300_000);

  it('an ISR below min.insync.replicas refuses acks=-1 (NOT_ENOUGH_REPLICAS) and still takes acks=1', async () => {
    const leader = await leaderNow();
    const followers = [1, 2, 3].filter((id) => id !== leader);
    for (const id of followers) await kill(id);
    await waitFor(async () => (await partitionState())?.isr.length === 1, {
      timeoutMs: 60_000,
      intervalMs: 200,
      message: 'the ISR to shrink to the leader',
    });
    const refused = await ask(leader, (c) => produce(c, TOPIC, 0, batchOf(['needs two']), -1));
    expect(refused.errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(refused.errorMessage).toContain('min.insync.replicas=2');
    const one = await ask(leader, (c) => produce(c, TOPIC, 0, batchOf(['leader only']), 1));
    expect(one.errorCode).toBe(ErrorCode.NONE);
    for (const id of followers) await serve(id);
    await fullIsr();
    const back = await ask(leader, (c) => produce(c, TOPIC, 0, batchOf(['two again']), -1));
    expect(back.errorCode).toBe(ErrorCode.NONE);
  }, 300_000);
});
