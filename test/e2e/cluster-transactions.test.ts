// Transactions in cluster mode: three `sluice serve --cluster` processes and a real etcd. The transaction
// coordinator is the leader of `__transaction_state` (every broker's FindCoordinator names it, the others
// answer NOT_COORDINATOR); a transactional producer writes to partitions led by different brokers and its
// commits and aborts reach every partition (read_committed consumers see exactly the committed records,
// read_uncommitted ones everything); the coordinator's broker is SIGKILLed in the middle of a transaction
// and right after a commit request: each transaction ends committed or aborted as a whole, and a new
// producer with the same transactional id fences the old one and works; DescribeTransactions answers on the
// coordinator and NOT_COORDINATOR elsewhere. KIP-890: a partition's leader
// asks the coordinator (on another broker) before it takes a transactional batch the transaction did not add.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLevel, type Producer, Sluice } from '../../src/client/index.js';
import {
  AddPartitionsToTxnApi,
  CreateTopicsApi,
  DescribeTransactionsApi,
  EndTxnApi,
  ErrorCode,
  FindCoordinatorApi,
  InitProducerIdApi,
  OffsetFetchApi,
  WriteTxnMarkersApi,
} from '../../src/protocol/index.js';
import { ATTR_TRANSACTIONAL, Offsets, writeBatchCrc, writeInt64 } from '../../storage/index.js';
import { produce } from '../helpers/broker.js';
import { SluiceCluster } from '../helpers/sluice-cluster.js';
import { keyedBatch } from '../storage/compaction-helpers.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const TOPIC = 'payments';
const PARTITIONS = 3;
const BROKERS = [1, 2, 3];
let cluster: SluiceCluster;

function client(): Sluice {
  return new Sluice({
    clientId: 'cluster-transactions',
    brokers: [...cluster.members.values()].map((m) => `127.0.0.1:${m.port}`),
    connectionTimeout: 1000,
    requestTimeout: 10_000,
    retry: { retries: 15, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: logLevel.NOTHING,
  });
}

/** Which broker coordinates `transactionalId`, as every live broker answers FindCoordinator (they agree). */
async function coordinator(transactionalId: string): Promise<number> {
  return waitFor(
    async () => {
      const answers = new Set<number>();
      for (const id of cluster.members.keys()) {
        const answer = await cluster
          .ask(id, (c) => c.request(FindCoordinatorApi, { key: transactionalId, keyType: 1 }))
          .catch(() => undefined);
        if (answer?.errorCode !== ErrorCode.NONE || !cluster.members.has(answer.nodeId)) return undefined;
        answers.add(answer.nodeId);
      }
      return answers.size === 1 ? [...answers][0] : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 200, message: `one live coordinator for ${transactionalId}` },
  );
}

/** Every partition of TOPIC, `__consumer_offsets` and `__transaction_state` led by a live broker with all 3 in sync. */
async function settled(): Promise<void> {
  for (let p = 0; p < PARTITIONS; p++) await cluster.isr(TOPIC, p, BROKERS);
  await cluster.settled('__consumer_offsets', 0, 3);
  await cluster.settled('__transaction_state', 0, 3);
}

async function transactionalProducer(sluice: Sluice, transactionalId: string): Promise<Producer> {
  const producer = sluice.producer({ transactionalId, maxInFlightRequests: 1, idempotent: true });
  await producer.connect();
  return producer;
}

/** One record to every partition of TOPIC, inside `send`'s transaction: `${prefix}-0`, `${prefix}-1`, … */
function everyPartition(prefix: string) {
  return {
    topic: TOPIC,
    messages: [...Array(PARTITIONS).keys()].map((p) => ({ partition: p, value: `${prefix}-${p}` })),
  };
}

/**
 * The values of TOPIC a consumer reads (read_committed unless `readUncommitted`), once `done` holds for
 * them, and after a short settle time anything that would have come with them.
 */
async function readValues(
  sluice: Sluice,
  readUncommitted: boolean,
  done: (values: string[]) => boolean,
): Promise<string[]> {
  const consumer = sluice.consumer({ readUncommitted, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
  const values: string[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      values.push(message.value!.toString());
    },
  });
  try {
    await waitFor(() => done(values), {
      timeoutMs: 90_000,
      message: `a ${readUncommitted ? 'read_uncommitted' : 'read_committed'} consumer to read what it should`,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    return [...values].sort();
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

const has = (values: string[], prefix: string) =>
  [...Array(PARTITIONS).keys()].every((p) => values.includes(`${prefix}-${p}`));
const count = (values: string[], prefix: string) => values.filter((v) => v.startsWith(`${prefix}-`)).length;

beforeAll(async () => {
  cluster = await SluiceCluster.start(BROKERS);
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
  await settled();
}, 300_000);

afterAll(async () => {
  await cluster?.close();
  await removeTempDirs();
});

describe('transactions in cluster mode (3 brokers, real etcd)', () => {
  it('the leader of __transaction_state coordinates; commits and aborts reach partitions led by every broker', async () => {
    const leaders = new Set<number>();
    for (let p = 0; p < PARTITIONS; p++) leaders.add((await cluster.settled(TOPIC, p, 3)).leader);
    expect(leaders.size).toBeGreaterThan(1);

    const txnLeader = (await cluster.settled('__transaction_state', 0, 3)).leader;
    expect(await coordinator('tx-basic')).toBe(txnLeader);
    // The others refuse transactional requests: the producer must go to the coordinator.
    for (const id of BROKERS.filter((b) => b !== txnLeader)) {
      const refused = await cluster.ask(id, (c) =>
        c.request(InitProducerIdApi, {
          transactionalId: 'tx-basic',
          transactionTimeoutMs: 60_000,
          producerId: -1,
          producerEpoch: -1,
        }),
      );
      expect(refused.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    }

    const sluice = client();
    const producer = await transactionalProducer(sluice, 'tx-basic');
    try {
      const first = await producer.transaction();
      await first.send(everyPartition('c1'));
      await first.sendOffsets({
        consumerGroupId: 'settlement',
        topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: '7' }] }],
      });
      await first.commit();

      const second = await producer.transaction();
      await second.send(everyPartition('a2'));
      await second.abort();

      const third = await producer.transaction();
      await third.send(everyPartition('c3'));
      await third.commit();
    } finally {
      await producer.disconnect();
    }

    const committed = await readValues(sluice, false, (v) => has(v, 'c1') && has(v, 'c3'));
    expect(committed).toEqual(['c1-0', 'c1-1', 'c1-2', 'c3-0', 'c3-1', 'c3-2']);
    const everything = await readValues(sluice, true, (v) => v.length >= 3 * PARTITIONS);
    expect(everything).toEqual(['a2-0', 'a2-1', 'a2-2', 'c1-0', 'c1-1', 'c1-2', 'c3-0', 'c3-1', 'c3-2']);

    // DescribeTransactions: the coordinator knows the transactional id; the others send the client back
    // to FindCoordinator.
    const described = await cluster.ask(txnLeader, (c) =>
      c.request(DescribeTransactionsApi, { transactionalIds: ['tx-basic'] }),
    );
    expect(described.transactionStates[0]).toMatchObject({ errorCode: ErrorCode.NONE, transactionalId: 'tx-basic' });
    for (const id of BROKERS.filter((b) => b !== txnLeader)) {
      const elsewhere = await cluster.ask(id, (c) =>
        c.request(DescribeTransactionsApi, { transactionalIds: ['tx-basic'] }),
      );
      expect(elsewhere.transactionStates[0]!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    }

    // The committed transaction's offsets reached the group coordinator (wherever it is).
    const groupCoordinator = (await cluster.settled('__consumer_offsets', 0, 3)).leader;
    const offsets = await cluster.ask(groupCoordinator, (c) =>
      c.request(OffsetFetchApi, {
        groupId: 'settlement',
        topics: [{ name: TOPIC, partitions: [0] }],
        requireStable: false,
      }),
    );
    expect(offsets.topics[0]!.partitions[0]!.offset).toBe(7);
  }, 600_000);

  it('KIP-890 across brokers: a leader refuses a transactional batch to a partition the transaction did not add', async () => {
    const txnLeader = await coordinator('tx-raw');
    const { partition } = await waitFor(
      async () => {
        for (let p = 0; p < PARTITIONS; p++)
          if ((await cluster.settled(TOPIC, p, 3)).leader !== txnLeader) return { partition: p };
        return undefined;
      },
      { timeoutMs: 60_000, message: 'a partition led by another broker than the transaction coordinator' },
    );
    const leader = (await cluster.settled(TOPIC, partition, 3)).leader;
    const init = await cluster.ask(txnLeader, (c) =>
      c.request(InitProducerIdApi, {
        transactionalId: 'tx-raw',
        transactionTimeoutMs: 60_000,
        producerId: -1,
        producerEpoch: -1,
      }),
    );
    expect(init.errorCode).toBe(ErrorCode.NONE);
    const batch = await keyedBatch([{ key: 'k', value: 'raw' }]);
    writeInt64(batch, Offsets.producerId, init.producerId);
    batch.writeInt16BE(init.producerEpoch, Offsets.producerEpoch);
    batch.writeInt32BE(0, Offsets.baseSequence);
    batch.writeInt16BE(batch.readInt16BE(Offsets.attributes) | ATTR_TRANSACTIONAL, Offsets.attributes);
    writeBatchCrc(batch);

    const refused = await cluster.ask(leader, (c) => produce(c, TOPIC, partition, batch));
    expect(refused.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    const added = await cluster.ask(txnLeader, (c) =>
      c.request(AddPartitionsToTxnApi, {
        transactionalId: 'tx-raw',
        producerId: init.producerId,
        producerEpoch: init.producerEpoch,
        topics: [{ name: TOPIC, partitions: [partition] }],
      }),
    );
    expect(added.results[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    const stored = await cluster.ask(leader, (c) => produce(c, TOPIC, partition, batch));
    expect(stored.errorCode).toBe(ErrorCode.NONE);
    // The abort's marker ends the verification: the same producer's next batch there asks again, and is refused.
    const ended = await cluster.ask(txnLeader, (c) =>
      c.request(EndTxnApi, {
        transactionalId: 'tx-raw',
        producerId: init.producerId,
        producerEpoch: init.producerEpoch,
        committed: false,
      }),
    );
    expect(ended.errorCode).toBe(ErrorCode.NONE);
    batch.writeInt32BE(1, Offsets.baseSequence);
    writeBatchCrc(batch);
    const late = await cluster.ask(leader, (c) => produce(c, TOPIC, partition, batch));
    expect(late.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  }, 300_000);

  it('a transaction marker is refused while the ISR is below min.insync.replicas, as an acks=-1 produce is', async () => {
    // An ISR below min.insync.replicas without stopping a broker: 4 required of 3 replicas.
    const created = await cluster.ask(1, (c) =>
      c.request(CreateTopicsApi, {
        topics: [{ name: 'strict', numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '4' } }],
        timeoutMs: 30_000,
        validateOnly: false,
      }),
    );
    expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    const leader = (await cluster.settled('strict', 0, 3)).leader;
    const answer = await cluster.ask(leader, (c) =>
      c.request(WriteTxnMarkersApi, {
        producerId: 4242,
        producerEpoch: 0,
        commit: true,
        coordinatorEpoch: 0,
        topics: [{ name: 'strict', partitions: [0] }],
      }),
    );
    const refused = answer.results[0]!.partitions[0]!;
    expect(refused.errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(refused.errorMessage).toContain('fewer than min.insync.replicas=4');
    // Nothing was written: the coordinator's retry is the only marker that will ever land.
    expect((await cluster.logBytes(leader, 'strict', 0)).length).toBe(0);
  }, 120_000);

  it('SIGKILL of the coordinator in the middle of a transaction: it commits whole on the new one; a new instance fences the old', async () => {
    const sluice = client();
    const producer = await transactionalProducer(sluice, 'tx-midway');
    const victim = await coordinator('tx-midway');
    const txn = await producer.transaction();
    await txn.send(everyPartition('m1'));
    await cluster.stop(victim, 'SIGKILL');

    const successor = await coordinator('tx-midway');
    expect(successor).not.toBe(victim);
    // The open transaction was replicated with its partitions: the new coordinator commits it everywhere.
    await txn.commit();

    // A new instance with the same transactional id fences the old one, and works.
    const fresh = await transactionalProducer(client(), 'tx-midway');
    try {
      const next = await fresh.transaction(); // its InitProducerId bumps the epoch
      const zombie = await producer.transaction();
      await expect(zombie.send(everyPartition('zombie'))).rejects.toThrow();
      await next.send(everyPartition('m2'));
      await next.commit();
    } finally {
      await producer.disconnect().catch(() => undefined);
      await fresh.disconnect();
    }

    const committed = await readValues(sluice, false, (v) => has(v, 'm1') && has(v, 'm2'));
    expect(count(committed, 'm1')).toBe(PARTITIONS);
    expect(count(committed, 'm2')).toBe(PARTITIONS);
    expect(count(committed, 'zombie')).toBe(0);

    await cluster.serve(victim);
    await settled();
  }, 600_000);

  it('SIGKILL of the coordinator right after the commit request: the transaction ends whole, committed or aborted', async () => {
    const sluice = client();
    const producer = await transactionalProducer(sluice, 'tx-commit');
    const victim = await coordinator('tx-commit');
    const txn = await producer.transaction();
    await txn.send(everyPartition('k1'));
    const committing = txn.commit().then(
      () => 'committed' as const,
      () => 'failed' as const,
    );
    await cluster.stop(victim, 'SIGKILL');
    const outcome = await committing;

    // A new instance ends whatever is left of the transaction (completes a prepared commit, aborts an open
    // one) and commits a transaction of its own: once that is visible everywhere, k1 is settled too.
    const fresh = await transactionalProducer(client(), 'tx-commit');
    try {
      const after = await fresh.transaction();
      await after.send(everyPartition('k2'));
      await after.commit();
    } finally {
      await producer.disconnect().catch(() => undefined);
      await fresh.disconnect();
    }
    const committed = await readValues(sluice, false, (v) => has(v, 'k2'));
    const k1 = count(committed, 'k1');
    console.log(`coordinator killed after the commit request: the client saw ${outcome}, k1 records visible: ${k1}`);
    expect([0, PARTITIONS]).toContain(k1);
    if (outcome === 'committed') expect(k1).toBe(PARTITIONS);
    expect(count(committed, 'k2')).toBe(PARTITIONS);
    const everything = await readValues(sluice, true, (v) => has(v, 'k1') && has(v, 'k2'));
    expect(count(everything, 'k1')).toBe(PARTITIONS);

    await cluster.serve(victim);
  }, 600_000);
});
