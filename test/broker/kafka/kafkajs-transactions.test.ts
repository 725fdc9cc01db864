// kafkajs 2.2.4 from npm, unmodified, against the Kafka listener: transactions as a kafkajs user writes
// them (producer.transaction() → send, sendOffsets, commit, abort), read by read_committed consumers
// (kafkajs's default) and read_uncommitted ones; a zombie producer fenced; an abandoned transaction aborted
// by its timeout.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { type KafkaTestBroker, startKafkaBroker, until } from './helpers.js';

const kafkajs = createRequire(import.meta.url)('kafkajs') as any;

let b: KafkaTestBroker;
let kafka: any;

beforeAll(async () => {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  b = await startKafkaBroker({ transactions: { abortCheckIntervalMs: 100 } });
  kafka = new kafkajs.Kafka({
    clientId: 'kafkajs-txn-test',
    brokers: [b.bootstrap],
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { initialRetryTime: 50, retries: 5 },
  });
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

async function createTopic(topic: string, numPartitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }] });
  } finally {
    await admin.disconnect();
  }
}

/** Reads `topic` from the start with a group consumer until `expected` values arrived (or `settleMs` passed). */
async function readValues(
  topic: string,
  options: { readUncommitted?: boolean; expected: number; settleMs?: number },
): Promise<string[]> {
  const consumer = kafka.consumer({
    groupId: `reader-${topic}-${Math.random().toString(36).slice(2)}`,
    readUncommitted: options.readUncommitted ?? false,
    maxWaitTimeInMs: 100,
  });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }: { message: { value: Buffer } }) => {
        values.push(message.value.toString());
      },
    });
    await until(() => values.length >= options.expected, 20_000, `${options.expected} values of ${topic}`);
    // Nothing more arrives (the aborted records of a read_committed reader, for instance).
    if (options.settleMs) await new Promise((r) => setTimeout(r, options.settleMs));
  } finally {
    await consumer.disconnect();
  }
  return values;
}

describe('kafkajs transactions against the Kafka listener', () => {
  it('commits records on two partitions and the consumed offsets atomically; aborted records stay invisible', async () => {
    await createTopic('txn-out', 2);
    await createTopic('txn-in');
    const producer = kafka.producer({ transactionalId: 'tx-commit', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    try {
      const committed = await producer.transaction();
      await committed.send({
        topic: 'txn-out',
        messages: [
          { partition: 0, value: 'c-0' },
          { partition: 1, value: 'c-1' },
        ],
      });
      await committed.sendOffsets({
        consumerGroupId: 'transformer',
        topics: [{ topic: 'txn-in', partitions: [{ partition: 0, offset: '42' }] }],
      });
      await committed.commit();

      const aborted = await producer.transaction();
      await aborted.send({ topic: 'txn-out', messages: [{ partition: 0, value: 'a-0' }] });
      await aborted.sendOffsets({
        consumerGroupId: 'transformer',
        topics: [{ topic: 'txn-in', partitions: [{ partition: 0, offset: '99' }] }],
      });
      await aborted.abort();

      const last = await producer.transaction();
      await last.send({ topic: 'txn-out', messages: [{ partition: 1, value: 'c-2' }] });
      await last.commit();
    } finally {
      await producer.disconnect();
    }
    const readCommitted = await readValues('txn-out', { expected: 3, settleMs: 500 });
    expect(readCommitted.sort()).toEqual(['c-0', 'c-1', 'c-2']);
    const readUncommitted = await readValues('txn-out', { readUncommitted: true, expected: 4 });
    expect(readUncommitted.sort()).toEqual(['a-0', 'c-0', 'c-1', 'c-2']);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({ groupId: 'transformer', topics: ['txn-in'] });
      expect(offsets[0].partitions[0].offset).toBe('42'); // the aborted transaction's 99 was dropped
    } finally {
      await admin.disconnect();
    }
  });

  it('a read_committed consumer reads nothing past an open transaction until it commits', async () => {
    await createTopic('txn-lso');
    const txnProducer = kafka.producer({ transactionalId: 'tx-lso', maxInFlightRequests: 1, idempotent: true });
    const plain = kafka.producer();
    await txnProducer.connect();
    await plain.connect();
    try {
      await plain.send({ topic: 'txn-lso', messages: [{ value: 'before' }] });
      const open = await txnProducer.transaction();
      await open.send({ topic: 'txn-lso', messages: [{ value: 'inside' }] });
      await plain.send({ topic: 'txn-lso', messages: [{ value: 'after' }] });
      // Only what lies below the open transaction is stable.
      expect(await readValues('txn-lso', { expected: 1, settleMs: 700 })).toEqual(['before']);
      expect(await readValues('txn-lso', { readUncommitted: true, expected: 3 })).toEqual([
        'before',
        'inside',
        'after',
      ]);
      await open.commit();
      expect(await readValues('txn-lso', { expected: 3 })).toEqual(['before', 'inside', 'after']);
    } finally {
      await txnProducer.disconnect();
      await plain.disconnect();
    }
  });

  it('fences a zombie: the older instance of a transactional id fails with INVALID_PRODUCER_EPOCH, its open transaction aborted', async () => {
    await createTopic('txn-zombie');
    const zombie = kafka.producer({ transactionalId: 'tx-zombie', maxInFlightRequests: 1, idempotent: true });
    await zombie.connect();
    const successor = kafka.producer({ transactionalId: 'tx-zombie', maxInFlightRequests: 1, idempotent: true });
    try {
      const stale = await zombie.transaction();
      await stale.send({ topic: 'txn-zombie', messages: [{ value: 'zombie' }] });
      await successor.connect();
      const fresh = await successor.transaction(); // InitProducerId bumps the epoch: the zombie is fenced
      await fresh.send({ topic: 'txn-zombie', messages: [{ value: 'successor' }] });
      await fresh.commit();
      const error = await stale.commit().then(
        () => null,
        (e: { type?: string; name: string }) => e,
      );
      expect(error).toMatchObject({ type: 'INVALID_PRODUCER_EPOCH' });
      expect(await readValues('txn-zombie', { expected: 1, settleMs: 500 })).toEqual(['successor']);
    } finally {
      await zombie.disconnect().catch(() => {});
      await successor.disconnect();
    }
  });

  it('aborts a transaction abandoned past its timeout: the records after it become readable, its own never', async () => {
    await createTopic('txn-abandoned');
    const abandoned = kafka.producer({
      transactionalId: 'tx-abandoned',
      maxInFlightRequests: 1,
      idempotent: true,
      transactionTimeout: 1000,
    });
    const plain = kafka.producer();
    await abandoned.connect();
    await plain.connect();
    try {
      const txn = await abandoned.transaction();
      await txn.send({ topic: 'txn-abandoned', messages: [{ value: 'left-open' }] });
      await plain.send({ topic: 'txn-abandoned', messages: [{ value: 'later' }] });
      // Without the timeout 'later' would stay behind the open transaction for ever.
      expect(await readValues('txn-abandoned', { expected: 1, settleMs: 300 })).toEqual(['later']);
      const view = b.broker.core.transactions.describe('tx-abandoned');
      expect(view?.state).toBe('CompleteAbort');
    } finally {
      await abandoned.disconnect().catch(() => {});
      await plain.disconnect();
    }
  });
});
