// `sluice consume --isolation`: read_uncommitted (the default, as Kafka's console consumer) prints the records
// of aborted transactions too; read_committed prints committed ones only; a bad value is refused.
import { afterAll, afterEach, beforeEach, expect, it, vi } from 'vitest';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { sdkClient, startSdkBroker, type SdkBroker } from '../client/helpers.js';
import { sluice } from './helpers.js';

vi.setConfig({ testTimeout: 90_000 });
let b: SdkBroker;
beforeEach(async () => {
  b = await startSdkBroker();
});
afterEach(async () => b.stop());
afterAll(removeTempDirs);

it('read_committed skips aborted transactions, read_uncommitted (default) prints them; bad values are refused', async () => {
  const client = sdkClient(b.port);
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'iso', numPartitions: 1 }] });
  await admin.disconnect();
  const producer = client.producer({ transactionalId: 'cli-iso' });
  await producer.connect();
  const aborted = await producer.transaction();
  await aborted.send({ topic: 'iso', messages: [{ value: 'aborted' }] });
  await aborted.abort();
  const committed = await producer.transaction();
  await committed.send({ topic: 'iso', messages: [{ value: 'committed' }] });
  await committed.commit();
  await producer.disconnect();

  const broker = ['-b', `127.0.0.1:${b.port}`];
  const committedRun = await sluice(
    ['consume', 'iso', '--from-beginning', '-n', '1', '--isolation', 'read_committed', ...broker],
    { timeoutMs: 60_000 },
  );
  expect(committedRun.stdout).toBe('committed\n');
  expect(committedRun.code).toBe(0);
  const defaultRun = await sluice(['consume', 'iso', '--from-beginning', '-n', '2', ...broker], { timeoutMs: 60_000 });
  expect(defaultRun.stdout).toBe('aborted\ncommitted\n');
  const bad = await sluice(['consume', 'iso', '--isolation', 'committed', ...broker]);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toMatch(/isolation must be one of: read_uncommitted, read_committed/);
});
