// The SDK's transactions against a real in-process broker, as a kafkajs user writes them:
// producer.transaction() → send/sendBatch/sendOffsets → commit/abort, read by consumers that are
// read_committed by default (readUncommitted: false) or read_uncommitted.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Consumer,
  type PartitionAssigner,
  PartitionAssigners,
  type Producer,
  type Sluice,
  type Transaction,
} from '../../src/client/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { collect, sdkClient, startSdkBroker, str, waitFor, type SdkBroker } from '../client/helpers.js';

let b: SdkBroker;
let sluice: Sluice;
const open: Producer[] = [];

beforeEach(async () => {
  b = await startSdkBroker({ transactions: { abortCheckIntervalMs: 100 } });
  sluice = sdkClient(b.port);
});
afterEach(async () => {
  for (const p of open.splice(0)) await p.disconnect().catch(() => undefined);
  await b.stop();
});
afterAll(removeTempDirs);

async function createTopic(topic: string, numPartitions = 1) {
  const admin = sluice.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions }] });
  await admin.disconnect();
}

async function transactionalProducer(transactionalId: string, options: { transactionTimeout?: number } = {}) {
  const producer = sluice.producer({ transactionalId, maxInFlightRequests: 1, idempotent: true, ...options });
  await producer.connect();
  open.push(producer);
  return producer;
}

/** Every value of `topic` (all partitions) once `expected` arrived, plus anything arriving within a settle time. */
async function readValues(topic: string, expected: number, readUncommitted = false): Promise<string[]> {
  const consumer = sluice.consumer({ readUncommitted, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const got = await collect(consumer, expected, 15_000);
  // Anything that should not be there (an aborted record) would have come with or right after the others.
  await new Promise((r) => setTimeout(r, 300));
  await consumer.disconnect();
  return got.map((g) => str(g.message.value)!).sort();
}

/** Creates `topic` with two partitions of four records each; returns what sends more to one partition. */
async function twoPartitionsOfFour(topic: string) {
  await createTopic(topic, 2);
  const plain = sluice.producer();
  await plain.connect();
  open.push(plain);
  const sendTo = (partition: number, values: string[]) =>
    plain.send({ topic, messages: values.map((value) => ({ value, partition })) });
  await sendTo(0, ['p0-0', 'p0-1', 'p0-2', 'p0-3']);
  await sendTo(1, ['p1-0', 'p1-1', 'p1-2', 'p1-3']);
  return sendTo;
}

/** A transaction that commits `groupId`'s offset of one partition and stays open. */
async function openOffsetsTransaction(
  transactionalId: string,
  groupId: string,
  topic: string,
  partition: number,
  offset: string,
) {
  const producer = await transactionalProducer(transactionalId);
  const txn = await producer.transaction();
  await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition, offset }] }] });
  return txn;
}

/** The group protocols the waits for stable offsets are tested under: a name for the test, the members' assigners. */
const GROUP_PROTOCOLS: Array<[string, PartitionAssigner[] | undefined]> = [
  ['eager (the default assigners)', undefined],
  ['cooperative-sticky', [PartitionAssigners.cooperativeSticky]],
];

/** The members of one read_committed group on a topic of two partitions, and every record they got. */
class GroupRecorder {
  readonly deliveries: Array<{ member: string; partition: number; offset: string; at: number }> = [];

  /** `assigners`: the members' partitionAssigners (the SDK's default when absent). */
  constructor(
    readonly topic: string,
    readonly groupId: string,
    readonly assigners?: PartitionAssigner[],
  ) {}

  /** A member; its joins (with the partitions each gave it) and its OffsetFetch requests. */
  async member(name: string) {
    const consumer = sluice.consumer({
      groupId: this.groupId,
      ...(this.assigners ? { partitionAssigners: this.assigners } : {}),
      maxWaitTimeInMs: 100,
      heartbeatInterval: 200,
      sessionTimeout: 30_000,
      rebalanceTimeout: 60_000,
    });
    const joins: number[][] = [];
    let offsetFetches = 0;
    consumer.on(consumer.events.GROUP_JOIN, (e) => joins.push(e.payload.memberAssignment[this.topic] ?? []));
    consumer.on(consumer.events.REQUEST, (e) => {
      if (e.payload.apiName === 'OffsetFetch') offsetFetches++;
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    // Not awaited: run() settles once the first assignment is positioned, which may wait for the transaction.
    const running = consumer.run({
      eachMessage: async ({ partition, message }) => {
        this.deliveries.push({ member: name, partition, offset: message.offset, at: Date.now() });
      },
    });
    running.catch(() => undefined);
    return { name, consumer, joins, fetches: () => offsetFetches };
  }

  /**
   * While `waiting` waits for the open transaction `txn` that commits the offset 2 of partition `contested`,
   * member `name` joins: both are in the next generation within seconds, the other partition (whose log ends
   * at 4) is consumed while the transaction is still open and the contested one is not, and once it commits
   * the contested partition starts at 2.
   */
  async expectJoinWhileWaiting(
    waiting: { name: string; consumer: Consumer; joins: number[][] },
    name: string,
    sendTo: (partition: number, values: string[]) => Promise<unknown>,
    contested: number,
    txn: Transaction,
  ): Promise<void> {
    const other = 1 - contested;
    const joinsBefore = waiting.joins.length;
    const joining = await this.member(name);
    // A cooperative group hands the joining member its partition in a second round, once the other gave it up.
    await waitFor(() => joining.joins.at(-1)?.length === 1 && waiting.joins.length > joinsBefore, 15_000);
    const ownerOf = (partition: number) => (joining.joins.at(-1)!.includes(partition) ? name : waiting.name);

    const openSince = Date.now();
    await sendTo(other, ['p-new']);
    await waitFor(
      () => this.deliveries.some((d) => d.partition === other && d.offset === '4' && d.member === ownerOf(other)),
      15_000,
    );
    expect(this.deliveries.filter((d) => d.partition === contested && d.at >= openSince)).toEqual([]);

    await txn.commit();
    await waitFor(() => this.deliveries.some((d) => d.partition === contested && d.at >= openSince), 15_000);
    const after = this.deliveries.filter((d) => d.partition === contested && d.at >= openSince);
    expect(after[0]).toMatchObject({ member: ownerOf(contested), offset: '2' });
    await waiting.consumer.disconnect();
    await joining.consumer.disconnect();
  }
}

describe('SDK transactions', () => {
  it('read_committed consumers see committed records only; read_uncommitted consumers see aborted ones too', async () => {
    await createTopic('tx-out', 2);
    const producer = await transactionalProducer('tx-basic');

    const aborted = await producer.transaction();
    expect(aborted.isActive()).toBe(true);
    await aborted.send({ topic: 'tx-out', messages: [{ partition: 0, value: 'a-0' }] });
    await aborted.sendBatch({ topicMessages: [{ topic: 'tx-out', messages: [{ partition: 1, value: 'a-1' }] }] });
    await aborted.abort();
    expect(aborted.isActive()).toBe(false);

    const committed = await producer.transaction();
    await committed.send({
      topic: 'tx-out',
      messages: [
        { partition: 0, value: 'c-0' },
        { partition: 1, value: 'c-1' },
        { key: 'k', value: 'c-key' },
      ],
    });
    await committed.commit();
    expect(committed.isActive()).toBe(false);
    await expect(committed.send({ topic: 'tx-out', messages: [{ value: 'late' }] })).rejects.toThrow(
      /Cannot continue to use transaction once ended/,
    );

    expect(await readValues('tx-out', 3)).toEqual(['c-0', 'c-1', 'c-key']);
    expect(await readValues('tx-out', 5, true)).toEqual(['a-0', 'a-1', 'c-0', 'c-1', 'c-key']);
  });

  it('a read_committed consumer waits at an open transaction and gets its records once it commits', async () => {
    await createTopic('tx-lso');
    const plain = sluice.producer();
    await plain.connect();
    open.push(plain);
    const producer = await transactionalProducer('tx-lso');
    const txn = await producer.transaction();
    await txn.send({ topic: 'tx-lso', messages: [{ value: 'in-txn' }] });
    await plain.send({ topic: 'tx-lso', messages: [{ value: 'after-open-txn' }] });

    const consumer = sluice.consumer({ maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['tx-lso'], fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(str(message.value)!);
      },
    });
    // Both records are stored, but the first belongs to an open transaction: nothing is past the LSO.
    await new Promise((r) => setTimeout(r, 500));
    expect(seen).toEqual([]);
    await txn.commit();
    await waitFor(() => seen.length === 2, 10_000);
    await consumer.disconnect();
    expect(seen).toEqual(['in-txn', 'after-open-txn']);
  });

  it('sendOffsets commits the group offsets with the transaction: never on abort, on commit only', async () => {
    await createTopic('tx-in');
    await createTopic('tx-sink');
    const admin = sluice.admin();
    await admin.connect();
    const offsetOf = async () =>
      (await admin.fetchOffsets({ groupId: 'tx-group', topics: ['tx-in'] }))[0].partitions[0].offset;
    const producer = await transactionalProducer('tx-offsets');

    const aborted = await producer.transaction();
    await aborted.send({ topic: 'tx-sink', messages: [{ value: 'x' }] });
    await aborted.sendOffsets({
      consumerGroupId: 'tx-group',
      topics: [{ topic: 'tx-in', partitions: [{ partition: 0, offset: '5' }] }],
    });
    await aborted.abort();
    expect(await offsetOf()).toBe('-1');

    const committed = await producer.transaction();
    await committed.sendOffsets({
      consumerGroupId: 'tx-group',
      topics: [{ topic: 'tx-in', partitions: [{ partition: 0, offset: '7' }] }],
    });
    expect(await offsetOf()).toBe('-1'); // not before the commit
    await committed.commit();
    expect(await offsetOf()).toBe('7');
    await admin.disconnect();
  });

  // KIP-447: a consume-transform-produce application's new group member must not start before the offsets a
  // transaction is committing for the group, or it processes those records again.
  it('a read_committed group member waits for a transaction that commits its offsets, then starts at them', async () => {
    await createTopic('tx-stable-in');
    const plain = sluice.producer();
    await plain.connect();
    open.push(plain);
    await plain.send({ topic: 'tx-stable-in', messages: Array.from({ length: 10 }, (_, i) => ({ value: `r${i}` })) });
    const producer = await transactionalProducer('tx-stable');
    const txn = await producer.transaction();
    await txn.sendOffsets({
      consumerGroupId: 'tx-stable-group',
      topics: [{ topic: 'tx-stable-in', partitions: [{ partition: 0, offset: '6' }] }],
    });

    const startsAt = async (readUncommitted: boolean, groupId: string) => {
      const consumer = sluice.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 100 });
      let offsetFetches = 0;
      consumer.on(consumer.events.REQUEST, (e) => {
        if (e.payload.apiName === 'OffsetFetch') offsetFetches++;
      });
      await consumer.connect();
      await consumer.subscribe({ topic: 'tx-stable-in', fromBeginning: true });
      const offsets: string[] = [];
      const running = consumer.run({
        eachMessage: async ({ message }) => {
          offsets.push(message.offset);
        },
      });
      running.catch(() => undefined);
      return { consumer, offsets, running, fetches: () => offsetFetches };
    };
    // A member that stops while it waits stops cleanly: its run() settles, nothing is delivered.
    const stopped = await startsAt(false, 'tx-stable-group');
    await waitFor(() => stopped.fetches() >= 2, 10_000);
    await stopped.consumer.disconnect();
    await stopped.running.catch(() => undefined);
    expect(stopped.offsets).toEqual([]);

    const waiting = await startsAt(false, 'tx-stable-group');
    // Asked again and again: the offset is unstable while the transaction is open. Nothing delivered meanwhile.
    await waitFor(() => waiting.fetches() >= 3, 10_000);
    expect(waiting.offsets).toEqual([]);
    await txn.commit();
    await waitFor(() => waiting.offsets.length >= 4, 10_000);
    expect(waiting.offsets).toEqual(['6', '7', '8', '9']);
    await waiting.consumer.disconnect();

    // read_uncommitted does not ask for stable offsets: it starts at once (here from the beginning, the group
    // having committed nothing), without waiting for the open transaction's offset.
    const second = await producer.transaction();
    await second.sendOffsets({
      consumerGroupId: 'tx-eager-group',
      topics: [{ topic: 'tx-stable-in', partitions: [{ partition: 0, offset: '8' }] }],
    });
    const eager = await startsAt(true, 'tx-eager-group');
    await waitFor(() => eager.offsets.length >= 10, 10_000);
    expect(eager.offsets[0]).toBe('0');
    expect(eager.fetches()).toBe(1);
    await eager.consumer.disconnect();
    await second.abort();
  });

  it.each(GROUP_PROTOCOLS)(
    'a member waiting for stable offsets in a rebalance rejoins when the group rebalances again, %s: the others are not held up',
    async (_protocol, assigners) => {
      const kind = assigners ? 'cooperative' : 'eager';
      const topic = `tx-rejoin-in-${kind}`;
      const group = new GroupRecorder(topic, `tx-rejoin-group-${kind}`, assigners);
      const sendTo = await twoPartitionsOfFour(topic);

      const a = await group.member('a');
      const c = await group.member('c');
      await waitFor(() => group.deliveries.length === 8 && c.joins.at(-1)?.length === 1, 15_000);
      const contested = c.joins.at(-1)![0]!;

      // A transaction commits the group's offset of c's partition (2) and stays open.
      const txn = await openOffsetsTransaction(`${group.groupId}-txn`, group.groupId, topic, contested, '2');

      // c leaves: in the rebalance that follows, a gets c's partition and waits for the transaction to end.
      const fetchesBefore = a.fetches();
      await c.consumer.disconnect();
      await waitFor(() => a.joins.at(-1)?.length === 2 && a.fetches() >= fetchesBefore + 3, 15_000);

      // b joins meanwhile: a gives up its wait and joins again, so b is in the group within seconds, not after
      // the transaction's timeout or a's rebalance timeout (60 s each) ended a's wait.
      await group.expectJoinWhileWaiting(a, 'b', sendTo, contested, txn);
    },
  );

  it.each(GROUP_PROTOCOLS)(
    'a member waiting for stable offsets of its first assignment rejoins when the group rebalances, %s: the others are not held up',
    async (_protocol, assigners) => {
      const kind = assigners ? 'cooperative' : 'eager';
      const topic = `tx-rejoin-first-in-${kind}`;
      const group = new GroupRecorder(topic, `tx-rejoin-first-group-${kind}`, assigners);
      const sendTo = await twoPartitionsOfFour(topic);
      const contested = 0;
      const txn = await openOffsetsTransaction(`${group.groupId}-txn`, group.groupId, topic, contested, '2');

      // a is the group's only member: its first assignment has both partitions, and it waits for the transaction.
      const a = await group.member('a');
      await waitFor(() => a.joins.length === 1 && a.fetches() >= 3, 15_000);
      expect(group.deliveries).toEqual([]);

      await group.expectJoinWhileWaiting(a, 'b', sendTo, contested, txn);
    },
  );

  it('a second producer with the same transactionalId fences the first (zombie): its sends and commit fail', async () => {
    await createTopic('tx-zombie');
    const zombie = await transactionalProducer('tx-fenced');
    const zombieTxn = await zombie.transaction();
    await zombieTxn.send({ topic: 'tx-zombie', messages: [{ value: 'zombie-1' }] });

    const successor = await transactionalProducer('tx-fenced');
    const txn = await successor.transaction(); // bumps the epoch: aborts the zombie's open transaction
    await txn.send({ topic: 'tx-zombie', messages: [{ value: 'successor' }] });
    await txn.commit();

    const late = await zombieTxn.send({ topic: 'tx-zombie', messages: [{ value: 'zombie-2' }] }).catch((e) => e);
    expect(late).toBeInstanceOf(Error);
    expect(String(late.type ?? late.cause?.type)).toMatch(/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/);
    const commit = await zombieTxn.commit().catch((e) => e);
    expect(commit).toBeInstanceOf(Error);
    await expect(zombie.transaction()).rejects.toThrow(/fenced/);

    expect(await readValues('tx-zombie', 1)).toEqual(['successor']);
  });

  it('an abandoned transaction is aborted by its timeout', async () => {
    await createTopic('tx-timeout');
    const producer = await transactionalProducer('tx-abandoned', { transactionTimeout: 300 });
    const txn = await producer.transaction();
    await txn.send({ topic: 'tx-timeout', messages: [{ value: 'abandoned' }] });
    const plain = sluice.producer();
    await plain.connect();
    open.push(plain);
    await plain.send({ topic: 'tx-timeout', messages: [{ value: 'plain' }] });
    // Only the timeout ends the transaction: the plain record behind it becomes visible, the abandoned one never.
    expect(await readValues('tx-timeout', 1)).toEqual(['plain']);
  });

  it('refuses what kafkajs or Kafka refuse, with a clear error', async () => {
    expect(() => sluice.producer({ transactionalId: 'x', idempotent: false })).toThrow(/must be idempotent/);
    expect(() => sluice.producer({ transactionalId: '' })).toThrow(/transactionalId must be a non-empty string/);
    expect(() => sluice.producer({ transactionalId: 'x', transactionTimeout: 0 })).toThrow(/transactionTimeout/);
    const plain = sluice.producer();
    await plain.connect();
    open.push(plain);
    await expect(plain.transaction()).rejects.toThrow(/Must provide transactional id/);

    await createTopic('tx-rules');
    const producer = await transactionalProducer('tx-rules');
    await expect(producer.send({ topic: 'tx-rules', messages: [{ value: 'v' }] })).rejects.toThrow(
      /use producer.transaction\(\)/,
    );
    const txn = await producer.transaction();
    await expect(producer.transaction()).rejects.toThrow(/already an ongoing transaction/);
    await expect(txn.send({ topic: 'tx-rules', acks: 0, messages: [{ value: 'v' }] })).rejects.toThrow(/acks/);
    await expect(
      txn.sendOffsets({
        consumerGroupId: 'g',
        topics: [{ topic: 'tx-rules', partitions: [{ partition: 0, offset: 'x' }] }],
      }),
    ).rejects.toThrow(/invalid offset/);
    await txn.commit(); // nothing was written: ends without a request
    const next = await producer.transaction();
    await next.send({ topic: 'tx-rules', messages: [{ value: 'ok' }] });
    await next.commit();
    expect(await readValues('tx-rules', 1)).toEqual(['ok']);
  });
});
