// DescribeTransactions and ListTransactions: the coordinator's transactional ids through the SDK's admin
// (native wire), a raw Kafka-wire request (keys 65 and 66), and `sluice transactions list|describe`.
import { afterAll, describe, expect, it } from 'vitest';
import { DescribeTransactions, ListTransactions } from '../../src/protocol/kafka/index.js';
import { sdkClient } from '../client/helpers.js';
import { createTopic, startBroker } from '../helpers/broker.js';
import { runSluice } from '../helpers/sluice-process.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { KafkaWireClient } from './kafka/kafka-wire-client.js';

afterAll(removeTempDirs);

describe('DescribeTransactions and ListTransactions', () => {
  it('show open and completed transactions on both wires and in the CLI', async () => {
    const tb = await startBroker({ kafkaPort: 0 });
    try {
      const wire = await tb.client();
      expect((await createTopic(wire, 'orders', 2)).errorCode).toBe(0);
      const client = sdkClient(tb.port);
      const open = client.producer({ transactionalId: 'open-writer' });
      await open.connect();
      const txn = await open.transaction();
      await txn.send({ topic: 'orders', messages: [{ key: 'k', value: 'v', partition: 1 }] });
      const done = client.producer({ transactionalId: 'done-writer' });
      await done.connect();
      const finished = await done.transaction();
      await finished.send({ topic: 'orders', messages: [{ key: 'k', value: 'v', partition: 0 }] });
      await finished.commit();

      const admin = client.admin();
      await admin.connect();
      const listed = await admin.listTransactions();
      expect(listed.transactions.map((t) => [t.transactionalId, t.state])).toEqual([
        ['done-writer', 'CompleteCommit'],
        ['open-writer', 'Ongoing'],
      ]);
      const ongoing = await admin.listTransactions({ states: ['Ongoing'] });
      expect(ongoing.transactions.map((t) => t.transactionalId)).toEqual(['open-writer']);
      const openId = ongoing.transactions[0]!.producerId;
      const byProducer = await admin.listTransactions({ producerIds: [openId] });
      expect(byProducer.transactions.map((t) => t.transactionalId)).toEqual(['open-writer']);

      const described = await admin.describeTransactions(['open-writer', 'done-writer', 'nobody']);
      const [o, d, unknown] = described.transactions;
      expect(o).toMatchObject({
        transactionalId: 'open-writer',
        errorCode: 0,
        state: 'Ongoing',
        producerId: openId,
        topics: [{ topic: 'orders', partitions: [1] }],
      });
      expect(o!.transactionStartTimeMs).toBeGreaterThan(0);
      expect(o!.transactionTimeoutMs).toBeGreaterThan(0);
      expect(d).toMatchObject({ state: 'CompleteCommit', topics: [] });
      expect(unknown).toMatchObject({ transactionalId: 'nobody', errorCode: 105 });
      await admin.disconnect();

      // The Kafka wire: the same answers under Kafka's keys and field types.
      const kafka = await KafkaWireClient.connect(tb.broker.kafkaPort!);
      const kafkaListed = await kafka.request(ListTransactions, 1, {
        stateFilters: ['Ongoing', 'Bogus'],
        producerIdFilters: [],
        durationFilter: -1,
      });
      expect(kafkaListed).toMatchObject({
        errorCode: 0,
        unknownStateFilters: ['Bogus'],
        transactionStates: [{ transactionalId: 'open-writer', producerId: openId, transactionState: 'Ongoing' }],
      });
      const kafkaDescribed = await kafka.request(DescribeTransactions, 0, {
        transactionalIds: ['open-writer', 'nobody'],
      });
      expect(kafkaDescribed.transactionStates).toMatchObject([
        {
          errorCode: 0,
          transactionState: 'Ongoing',
          producerId: openId,
          topics: [{ topic: 'orders', partitions: [1] }],
        },
        { errorCode: 105, transactionalId: 'nobody' },
      ]);
      kafka.socket.destroy();

      // The CLI.
      const brokers = ['-b', `127.0.0.1:${tb.port}`];
      const list = await runSluice(['transactions', 'list', ...brokers], 60_000);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/open-writer\s+\d+\s+Ongoing/);
      expect(list.stdout).toMatch(/done-writer\s+\d+\s+CompleteCommit/);
      const filtered = await runSluice(
        ['transactions', 'list', '--state', 'ongoing', '--format', 'json', ...brokers],
        60_000,
      );
      expect(
        filtered.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line).transactionalId),
      ).toEqual(['open-writer']);
      const byId = await runSluice(['transactions', 'list', '--producer-id', String(openId), ...brokers], 60_000);
      expect(byId.stdout).toMatch(/open-writer/);
      expect(byId.stdout).not.toMatch(/done-writer/);
      const describeRun = await runSluice(['transactions', 'describe', 'open-writer', ...brokers], 60_000);
      expect(describeRun.code).toBe(0);
      expect(describeRun.stdout).toMatch(/open-writer.*Ongoing.*orders-1/);
      const missing = await runSluice(['transactions', 'describe', 'nobody', ...brokers], 60_000);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toMatch(/transactional id 'nobody' is not known/);
      const badState = await runSluice(['transactions', 'list', '--state', 'Running', ...brokers], 60_000);
      expect(badState.code).not.toBe(0);
      expect(badState.stderr).toMatch(/--state must be one of: Empty, Ongoing/);

      await txn.abort();
      await open.disconnect();
      await done.disconnect();
    } finally {
      await tb.stop();
    }
  }, 240_000);
  it('with authorization on, describe needs Describe on the transactional id and the list shows only those', async () => {
    const tb = await startBroker({ security: { authorization: true } });
    try {
      const everything = (resourceType: 'topic' | 'cluster' | 'transactional-id') => ({
        principal: 'User:ANONYMOUS',
        host: '*',
        resourceType,
        resourceName: '*',
        patternType: 'literal' as const,
        operation: 'All' as const,
        permission: 'allow' as const,
      });
      const authorizer = tb.broker.core.authorizer;
      await authorizer.create([everything('topic'), everything('cluster'), everything('transactional-id')]);
      const wire = await tb.client();
      expect((await createTopic(wire, 'orders', 1)).errorCode).toBe(0);
      const client = sdkClient(tb.port);
      for (const transactionalId of ['visible-writer', 'hidden-writer']) {
        const producer = client.producer({ transactionalId });
        await producer.connect();
        const txn = await producer.transaction();
        await txn.send({ topic: 'orders', messages: [{ key: 'k', value: transactionalId }] });
        await txn.commit();
        await producer.disconnect();
      }

      // Only Describe on one id is left.
      await authorizer.delete([{}]);
      await authorizer.create([
        { ...everything('transactional-id'), resourceName: 'visible-writer', operation: 'Describe' },
      ]);
      const admin = client.admin();
      await admin.connect();
      const listed = await admin.listTransactions();
      expect(listed.transactions.map((t) => t.transactionalId)).toEqual(['visible-writer']);
      const described = await admin.describeTransactions(['visible-writer', 'hidden-writer']);
      expect(described.transactions.map((t) => [t.transactionalId, t.errorCode])).toEqual([
        ['visible-writer', 0],
        ['hidden-writer', 53],
      ]);
      await admin.disconnect();
    } finally {
      await tb.stop();
    }
  }, 120_000);
});
