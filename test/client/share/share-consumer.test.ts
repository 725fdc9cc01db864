// The SDK's shareConsumer against an in-process broker: what a queue user checks.
import { afterEach, describe, expect, it } from 'vitest';
import { ShareFetchRecordsApi } from '../../helpers/share-fetch.js';
import type { EachShareMessagePayload, ShareConsumer, Sluice } from '../../../src/client/index.js';
import { DELIVER_AT_HEADER, DLQ_HEADERS, PRIORITY_HEADER } from '../../../src/records/index.js';
import { ErrorCode, ShareAcknowledgeApi, ShareGroupHeartbeatApi } from '../../../src/protocol/index.js';
import { waitFor } from '../../helpers/wait-for.js';
import { WireClient } from '../../helpers/wire-client.js';
import { type SdkBroker, sdkClient, startSdkBroker } from '../helpers.js';

let sb: SdkBroker | undefined;
const consumers: ShareConsumer[] = [];

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.disconnect().catch(() => undefined)));
  await sb?.stop();
  sb = undefined;
});

async function setup(topic: string, partitions = 1) {
  sb = await startSdkBroker();
  const client = sdkClient(sb.port);
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
  await admin.disconnect();
  const producer = client.producer();
  await producer.connect();
  return { client, producer };
}

async function worker(
  client: Sluice,
  topic: string,
  config: Parameters<Sluice['shareConsumer']>[0],
  eachMessage: (p: EachShareMessagePayload) => Promise<void>,
) {
  const consumer = client.shareConsumer({ maxWaitTimeInMs: 1000, ...config });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage });
  return consumer;
}

describe('shareConsumer', () => {
  it('four members on one partition ack every record exactly once, never holding one twice, within maxInFlight', async () => {
    const { client, producer } = await setup('jobs');
    const total = 300;
    await producer.send({ topic: 'jobs', messages: Array.from({ length: total }, (_, i) => ({ value: `job-${i}` })) });
    const handled = new Map<string, number>();
    const holding = new Set<string>();
    const running = new Map<number, number>();
    let doubleHeld = 0;
    let overPrefetch = 0;
    for (let m = 0; m < 4; m++) {
      running.set(m, 0);
      await worker(client, 'jobs', { groupId: 'workers', maxInFlight: 5 }, async ({ message }) => {
        const n = running.get(m)! + 1;
        running.set(m, n);
        if (n > 5) overPrefetch++;
        if (holding.has(message.offset)) doubleHeld++;
        holding.add(message.offset);
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        holding.delete(message.offset);
        handled.set(message.offset, (handled.get(message.offset) ?? 0) + 1);
        running.set(m, running.get(m)! - 1);
      });
    }
    await waitFor(() => handled.size === total, { timeoutMs: 20_000, message: 'every record to be handled' });
    const admin = client.admin();
    await admin.connect();
    await waitFor(
      async () => (await admin.describeShareGroups(['workers'])).groups[0]!.partitions[0]!.startOffset === total,
      { timeoutMs: 10_000, message: 'the start offset to pass every record' },
    );
    await admin.disconnect();
    expect([...handled.values()].every((n) => n === 1)).toBe(true);
    expect(doubleHeld).toBe(0);
    expect(overPrefetch).toBe(0);
    await producer.disconnect();
  });

  it('disconnect() waits for running handlers and stores their outcomes: nothing is delivered again', async () => {
    const { client, producer } = await setup('slow');
    await producer.send({ topic: 'slow', messages: Array.from({ length: 20 }, (_, i) => ({ value: `s-${i}` })) });
    const started: string[] = [];
    const finished: string[] = [];
    const first = await worker(client, 'slow', { groupId: 'slow-workers', maxInFlight: 20 }, async ({ message }) => {
      started.push(message.offset);
      await new Promise((r) => setTimeout(r, 300));
      finished.push(message.offset);
    });
    await waitFor(() => started.length === 20, { timeoutMs: 10_000, message: 'every record to be started' });
    await first.disconnect();
    // Resolved only after every running handler finished and its ack was answered.
    expect(finished.sort()).toEqual(started.sort());
    const admin = client.admin();
    await admin.connect();
    const partition = (await admin.describeShareGroups(['slow-workers'])).groups[0]!.partitions[0]!;
    expect(partition.startOffset).toBe(20);
    expect(partition.acquired + partition.available + partition.waiting).toBe(0);
    await expect(admin.deleteShareGroups(['no-such-workers'])).rejects.toThrow(
      /^share group "no-such-workers" does not exist$/,
    );
    await admin.disconnect();
    const again: string[] = [];
    await producer.send({ topic: 'slow', messages: [{ value: 'after' }] });
    await worker(client, 'slow', { groupId: 'slow-workers', maxInFlight: 20 }, async ({ message }) => {
      again.push(message.value!.toString());
    });
    await waitFor(() => again.length === 1, { timeoutMs: 10_000, message: 'the record sent after' });
    expect(again).toEqual(['after']);
    await producer.disconnect();
  });

  it('tries a failing record exactly maxAttempts times with the backoff delays, then dead-letters it once', async () => {
    const { client, producer } = await setup('mail');
    await producer.send({ topic: 'mail', messages: [{ key: 'k1', value: 'poison', headers: { trace: 'abc' } }] });
    const attempts: Array<{ at: number; attempt: number }> = [];
    await worker(
      client,
      'mail',
      {
        groupId: 'mailers',
        maxInFlight: 1,
        retry: {
          maxAttempts: 3,
          backoff: { type: 'exponential', initialMs: 200, multiplier: 2, maxMs: 1000, jitter: 0 },
        },
      },
      async ({ message }) => {
        attempts.push({ at: Date.now(), attempt: message.deliveryAttempt });
        throw new Error(`smtp said no (${message.deliveryAttempt})`);
      },
    );
    const dlqRecords: Array<{ value: string; headers: Record<string, string> }> = [];
    const dlqReader = client.consumer({ groupId: 'dlq-reader' });
    await dlqReader.connect();
    // The dead-letter topic is created by the broker with the first dead letter.
    const admin = client.admin();
    await admin.connect();
    await waitFor(async () => (await admin.listTopics()).includes('mail.dlq'), {
      timeoutMs: 10_000,
      message: 'mail.dlq to exist',
    });
    await admin.disconnect();
    await dlqReader.subscribe({ topics: ['mail.dlq'], fromBeginning: true });
    await dlqReader.run({
      eachMessage: async ({ message }) => {
        dlqRecords.push({
          value: message.value!.toString(),
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
        });
      },
    });
    await waitFor(() => dlqRecords.length === 1, { timeoutMs: 10_000, message: 'the dead letter' });
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    const gaps = [attempts[1]!.at - attempts[0]!.at, attempts[2]!.at - attempts[1]!.at];
    expect(gaps[0]).toBeGreaterThanOrEqual(200);
    expect(gaps[0]).toBeLessThanOrEqual(250);
    expect(gaps[1]).toBeGreaterThanOrEqual(400);
    expect(gaps[1]).toBeLessThanOrEqual(450);
    expect(dlqRecords[0]).toMatchObject({
      value: 'poison',
      headers: {
        trace: 'abc',
        [DLQ_HEADERS.sourceTopic]: 'mail',
        [DLQ_HEADERS.sourcePartition]: '0',
        [DLQ_HEADERS.sourceOffset]: '0',
        [DLQ_HEADERS.group]: 'mailers',
        [DLQ_HEADERS.attempts]: '3',
        [DLQ_HEADERS.error]: 'smtp said no (3)',
      },
    });
    await dlqReader.disconnect();
    await producer.disconnect();
  });

  it('redelivers the records of a member that stops answering once their locks expire', async () => {
    const { client, producer } = await setup('work');
    await producer.send({ topic: 'work', messages: [{ value: 'a' }, { value: 'b' }] });
    // A member that acquires and then hangs without renewing (a raw protocol client).
    const raw = await WireClient.connect(sb!.port);
    const joined = await raw.request(ShareGroupHeartbeatApi, {
      groupId: 'g',
      memberId: '',
      leave: false,
      topics: ['work'],
      maxInFlight: 2,
      startFrom: 'earliest',
      lockTimeoutMs: 300,
      retry: null,
      deadLetterTopic: null,
    });
    // Taken before the request leaves: the broker's locks start no earlier than this.
    const acquiredAt = Date.now();
    const held = await raw.request(ShareFetchRecordsApi, {
      groupId: 'g',
      memberId: joined.memberId,
      maxRecords: 2,
      maxWaitMs: 0,
      acks: [],
    });
    expect(held.records).toHaveLength(2);
    const others: Array<[string, number, number]> = [];
    await worker(client, 'work', { groupId: 'g', maxInFlight: 2 }, async ({ message }) => {
      others.push([message.value!.toString(), message.deliveryAttempt, Date.now() - acquiredAt]);
    });
    await waitFor(() => others.length === 2, { message: 'the expired records to be redelivered' });
    expect(others.map(([v, attempt]) => [v, attempt]).sort()).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
    expect(Math.min(...others.map(([, , ms]) => ms))).toBeGreaterThanOrEqual(299);
    const late = await raw.request(ShareAcknowledgeApi, {
      groupId: 'g',
      memberId: joined.memberId,
      acks: [{ topic: 'work', partition: 0, offset: 0, lastOffset: null, type: 'ack', errorMessage: null }],
    });
    expect(late.results[0]!.errorCode).toBe(ErrorCode.INVALID_RECORD_STATE);
    raw.destroy();
    await producer.disconnect();
  });

  it('extends the locks of a handler that runs longer than the lock timeout', async () => {
    const { client, producer } = await setup('slow');
    await producer.send({ topic: 'slow', messages: [{ value: 'long job' }] });
    const seen: Array<[string, number]> = [];
    const done: string[] = [];
    for (const name of ['first', 'second']) {
      // The handler outlives its lock four times over, so only renewals keep the record from a second
      // delivery. A 500 ms lock leaves the renewals room on a loaded machine (200 ms was missed at load 8-10).
      await worker(client, 'slow', { groupId: 'g', maxInFlight: 1, lockTimeoutMs: 500 }, async ({ message }) => {
        seen.push([name, message.deliveryAttempt]);
        await new Promise((r) => setTimeout(r, 2000));
        done.push(name);
      });
    }
    await waitFor(() => done.length === 1, { message: 'the long job to finish' });
    const admin = client.admin();
    await admin.connect();
    await waitFor(async () => (await admin.describeShareGroups(['g'])).groups[0]!.partitions[0]!.startOffset === 1);
    await admin.disconnect();
    expect(seen).toHaveLength(1);
    expect(seen[0]![1]).toBe(1);
    await producer.disconnect();
  });

  it('reject dead-letters at once, release gives the record back without counting the attempt', async () => {
    const { client, producer } = await setup('orders');
    await producer.send({ topic: 'orders', messages: [{ value: 'bad' }, { value: 'later' }] });
    const seen: Array<[string, number]> = [];
    await worker(client, 'orders', { groupId: 'g', maxInFlight: 1 }, async ({ message }) => {
      const value = message.value!.toString();
      seen.push([value, message.deliveryAttempt]);
      if (value === 'bad') message.reject('malformed order');
      else if (seen.filter(([v]) => v === 'later').length === 1) message.release();
    });
    await waitFor(() => seen.filter(([v]) => v === 'later').length === 2);
    expect(seen).toEqual([
      ['bad', 1],
      ['later', 1],
      ['later', 1],
    ]);
    const admin = client.admin();
    await admin.connect();
    await waitFor(async () => (await admin.fetchTopicOffsets('orders.dlq').catch(() => []))[0]?.high === '1');
    await admin.disconnect();
    await producer.disconnect();
  });

  it('hands the handler a plain kafkajs-style message whose destructured reject and release work', async () => {
    const { client, producer } = await setup('plain');
    const sentAt = Date.now();
    await producer.send({
      topic: 'plain',
      messages: [{ value: 'ok' }, { value: 'bad', headers: { kind: 'x' } }, { value: 'again' }],
    });
    const seen: Array<{ keys: string[]; plain: boolean; offset: string; timestamp: string; headers: object }> = [];
    const settledValues: string[] = [];
    await worker(client, 'plain', { groupId: 'g', maxInFlight: 1 }, async (payload) => {
      const { topic, partition, message } = payload;
      const { value, offset, timestamp, headers, reject, release } = message;
      seen.push({
        keys: Object.keys({ topic, partition, ...message }),
        plain:
          Object.getPrototypeOf(message) === Object.prototype && Object.getPrototypeOf(payload) === Object.prototype,
        offset,
        timestamp,
        headers: { ...headers },
      });
      if (value!.toString() === 'bad') reject('malformed');
      else if (value!.toString() === 'again' && !settledValues.includes('again-released')) {
        settledValues.push('again-released');
        release();
      } else settledValues.push(value!.toString());
    });
    await waitFor(() => settledValues.includes('again'));
    expect(seen.map((s) => s.offset)).toEqual(['0', '1', '2', '2']);
    for (const s of seen) {
      expect(s.plain).toBe(true);
      expect(s.keys).toEqual([
        'topic',
        'partition',
        'key',
        'value',
        'headers',
        'offset',
        'timestamp',
        'deliveryAttempt',
        'reject',
        'release',
      ]);
      expect(Number(s.timestamp)).toBeGreaterThanOrEqual(sentAt - 1000);
      expect(String(Number(s.timestamp))).toBe(s.timestamp);
    }
    expect(seen[0]!.headers).toEqual({});
    expect(seen[1]!.headers).toEqual({ kind: Buffer.from('x') });
    const admin = client.admin();
    await admin.connect();
    await waitFor(async () => (await admin.fetchTopicOffsets('plain.dlq').catch(() => []))[0]?.high === '1');
    await admin.disconnect();
    await producer.disconnect();
  });

  it('holds a delayed record until its time and hands out higher priorities first', async () => {
    const { client, producer } = await setup('timed');
    const deliverAt = Date.now() + 700;
    await producer.send({
      topic: 'timed',
      messages: [
        { value: 'delayed', headers: { [DELIVER_AT_HEADER]: String(deliverAt) } },
        { value: 'low-1' },
        { value: 'low-2' },
        { value: 'urgent', headers: { [PRIORITY_HEADER]: '9' } },
        { value: 'mid', headers: { [PRIORITY_HEADER]: '5' } },
      ],
    });
    const order: Array<[string, number]> = [];
    await worker(client, 'timed', { groupId: 'g', maxInFlight: 1 }, async ({ message }) => {
      order.push([message.value!.toString(), Date.now()]);
    });
    await waitFor(() => order.length === 5, { message: 'all five records' });
    expect(order.slice(0, 4).map(([v]) => v)).toEqual(['urgent', 'mid', 'low-1', 'low-2']);
    const [value, at] = order[4]!;
    expect(value).toBe('delayed');
    expect(at).toBeGreaterThanOrEqual(deliverAt);
    expect(at - deliverAt).toBeLessThanOrEqual(50);
    await producer.disconnect();
  });
});
