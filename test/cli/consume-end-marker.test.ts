// `sluice consume -e` on a partition whose log ends in a transaction marker: the log end is one past the
// marker, no record sits at end - 1, and the command still ends once it has read everything before it, with
// or without a group, read committed or not, whether the last transaction committed or aborted.
import { afterAll, afterEach, beforeEach, expect, it, vi } from 'vitest';
import { sdkClient, startSdkBroker, type SdkBroker } from '../client/helpers.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { sluice } from './helpers.js';

vi.setConfig({ testTimeout: 120_000 });
let b: SdkBroker;
beforeEach(async () => {
  b = await startSdkBroker();
});
afterEach(async () => b.stop());
afterAll(removeTempDirs);

/** Two partitions: p0 ends with a committed transaction, p1 with an aborted one (after a committed one). */
async function logsEndingInMarkers(topic: string): Promise<void> {
  const client = sdkClient(b.port);
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
  await admin.disconnect();
  const producer = client.producer({ transactionalId: `end-${topic}` });
  await producer.connect();
  const first = await producer.transaction();
  await first.send({ topic, messages: [{ value: 'p1 committed', partition: 1 }] });
  await first.commit();
  const aborted = await producer.transaction();
  await aborted.send({ topic, messages: [{ value: 'p1 aborted', partition: 1 }] });
  await aborted.abort();
  const committed = await producer.transaction();
  await committed.send({ topic, messages: [{ value: 'p0 committed', partition: 0 }] });
  await committed.commit();
  await producer.disconnect();
}

const lines = (out: string) => out.split('\n').filter(Boolean).sort();

it('-e ends on logs ending in COMMIT and ABORT markers, read committed or not', async () => {
  await logsEndingInMarkers('ends');
  const broker = ['-b', `127.0.0.1:${b.port}`];

  const all = await sluice(['consume', 'ends', '--from-beginning', '-e', ...broker], { timeoutMs: 60_000 });
  expect(all.code).toBe(0);
  expect(lines(all.stdout)).toEqual(['p0 committed', 'p1 aborted', 'p1 committed']);

  const committed = await sluice(
    ['consume', 'ends', '--from-beginning', '-e', '--isolation', 'read_committed', ...broker],
    { timeoutMs: 60_000 },
  );
  expect(committed.code).toBe(0);
  expect(lines(committed.stdout)).toEqual(['p0 committed', 'p1 committed']);

  const one = await sluice(['consume', 'ends', '-p', '0', '--from-beginning', '-e', ...broker], { timeoutMs: 60_000 });
  expect(one.code).toBe(0);
  expect(one.stdout).toBe('p0 committed\n');
});

it('-e with a group ends on logs ending in markers; a second run of the group finds nothing', async () => {
  await logsEndingInMarkers('ends-group');
  const broker = ['-b', `127.0.0.1:${b.port}`];
  const run = await sluice(
    ['consume', 'ends-group', '-g', 'readers', '--from-beginning', '-e', '--isolation', 'read_committed', ...broker],
    { timeoutMs: 60_000 },
  );
  expect(run.code).toBe(0);
  expect(lines(run.stdout)).toEqual(['p0 committed', 'p1 committed']);
  // Everything was read: a second run of the group finds nothing and ends too.
  const again = await sluice(
    ['consume', 'ends-group', '-g', 'readers', '-e', '--isolation', 'read_committed', ...broker],
    { timeoutMs: 60_000 },
  );
  expect(again.code).toBe(0);
  expect(again.stdout).toBe('');
});

it('-e read committed ends at the last stable offset while a transaction is still open', async () => {
  const client = sdkClient(b.port);
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'open-txn', numPartitions: 1 }] });
  const plain = client.producer();
  await plain.connect();
  await plain.send({ topic: 'open-txn', messages: [{ value: 'before' }] });
  const producer = client.producer({ transactionalId: 'still-open' });
  await producer.connect();
  const open = await producer.transaction();
  await open.send({ topic: 'open-txn', messages: [{ value: 'in the open transaction' }] });
  await plain.send({ topic: 'open-txn', messages: [{ value: 'after, above the open transaction' }] });
  await plain.disconnect();
  // ListOffsets read_committed answers the last stable offset (1, the open transaction's first offset):
  // fetchTopicOffsets asks that by default, as kafkajs does.
  const [committedEnd] = await admin.fetchTopicOffsets('open-txn');
  const [uncommittedEnd] = await admin.fetchTopicOffsets('open-txn', { isolation: 'read_uncommitted' });
  expect([committedEnd!.high, uncommittedEnd!.high]).toEqual(['1', '3']);
  const broker = ['-b', `127.0.0.1:${b.port}`];

  const committed = await sluice(
    ['consume', 'open-txn', '--from-beginning', '-e', '--isolation', 'read_committed', ...broker],
    { timeoutMs: 60_000 },
  );
  expect(committed.code).toBe(0);
  expect(committed.stdout).toBe('before\n');
  const all = await sluice(['consume', 'open-txn', '--from-beginning', '-e', ...broker], { timeoutMs: 60_000 });
  expect(all.code).toBe(0);
  expect(lines(all.stdout)).toEqual(['after, above the open transaction', 'before', 'in the open transaction']);

  await open.abort();
  await producer.disconnect();
  await admin.disconnect();
});
